"""The annotated replay: the sampled frames with skeleton and hip trail, as browser-playable H.264.

OpenCV cannot write H.264, so frames are piped to the ffmpeg binary that imageio-ffmpeg ships. The
replay is rendered after the result is stored (it never counts toward analysis latency) and works
for any upload codec, HEVC included, because it is made from decoded frames.
"""
from __future__ import annotations

import json
import subprocess
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path

import cv2
import numpy as np

from core.analysis.drawing import draw_pose, hip_path, trail
from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.pipeline.analyse import POSES
from core.pipeline.ingest import MANIFEST, work_dir
from core.storage import get_store

TRAIL_S = 3.0
#: x264's cheapest preset: a third of veryfast's CPU for a file about three times the size (about
#: 1 Mbit/s at 8 fps and 960 px), which a phone streams without trouble.
PRESET = "ultrafast"
READ_AHEAD = 4


def render(analysis_id: str, settings: Settings) -> str:
    """Render and store ``replays/<id>.mp4``; return its storage reference."""
    import imageio_ffmpeg

    wd = work_dir(settings, analysis_id)
    manifest = json.loads((wd / "frames" / MANIFEST).read_text())
    stored = np.load(wd / POSES)
    poses = stored["landmarks"]
    # (frames the clip cut away to: no trail across them; work dirs from before it was kept have none)
    elsewhere = stored["elsewhere"] if "elsewhere" in stored.files else np.zeros(len(poses), bool)
    # (each frame's picture -> wall: the trail is the path on the wall; none kept before: the picture's)
    walls = stored["transforms"] if "transforms" in stored.files else np.repeat([[[1.0, 0, 0], [0, 1.0, 0]]], len(poses), axis=0)
    views = stored["view"] if "view" in stored.files else None
    frames = manifest["frames"]
    if not frames:
        raise PipelineError(ErrorCode.FRAME_EXTRACTION_FAILED, "no frames to render")
    w, h = manifest["width"] - manifest["width"] % 2, manifest["height"] - manifest["height"] % 2
    fps = settings.analysis_fps
    out = wd / "replay.mp4"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-", "-c:v", "libx264", "-preset", PRESET, "-crf", "26",
           "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    hips, leaps = hip_path(poses, walls)
    trail_n = max(1, int(TRAIL_S * fps))
    # JPEG decoding (OpenCV releases the GIL) runs ahead on a helper thread while frames are drawn
    # and ffmpeg encodes; at most a few decoded frames wait in memory
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-read")
    ahead: deque[Future[np.ndarray | None]] = deque()
    paths = iter([str(wd / "frames" / f["file"]) for f in frames])
    try:
        for path in islice(paths, READ_AHEAD):
            ahead.append(reader.submit(cv2.imread, path))
        for i, f in enumerate(frames):
            img = ahead.popleft().result()
            if (nxt := next(paths, None)) is not None:
                ahead.append(reader.submit(cv2.imread, nxt))
            if img is None:
                continue
            lm = poses[i] if i < len(poses) else None
            drawn = draw_pose(img, lm, trail(i, trail_n, hips, walls, elsewhere, views, leaps) if i < len(poses) else None)
            cv2.putText(drawn, f"{f['t']:5.1f}s", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
            proc.stdin.write(np.ascontiguousarray(drawn[:h, :w]).tobytes())
        proc.stdin.close()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.wait(120) != 0:
            raise PipelineError(ErrorCode.INTERNAL, f"ffmpeg failed: {err[-300:]}")
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
        if proc.poll() is None:
            proc.kill()
    key = f"replays/{analysis_id}.mp4"
    ref = get_store(settings).put(Path(out), key, content_type="video/mp4")
    out.unlink(missing_ok=True)
    return ref
