"""The analysis pipeline, top to bottom.

    resolve -> probe -> validate -> sample -> pose -> metrics -> feedback [-> vision] -> persist

``analyze(job, settings, progress)`` is pure with respect to the database: it takes the job's
inputs (a dict with analysis_id, video_ref and the climber's details), writes frames and key
frames under the analysis id (work dir and store), and returns the result fields of the record.
It raises PipelineError. The caller (CLI, inline worker, Celery task) records progress and result,
so remote workers never write SQLite. Stages are idempotent per analysis id: sampled frames and
poses already in the work dir are reused, so a retry does not download or decode again.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.media import frames as framing
from core.media.policy import check_size, validate
from core.media.probe import VideoInfo, probe
from core.storage import resolve, split_ref, store_for_ref

Progress = Callable[[str, float], None]

#: (stage, share of the whole run) - progress is reported as the sum of finished shares.
STAGES: list[tuple[str, float]] = [
    ("resolve", 0.05), ("probe", 0.02), ("validate", 0.01), ("sample", 0.20),
    ("pose", 0.52), ("metrics", 0.04), ("feedback", 0.04), ("vision", 0.10), ("persist", 0.02),
]
STAGE_LABELS = {
    "queued": "Waiting in the queue", "resolve": "Fetching your video", "probe": "Reading the video",
    "validate": "Checking the video", "sample": "Extracting frames", "pose": "Tracking your body",
    "metrics": "Measuring your movement", "feedback": "Writing your feedback", "vision": "Asking the coach model",
    "persist": "Saving the result", "done": "Done",
}
JPEG_QUALITY = 88
#: Grey thumbnails of every sampled frame, kept from the sampling pass for the camera estimate.
THUMBS = "thumbs.npy"
THUMB_SIDE = 320


def thumbnail(img: np.ndarray) -> np.ndarray:
    s = THUMB_SIDE / max(img.shape[:2])
    small = cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def stage_start(stage: str) -> float:
    total = 0.0
    for name, share in STAGES:
        if name == stage:
            return round(total, 4)
        total += share
    return 1.0


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


def _sha256(path: Path) -> str:
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


def ingest(ref: str, dest: Path, settings: Settings, progress: Progress | None = None,
           *, from_user: bool = False, reuse: bool = True) -> Sampled:
    """resolve -> probe -> validate -> sample into ``dest`` (frames as JPEG + manifest.json)."""
    report = progress or (lambda stage, p: None)
    manifest = dest / "manifest.json"
    want = {"fps": settings.analysis_fps, "max_side": settings.frame_max_side}
    if reuse and manifest.is_file():
        m = json.loads(manifest.read_text())
        if m.get("params") == want and (dest / THUMBS).is_file() and all((dest / f["file"]).is_file() for f in m["frames"]):
            return Sampled(dest, VideoInfo(**m["info"]), m["video_sha256"], m["frames"], m["decoded"],
                           m["last_t"], m["width"], m["height"], reused=True)
    report("resolve", stage_start("resolve"))
    size = _remote_size(ref, settings)
    if size is not None:
        check_size(size, settings)  # refuse before downloading 2 GB
    with resolve(ref, settings, from_user=from_user) as path:
        report("probe", stage_start("probe"))
        info = probe(path, allowed_containers=settings.containers)
        report("validate", stage_start("validate"))
        validate(info, settings)
        sha = _sha256(path)
        report("sample", stage_start("sample"))
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        stats = framing.SampleStats()
        out: list[dict[str, Any]] = []
        thumbs: list[np.ndarray] = []
        expected = max(1, int(info.duration_s * settings.analysis_fps))
        share = dict(STAGES)["sample"]
        # JPEG encoding runs on helper threads (OpenCV releases the GIL), beside the decoding pass
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="jpeg") as writers:
            pending = []
            for fr in framing.sample(path, settings.analysis_fps, settings.frame_max_side, stats, info.fps):
                name = f"f{fr.index:05d}.jpg"
                pending.append(writers.submit(cv2.imwrite, str(dest / name), fr.image,
                                              [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]))
                thumbs.append(thumbnail(fr.image))
                out.append({"i": fr.index, "t": fr.t, "frame_no": fr.frame_no, "motion": round(fr.motion, 3), "file": name})
                if fr.index % 8 == 0:
                    report("sample", stage_start("sample") + share * min(1.0, fr.index / expected))
            if not all(f.result() for f in pending):
                raise PipelineError(ErrorCode.STORAGE_FULL, "could not write a sampled frame")
        np.save(dest / THUMBS, np.stack(thumbs))
    result = Sampled(dest, info, sha, out, stats.decoded, round(stats.last_t, 3), stats.width, stats.height)
    manifest.write_text(json.dumps({
        "params": want, "info": info.to_dict(), "video_sha256": sha, "frames": out, "decoded": stats.decoded,
        "last_t": result.last_t, "width": stats.width, "height": stats.height, "created": time.time(),
    }))
    return result


def analyze(job: dict[str, Any], settings: Settings, progress: Progress | None = None,
            *, fresh: bool = False) -> dict[str, Any]:
    """Run every stage for ``job`` and return the record's result fields. Raises PipelineError."""
    report = progress or (lambda stage, p: None)
    analysis_id = job["analysis_id"]
    wd = work_dir(settings, analysis_id)
    if fresh and wd.exists():
        shutil.rmtree(wd)
    sampled = ingest(job["video_ref"], wd / "frames", settings, report, reuse=not fresh)
    from core.analysis.runner import run_analysis  # heavy imports (mediapipe) only when analysing

    return run_analysis(job, sampled, settings, report, wd)
