"""MediaPipe Pose over the sampled frames, following one climber.

Per frame, in order:
1. full-frame pass (video mode, so MediaPipe tracks between frames);
2. if that misses, or jumps away from the climber we follow (a person walking past, the next
   wall's climber), a crop pass: around the last known box, else around the moving region, else
   over overlapping tiles; the crop is upscaled so a small climber fills the model's input, and the
   landmarks are mapped back.

Landmarks are returned as an array ``(n_frames, 33, 3)``: x and y in pixels of the sampled frame,
visibility in [0, 1]; NaN rows where no confident pose was found. Frames are split into contiguous
chunks, one per process (``settings.pose_workers``); each process builds its models once.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

# MediaPipe/TFLite write C++ warnings straight to stderr; keep the JSON logs clean
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from core.errors import ErrorCode, PipelineError  # noqa: E402

# MediaPipe Pose landmark indices
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 0, 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
TORSO = (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP)
SKELETON = [
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32), (27, 29), (28, 30),
]

#: A pose counts as confident when its torso landmarks' mean visibility reaches this.
MIN_TORSO_VISIBILITY = 0.5
#: Crops are upscaled so their long side is this many pixels (MediaPipe's detector works at 224-256).
CROP_SIDE = 512
#: A detection further than this many torso lengths (plus drift per second) from the followed
#: climber is another person.
MAX_JUMP_TORSOS = 2.5
MAX_DRIFT_TORSOS_PER_S = 2.0


@dataclass
class PoseResult:
    landmarks: np.ndarray  # (n, 33, 3)
    source: list[str]  # per frame: "full", "crop-last", "crop-motion", "tile", "" (none)

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.landmarks[:, L_HIP, 0])


def torso_visibility(lm: np.ndarray) -> float:
    return float(np.nanmean(lm[list(TORSO), 2]))


def torso_length(lm: np.ndarray) -> float:
    sh = (lm[L_SHOULDER, :2] + lm[R_SHOULDER, :2]) / 2
    hp = (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2
    return float(np.linalg.norm(sh - hp))


def hip_centre(lm: np.ndarray) -> np.ndarray:
    return (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2


def bbox(lm: np.ndarray, min_vis: float = 0.3) -> tuple[float, float, float, float]:
    pts = lm[lm[:, 2] >= min_vis, :2]
    if len(pts) < 4:
        pts = lm[:, :2]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


class _Models:
    """The two Pose models of one process: video-mode full frame and static-mode crops."""

    def __init__(self) -> None:
        try:
            import mediapipe as mpipe

            pose = mpipe.solutions.pose
            # model_complexity=1 is the only model bundled with mediapipe 0.10.21 (0 and 2 download).
            self.full = pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
                                  min_detection_confidence=0.5, min_tracking_confidence=0.5)
            self.crop = pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.4)
        except Exception as exc:  # noqa: BLE001 - translated at the edge
            raise PipelineError(ErrorCode.POSE_MODEL_FAILED, f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Free the graphs and their threads (long-lived workers run many analyses)."""
        for m in (self.full, self.crop):
            try:
                m.close()
            except Exception:  # noqa: BLE001 - closing twice or after a failed build
                pass

    def __enter__(self) -> "_Models":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _run(model: Any, rgb: np.ndarray) -> np.ndarray | None:
        res = model.process(rgb)
        if res.pose_landmarks is None:
            return None
        h, w = rgb.shape[:2]
        return np.array([[p.x * w, p.y * h, p.visibility] for p in res.pose_landmarks.landmark], dtype=np.float64)

    def full_frame(self, bgr: np.ndarray) -> np.ndarray | None:
        return self._run(self.full, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def in_box(self, bgr: np.ndarray, box: tuple[float, float, float, float], expand: float = 1.6) -> np.ndarray | None:
        h, w = bgr.shape[:2]
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        side = max(x1 - x0, y1 - y0, 96.0) * expand
        ax0, ay0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        ax1, ay1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
        if ax1 - ax0 < 32 or ay1 - ay0 < 32:
            return None
        crop = bgr[ay0:ay1, ax0:ax1]
        scale = CROP_SIDE / max(crop.shape[:2])
        if scale > 1:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        else:
            scale = 1.0
        lm = self._run(self.crop, cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        if lm is None:
            return None
        lm[:, 0] = lm[:, 0] / scale + ax0
        lm[:, 1] = lm[:, 1] / scale + ay0
        return lm


def moving_box(prev: np.ndarray | None, cur: np.ndarray, nxt: np.ndarray | None) -> tuple[float, float, float, float] | None:
    """Bounding box of the largest moving blob (three-frame difference), or None."""
    g = cv2.GaussianBlur(cv2.cvtColor(cur, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    masks = []
    for other in (prev, nxt):
        if other is not None and other.shape == cur.shape:
            o = cv2.GaussianBlur(cv2.cvtColor(other, cv2.COLOR_BGR2GRAY), (5, 5), 0)
            masks.append(cv2.threshold(cv2.absdiff(g, o), 18, 255, cv2.THRESH_BINARY)[1])
    if not masks:
        return None
    m = masks[0] if len(masks) == 1 else cv2.bitwise_and(masks[0], masks[1])
    m = cv2.dilate(m, np.ones((9, 9), np.uint8), iterations=2)
    n, _, st, _ = cv2.connectedComponentsWithStats(m)
    if n <= 1:
        return None
    i = 1 + int(np.argmax(st[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = st[i]
    if area < 0.002 * m.size:
        return None
    return float(x), float(y), float(x + bw), float(y + bh)


def tiles(w: int, h: int) -> list[tuple[float, float, float, float]]:
    """Overlapping tiles (2 x 2 plus the centre) for a small climber somewhere on a big wall."""
    tw, th = w * 0.6, h * 0.6
    out = [(x, y, x + tw, y + th) for x in (0, w - tw) for y in (0, h - th)]
    out.append((w * 0.2, h * 0.2, w * 0.8, h * 0.8))
    return out


def _consistent(lm: np.ndarray, last: np.ndarray | None, gap_s: float) -> bool:
    if last is None:
        return True
    tl = max(torso_length(last), 1.0)
    d = float(np.linalg.norm(hip_centre(lm) - hip_centre(last)))
    return d <= tl * (MAX_JUMP_TORSOS + MAX_DRIFT_TORSOS_PER_S * gap_s)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """MediaPipe's C++ (absl) warnings go straight to fd 2 and would break the JSON-lines logs; pose
    tracking logs nothing of ours, so fd 2 is pointed at /dev/null while it runs."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _track_chunk(paths: list[str], times: list[float]) -> tuple[np.ndarray, list[str]]:
    with _quiet_stderr(), _Models() as models:
        return _track(models, paths, times)


def _track(models: _Models, paths: list[str], times: list[float]) -> tuple[np.ndarray, list[str]]:
    n = len(paths)
    out = np.full((n, 33, 3), np.nan)
    source = [""] * n
    last: np.ndarray | None = None
    last_t = -1e9
    imgs: dict[int, np.ndarray] = {}

    def img(i: int) -> np.ndarray | None:
        if i < 0 or i >= n:
            return None
        if i not in imgs:
            imgs[i] = cv2.imread(paths[i])
        return imgs[i]

    for i in range(n):
        for k in [k for k in imgs if k < i - 1]:
            del imgs[k]
        frame = img(i)
        if frame is None:
            continue
        gap = times[i] - last_t
        cand = models.full_frame(frame)
        src = "full"
        ok = cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY and _consistent(cand, last, gap)
        if not ok and last is not None and gap <= 3.0:
            cand, src = models.in_box(frame, bbox(last)), "crop-last"
            ok = cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY and _consistent(cand, last, gap)
        if not ok:
            box = moving_box(img(i - 1), frame, img(i + 1))
            if box is not None:
                cand, src = models.in_box(frame, box, expand=1.4), "crop-motion"
                ok = cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY and _consistent(cand, last, gap)
        if not ok and last is None and i % 4 == 0:
            h, w = frame.shape[:2]
            for tb in tiles(w, h):
                cand, src = models.in_box(frame, tb, expand=1.0), "tile"
                if cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY:
                    ok = True
                    break
        if ok and cand is not None:
            out[i] = cand
            source[i] = src
            last, last_t = cand, times[i]
    return out, source


def _chunk_worker(args: tuple[list[str], list[float]]) -> tuple[np.ndarray, list[str]]:
    return _track_chunk(*args)


def _pool_init(parent: int) -> None:
    from core.proc import die_with_parent

    die_with_parent(parent)


def estimate(paths: list[Path], times: list[float], processes: int = 1,
             progress: Callable[[float], None] | None = None) -> PoseResult:
    """Pose for every frame path (in time order), using ``processes`` contiguous chunks."""
    n = len(paths)
    if n == 0:
        return PoseResult(np.full((0, 33, 3), np.nan), [])
    processes = max(1, min(processes, n // 12 or 1))
    chunks = np.array_split(np.arange(n), processes)
    jobs = [([str(paths[i]) for i in c], [times[i] for i in c]) for c in chunks if len(c)]
    if processes == 1:
        lm, src = _track_chunk(*jobs[0])
        if progress:
            progress(1.0)
        return PoseResult(lm, src)
    # fork is cheap, but only safe before this process started MediaPipe (its graphs own native
    # threads) and while it runs no other Python threads; otherwise pay for spawn.
    safe = "mediapipe" not in sys.modules and threading.active_count() == 1 and os.name == "posix"
    ctx = mp.get_context("fork" if safe else "spawn")
    results: list[tuple[np.ndarray, list[str]]] = []
    with ProcessPoolExecutor(max_workers=processes, mp_context=ctx, initializer=_pool_init,
                             initargs=(os.getpid(),)) as pool:
        for k, res in enumerate(pool.map(_chunk_worker, jobs)):
            results.append(res)
            if progress:
                progress((k + 1) / len(jobs))
    return PoseResult(np.concatenate([r[0] for r in results]), [s for r in results for s in r[1]])
