"""Ingest: resolve -> probe -> validate -> sample, in one sequential decode pass.

Each sampled frame is handed to ``on_frame`` as soon as it is decoded (the analysis streams it to
the pose workers), and written as JPEG on helper threads for what needs it later: the annotated
replay and the key frames. A manifest makes the stage idempotent per analysis: a retry with the
same parameters reuses the frames without downloading or decoding again.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.media import frames as framing
from core.media.policy import check_size, validate
from core.media.probe import VideoInfo, probe
from core.pipeline.stages import SHARE, Progress, no_progress, stage_start
from core.storage import resolve, split_ref, store_for_ref

JPEG_QUALITY = 85
#: Grey thumbnails of every sampled frame, kept from the sampling pass for the camera estimate.
THUMBS = "thumbs.npy"
THUMB_SIDE = 320
MANIFEST = "manifest.json"


def thumbnail(img: np.ndarray) -> np.ndarray:
    s = THUMB_SIDE / max(img.shape[:2])
    small = cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


@dataclass
class Sampled:
    """The sample stage's output: frames on disk plus what the pass measured."""

    dir: Path
    info: VideoInfo
    video_sha256: str
    frames: list[dict[str, Any]]  # {i, t, frame_no, motion, file}
    decoded: int
    last_t: float
    width: int
    height: int
    reused: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    def path(self, i: int) -> Path:
        return self.dir / self.frames[i]["file"]

    def image(self, i: int) -> Any:
        return cv2.imread(str(self.path(i)))

    def thumbs(self) -> np.ndarray:
        """(n, h, w) grey thumbnails, THUMB_SIDE on the long side."""
        return np.load(self.dir / THUMBS)


def work_dir(settings: Settings, analysis_id: str) -> Path:
    if not analysis_id or not all(c.isalnum() or c in "-_" for c in analysis_id):
        raise PipelineError(ErrorCode.INTERNAL, "invalid analysis id")
    return settings.work_dir / analysis_id


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def _remote_size(ref: str, settings: Settings) -> int | None:
    kind, _ = split_ref(ref)
    if kind in ("s3", "key"):
        store, key = store_for_ref(ref, settings)
        if store.local_path(key) is None:
            return store.size(key)
    return None


def reusable(dest: Path, settings: Settings) -> Sampled | None:
    """The frames already sampled into ``dest`` with today's parameters, if complete."""
    manifest = dest / MANIFEST
    if not manifest.is_file():
        return None
    m = json.loads(manifest.read_text())
    want = {"fps": settings.analysis_fps, "max_side": settings.frame_max_side}
    if m.get("params") != want or not (dest / THUMBS).is_file() or not all((dest / f["file"]).is_file() for f in m["frames"]):
        return None
    return Sampled(dest, VideoInfo(**m["info"]), m["video_sha256"], m["frames"], m["decoded"],
                   m["last_t"], m["width"], m["height"], reused=True)


def ingest(ref: str, dest: Path, settings: Settings, progress: Progress | None = None,
           *, from_user: bool = False, reuse: bool = True,
           on_frame: Callable[[framing.Frame], None] | None = None) -> Sampled:
    """resolve -> probe -> validate -> sample into ``dest`` (frames as JPEG + manifest.json).

    ``on_frame`` receives every sampled frame (downscaled BGR) as it is decoded. With ``reuse``,
    frames already in ``dest`` are returned as they are and ``on_frame`` is not called."""
    report = progress or no_progress
    if reuse and (done := reusable(dest, settings)) is not None:
        return done
    want = {"fps": settings.analysis_fps, "max_side": settings.frame_max_side}
    report("resolve", stage_start("resolve"))
    size = _remote_size(ref, settings)
    if size is not None:
        check_size(size, settings)  # refuse before downloading 2 GB
    with resolve(ref, settings, from_user=from_user) as path:
        report("probe", stage_start("probe"))
        info = probe(path, allowed_containers=settings.containers)
        report("validate", stage_start("validate"))
        validate(info, settings)
        sha = file_sha256(path)
        report("sample", stage_start("sample"))
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        stats = framing.SampleStats()
        out: list[dict[str, Any]] = []
        thumbs: list[np.ndarray] = []
        expected = max(1, int(info.duration_s * settings.analysis_fps))
        share = SHARE["sample"]
        # JPEG encoding runs on a helper thread (OpenCV releases the GIL), beside the decoding pass;
        # the pose workers get the decoded frame itself, never the JPEG
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jpeg") as writers:
            pending = []
            for fr in framing.sample(path, settings.analysis_fps, settings.frame_max_side, stats, info.fps):
                name = f"f{fr.index:05d}.jpg"
                pending.append(writers.submit(cv2.imwrite, str(dest / name), fr.image,
                                              [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]))
                thumbs.append(thumbnail(fr.image))
                out.append({"i": fr.index, "t": fr.t, "frame_no": fr.frame_no, "motion": round(fr.motion, 3), "file": name})
                if on_frame is not None:
                    on_frame(fr)
                if fr.index % 8 == 0:
                    report("sample", stage_start("sample") + share * min(1.0, fr.index / expected))
            if not all(f.result() for f in pending):
                raise PipelineError(ErrorCode.STORAGE_FULL, "could not write a sampled frame")
        np.save(dest / THUMBS, np.stack(thumbs))
    result = Sampled(dest, info, sha, out, stats.decoded, round(stats.last_t, 3), stats.width, stats.height)
    (dest / MANIFEST).write_text(json.dumps({
        "params": want, "info": info.to_dict(), "video_sha256": sha, "frames": out, "decoded": stats.decoded,
        "last_t": result.last_t, "width": stats.width, "height": stats.height, "created": time.time(),
    }))
    return result
