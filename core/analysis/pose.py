"""MediaPipe Pose over the sampled frames, following one climber.

Per frame, in order:
1. full-frame pass (video mode, so MediaPipe tracks between frames);
2. if that misses, or jumps away from the climber we follow (a person walking past, the next
   wall's climber), a crop pass: around the last known box, else around the moving region, else
   over overlapping tiles; the crop is upscaled so a small climber fills the model's input, and the
   landmarks are mapped back.

Landmarks are returned as an array ``(n_frames, 33, 3)``: x and y in pixels of the sampled frame,
visibility in [0, 1]; NaN rows where no confident pose was found. Frames are streamed to the pose
workers while decoding goes on (``PoseStream``): blocks of consecutive frames are dealt to the
processes in turn; each process builds its models once and keeps following the climber.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import threading
from multiprocessing import shared_memory
from multiprocessing.connection import Connection, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

# MediaPipe/TFLite write C++ warnings straight to stderr; keep the JSON logs clean
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from core.errors import ErrorCode, PipelineError  # noqa: E402

# A process that forks pose workers must never start OpenCV's own thread pool: a fork while one of
# its threads holds the pool's lock leaves the lock held in the child, whose first parallel OpenCV
# call then waits forever (seen with a reused process: a Celery pool child, a batch runner). Set at
# import, before any OpenCV work; the cores are kept busy by the pose processes instead.
cv2.setNumThreads(1)
from core.proc import die_with_parent  # noqa: E402

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


class Models:
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

    def __enter__(self) -> "Models":
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


class Tracker:
    """Follows one climber over consecutive frames. Keeps its state between calls, so a worker
    can be fed block after block (frames in time order within a block)."""

    def __init__(self, models: Models) -> None:
        self.models = models
        self.last: np.ndarray | None = None
        self.last_t = -1e9
        self.seen = 0

    def _ok(self, cand: np.ndarray | None, gap: float) -> bool:
        return cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY and _consistent(cand, self.last, gap)

    def run(self, frames: list[np.ndarray], times: list[float]) -> tuple[np.ndarray, list[str]]:
        """Landmarks (len(frames), 33, 3) and their sources for one block of frames."""
        n = len(frames)
        out = np.full((n, 33, 3), np.nan)
        source = [""] * n
        models = self.models
        for i, frame in enumerate(frames):
            gap = times[i] - self.last_t
            cand, src = models.full_frame(frame), "full"
            ok = self._ok(cand, gap)
            if not ok and self.last is not None and gap <= 3.0:
                cand, src = models.in_box(frame, bbox(self.last)), "crop-last"
                ok = self._ok(cand, gap)
            if not ok:
                box = moving_box(frames[i - 1] if i > 0 else None, frame, frames[i + 1] if i + 1 < n else None)
                if box is not None:
                    cand, src = models.in_box(frame, box, expand=1.4), "crop-motion"
                    ok = self._ok(cand, gap)
            if not ok and self.last is None and self.seen % 4 == 0:
                h, w = frame.shape[:2]
                for tb in tiles(w, h):
                    cand, src = models.in_box(frame, tb, expand=1.0), "tile"
                    if cand is not None and torso_visibility(cand) >= MIN_TORSO_VISIBILITY:
                        ok = True
                        break
            self.seen += 1
            if ok and cand is not None:
                out[i] = cand
                source[i] = src
                self.last, self.last_t = cand, times[i]
        return out, source


#: Frames per block handed to one pose worker: long enough for MediaPipe's video-mode tracking to
#: pay off, short enough that both workers start within a second of decoding.
BLOCK = 16
#: Blocks waiting per worker: bounds memory (decoding pauses when pose falls behind).
QUEUE_BLOCKS = 2


def _worker_main(parent: int, conn: Connection) -> None:
    """A pose worker process: build the models once, then track every block sent to it."""
    die_with_parent(parent)
    with _quiet_stderr():
        try:
            models = Models()
        except PipelineError as exc:
            conn.send(("error", exc.code.value, exc.detail))
            return
        with models:
            tracker = Tracker(models)
            while (item := conn.recv()) is not None:
                k, times, shapes, name = item
                shm = shared_memory.SharedMemory(name=name)  # the parent created it and unlinks it
                try:
                    frames, offset = [], 0
                    for shape in shapes:
                        frames.append(np.ndarray(shape, np.uint8, shm.buf, offset))
                        offset += int(np.prod(shape))
                    lm, src = tracker.run(frames, times)
                    del frames
                finally:
                    shm.close()
                conn.send(("block", k, lm, src))
    conn.send(("done",))


class PoseStream:
    """Pose estimation fed frame by frame while the video is still being decoded.

    ``processes`` workers each own a MediaPipe graph; frames are grouped in blocks of ``BLOCK``
    and dealt to the workers in turn, so each worker sees runs of consecutive frames (video-mode
    tracking) and every core works while decoding goes on. Pixels travel through one shared-memory
    segment per block; each worker has its own pipe (no helper threads in this process, so later
    forks stay safe). At most ``QUEUE_BLOCKS`` blocks wait per worker: decoding pauses when pose
    falls behind, which keeps memory flat whatever the video's length. Use as a context manager::

        with PoseStream(2) as ps:
            for frame in frames: ps.put(frame.t, frame.image)
            result = ps.finish()
    """

    def __init__(self, processes: int = 1, progress: Callable[[int], None] | None = None) -> None:
        self.n = max(1, processes)
        self.progress = progress
        # fork is cheap, but only safe before this process started MediaPipe (its graphs own native
        # threads) and while it runs no other Python threads; otherwise pay for spawn.
        safe = "mediapipe" not in sys.modules and threading.active_count() == 1 and os.name == "posix"
        ctx = mp.get_context("fork" if safe else "spawn")
        self.conns: list[Connection] = []
        self.procs = []
        # a Celery prefork child is daemonic, and multiprocessing refuses children to daemonic
        # processes (they could be orphaned). Ours cannot: each asks the kernel to kill it when its
        # parent dies (PR_SET_PDEATHSIG), so the flag is lifted while they start.
        me = mp.current_process()
        daemonic = me._config.get("daemon")  # type: ignore[attr-defined]
        me._config["daemon"] = False  # type: ignore[attr-defined]
        # a spawned worker needs nothing from __main__, and must not run it again (a test runner, a
        # Streamlit script): hide it from multiprocessing's start-up while the workers start
        main = sys.modules.get("__main__")
        hidden = {a: getattr(main, a) for a in ("__spec__", "__file__") if hasattr(main, a)} if not safe else {}
        for a in hidden:
            if a == "__spec__":
                setattr(main, a, None)
            else:
                delattr(main, a)
        try:
            for k in range(self.n):
                mine, theirs = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_worker_main, args=(os.getpid(), theirs), daemon=True, name=f"pose-{k}")
                proc.start()
                theirs.close()
                self.conns.append(mine)
                self.procs.append(proc)
        finally:
            me._config["daemon"] = daemonic  # type: ignore[attr-defined]
            for a, v in hidden.items():
                setattr(main, a, v)
        self.inflight = [0] * self.n
        self.blocks: dict[int, tuple[np.ndarray, list[str]]] = {}
        self.segments: dict[int, shared_memory.SharedMemory] = {}
        self.pending_t: list[float] = []
        self.pending_img: list[np.ndarray] = []
        self.sent = 0
        self.frames = 0
        self.done = [False] * self.n

    def __enter__(self) -> "PoseStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, t: float, image: np.ndarray) -> None:
        self.pending_t.append(t)
        self.pending_img.append(image)
        if len(self.pending_t) >= BLOCK:
            self._send()

    def _send(self) -> None:
        if not self.pending_t:
            return
        k = self.sent
        w = k % self.n
        while self.inflight[w] >= QUEUE_BLOCKS:
            self._receive(timeout=1.0)
        shm = shared_memory.SharedMemory(create=True, size=max(1, sum(im.nbytes for im in self.pending_img)))
        offset = 0
        for im in self.pending_img:
            shm.buf[offset:offset + im.nbytes] = np.ascontiguousarray(im, np.uint8).reshape(-1)
            offset += im.nbytes
        self.segments[k] = shm
        self._to(w, (k, self.pending_t, [im.shape for im in self.pending_img], shm.name))
        self.inflight[w] += 1
        self.frames += len(self.pending_t)
        self.sent += 1
        self.pending_t, self.pending_img = [], []

    def _to(self, w: int, item: Any) -> None:
        try:
            self.conns[w].send(item)
        except (BrokenPipeError, ConnectionResetError, EOFError) as exc:
            raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died") from exc

    def _receive(self, timeout: float) -> None:
        """Handle what the workers have sent; raise if one died or failed."""
        ready = wait([c for c, d in zip(self.conns, self.done) if not d], timeout)
        if not ready:
            if any(p.exitcode not in (None, 0) for p in self.procs):
                raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died")
            return
        for conn in ready:
            w = self.conns.index(conn)  # type: ignore[arg-type]
            try:
                msg = conn.recv()  # type: ignore[union-attr]
            except (EOFError, ConnectionResetError):
                raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died") from None
            if msg[0] == "block":
                self.blocks[msg[1]] = (msg[2], msg[3])
                self.inflight[w] -= 1
                self._release(msg[1])
                if self.progress:
                    self.progress(sum(len(b[1]) for b in self.blocks.values()))
            elif msg[0] == "error":
                raise PipelineError(ErrorCode(msg[1]), msg[2])
            elif msg[0] == "done":
                self.done[w] = True

    def _release(self, k: int) -> None:
        shm = self.segments.pop(k, None)
        if shm is not None:
            shm.close()
            shm.unlink()

    def finish(self) -> PoseResult:
        """Send the last block, wait for every worker and return the landmarks in frame order."""
        self._send()
        for w in range(self.n):
            self._to(w, None)
        while not all(self.done):
            self._receive(timeout=1.0)
        if self.sent == 0:
            return PoseResult(np.full((0, 33, 3), np.nan), [])
        ordered = [self.blocks[k] for k in range(self.sent)]
        return PoseResult(np.concatenate([b[0] for b in ordered]), [s for b in ordered for s in b[1]])

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()
            p.join(5)
        for conn in self.conns:
            conn.close()
        for k in list(self.segments):
            self._release(k)


def estimate(frames: Iterable[np.ndarray], times: list[float], processes: int = 1,
             progress: Callable[[int], None] | None = None) -> PoseResult:
    """Pose for frames in time order (an iterable of BGR images), through a PoseStream."""
    with PoseStream(processes, progress) as ps:
        for t, img in zip(times, frames):
            ps.put(t, img)
        return ps.finish()
