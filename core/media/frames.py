"""One sequential decode pass: grab every frame, retrieve only the sampled ones.

Per-frame seeking costs a keyframe decode per sample (57 s for 150 seeks on a 30 s 1080p clip
here, against 2.4 s for one pass). ``sample`` walks the file once with ``grab()``, calls
``retrieve()`` only when a frame's timestamp reaches the next sample time, downscales at once, and
counts the decodable frames as it goes. OpenCV applies the rotation flag, so frames come upright.
What OpenCV's build cannot decode (AV1) is decoded through PyAV instead, turned upright the same way.
Frames stored with non-square pixels (a sample aspect ratio other than 1:1: anamorphic encodes,
broadcast captures, some exports) are shrunk along one side to how they are shown, so a body has
the proportions the pose model knows (read as stored, the fixed clip 1.43 times too wide or narrow
began its climb at 0.0 s for 1.4 and the roof clip lost its cut loose).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error
import cv2
import numpy as np

from core.errors import ErrorCode, PipelineError
from core.media.probe import display_rotation, pixel_aspect, stream_pixel_aspect

MOTION_WIDTH = 64  # motion energy is measured on a tiny grey thumbnail


@dataclass
class Frame:
    index: int  # sample number
    frame_no: int  # decoded frame number in the file
    t: float  # seconds from the first frame
    image: np.ndarray  # BGR, downscaled
    motion: float  # mean abs grey difference to the previous sample (0-255 scale)


@dataclass
class SampleStats:
    decoded: int = 0
    sampled: int = 0
    last_t: float = 0.0
    width: int = 0
    height: int = 0
    src_width: int = 0
    src_height: int = 0
    times: list[float] = field(default_factory=list)


def downscale(img: np.ndarray, max_side: int, stretch: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """``img`` no larger than ``max_side`` on its long side, its width and height first multiplied
    by ``stretch`` (each at most 1: see ``square_pixels``), in one resize."""
    h, w = img.shape[:2]
    dw, dh = w * stretch[0], h * stretch[1]
    s = min(1.0, max_side / max(dw, dh))
    if s >= 1 and stretch == (1.0, 1.0):
        return img
    return cv2.resize(img, (max(1, round(dw * s)), max(1, round(dh * s))), interpolation=cv2.INTER_AREA)


def square_pixels(sar: float, turned: bool) -> tuple[float, float]:
    """How much to shrink an upright frame's width and height so its pixels are square, from the
    stream's sample aspect ratio ``sar`` (a stored pixel's width over its height; 0 or 1 when square)
    and whether the frame was ``turned`` a quarter for display (the stored width is then the upright
    height). Only ever shrinks, so nothing is made up. A ratio no camera stores (see
    probe.pixel_aspect: a broken or hostile header) is taken as square, not as a sliver of a picture."""
    sar = pixel_aspect(sar)
    if abs(sar - 1.0) < 0.01:
        return 1.0, 1.0
    wide = (1.0, 1.0 / sar) if sar > 1 else (sar, 1.0)  # the stored picture's (x, y)
    return (wide[1], wide[0]) if turned else wide


def _shrink(img: np.ndarray, max_side: int, stretch: tuple[float, float] = (1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    img = downscale(img, max_side, stretch)
    # motion on a tiny thumbnail: shrink first, then convert (cheaper than the other way round)
    tiny = cv2.resize(img, (MOTION_WIDTH, max(1, round(MOTION_WIDTH * img.shape[0] / img.shape[1]))),
                      interpolation=cv2.INTER_AREA)
    return img, cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY)


#: What a decoder hands the sampling loop per decoded frame: its timestamp in seconds (None where the
#: container gives none), a call that returns the frame, upright BGR (None if it cannot), and how
#: much to shrink its width and height to square pixels (see square_pixels).
Decoded = tuple[float | None, Callable[[], np.ndarray | None], tuple[float, float]]


def _opencv_frames(path: Path) -> Generator[Decoded, None, None]:
    """OpenCV's FFmpeg: ``grab()`` every frame, ``retrieve()`` only those asked for (the cheap path)."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not cap.isOpened():
            return
        num, den = cap.get(cv2.CAP_PROP_SAR_NUM), cap.get(cv2.CAP_PROP_SAR_DEN)
        stretch = square_pixels(num / den if num > 0 and den > 0 else 1.0,
                                round(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 180 == 90)
        while True:
            try:
                if not cap.grab():
                    return
            except cv2.error:
                return
            ms = cap.get(cv2.CAP_PROP_POS_MSEC)
            yield (ms / 1000.0 if ms and ms > 0 else None), lambda: _retrieved(cap), stretch
    finally:
        cap.release()


def _retrieved(cap: cv2.VideoCapture) -> np.ndarray | None:
    ok, img = cap.retrieve()
    return img if ok else None


#: Display rotation (degrees clockwise, as the probe reports it) -> the turn that makes a frame upright.
_UPRIGHT = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def _pyav_frames(path: Path) -> Generator[Decoded, None, None]:
    """PyAV's own FFmpeg, for what OpenCV's build cannot decode (AV1: OpenCV's wheel has only the
    hardware decoder; PyAV's has dav1d). Every frame is decoded; only those asked for are converted,
    and turned upright by the display rotation, as OpenCV does."""
    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            tb = stream.time_base
            sar = stream_pixel_aspect(stream)
            for frame in c.decode(stream):
                turn = _UPRIGHT.get(display_rotation(frame))
                stretch = square_pixels(sar, display_rotation(frame) % 180 == 90)
                t = float(frame.pts * tb) if frame.pts is not None and tb is not None else None

                def image(f: av.VideoFrame = frame, turn: int | None = turn) -> np.ndarray:
                    img = f.to_ndarray(format="bgr24")
                    return img if turn is None else cv2.rotate(img, turn)
                yield t, image, stretch
    except (av.error.FFmpegError, IndexError, ValueError):
        return  # what was decoded stands, as when OpenCV's pass ends early


def sample(path: Path, fps: float, max_side: int, stats: SampleStats | None = None,
           nominal_fps: float | None = None) -> Iterator[Frame]:
    """Yield frames at ``fps`` (by timestamp) from one sequential pass. Fills ``stats`` as it goes.

    The decoding runs through OpenCV (grab every frame, retrieve the sampled ones); a file it cannot
    decode a single frame of (an AV1 clip: OpenCV's build has no software AV1 decoder) is decoded
    again through PyAV. Downscaling runs on a helper thread (OpenCV releases the GIL), so it
    overlaps with decoding the next frames.

    Raises FRAME_EXTRACTION_FAILED when the file opens but yields no frame at all. A file that ends
    early simply ends the iteration; ``stats.decoded`` and ``stats.last_t`` say how far it got.
    """
    stats = stats if stats is not None else SampleStats()
    yield from _sample(_opencv_frames(path), fps, max_side, stats, nominal_fps)
    if stats.sampled == 0:
        stats.decoded = 0
        yield from _sample(_pyav_frames(path), fps, max_side, stats, nominal_fps)
    if stats.sampled == 0:
        raise PipelineError(ErrorCode.FRAME_EXTRACTION_FAILED, f"no frame decoded ({stats.decoded} grabbed)")


def _sample(frames: Generator[Decoded, None, None], fps: float, max_side: int, stats: SampleStats,
            nominal_fps: float | None) -> Iterator[Frame]:
    step = 1.0 / fps
    next_t = 0.0
    t0: float | None = None
    prev_small: np.ndarray | None = None
    fallback_dt = 1.0 / (nominal_fps or 30.0)
    last_t = -1.0
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shrink")
    pending: deque[tuple[int, float, Future[tuple[np.ndarray, np.ndarray]]]] = deque()

    def emit(frame_no: int, t: float, fut: Future[tuple[np.ndarray, np.ndarray]]) -> Frame:
        nonlocal prev_small
        img, small = fut.result()
        motion = (float(cv2.mean(cv2.absdiff(small, prev_small))[0])
                  if prev_small is not None and prev_small.shape == small.shape else 0.0)
        prev_small = small
        stats.height, stats.width = img.shape[:2]
        stats.times.append(round(t, 4))
        fr = Frame(stats.sampled, frame_no, round(t, 4), img, motion)
        stats.sampled += 1
        return fr

    try:
        for t_abs, retrieve, stretch in frames:
            stats.decoded += 1
            if t_abs is None:
                t = (stats.decoded - 1) * fallback_dt
            else:
                if t0 is None:
                    t0 = t_abs if stats.decoded == 1 else t_abs - (stats.decoded - 1) * fallback_dt
                t = t_abs - t0
            if t <= last_t:  # broken or repeated timestamps: keep time moving forward
                t = last_t + fallback_dt
            last_t = t
            stats.last_t = t
            if t + 1e-6 < next_t:
                continue
            img = retrieve()
            if img is None:
                continue
            while next_t <= t + 1e-6:
                next_t += step
            if not stats.src_width:
                stats.src_height, stats.src_width = img.shape[:2]
            pending.append((stats.decoded - 1, t, pool.submit(_shrink, img, max_side, stretch)))
            while len(pending) > 2 or (pending and pending[0][2].done()):
                yield emit(*pending.popleft())
        while pending:
            yield emit(*pending.popleft())
    finally:
        frames.close()  # the decoder's file, released now
        pool.shutdown(wait=True, cancel_futures=True)


def pick_key_frames(times: list[float], movement: list[float], k: int) -> list[int]:
    """Indices of ``k`` frames chosen by movement: the first and last, then the strongest movement
    peaks at least ``duration / (2k)`` apart. Returned in time order."""
    n = len(times)
    if n <= k:
        return list(range(n))
    duration = max(times[-1] - times[0], 1e-6)
    gap = duration / (2 * k)
    chosen = [0, n - 1]
    order = sorted(range(n), key=lambda i: movement[i], reverse=True)
    for i in order:
        if len(chosen) >= k:
            break
        if all(abs(times[i] - times[j]) >= gap for j in chosen):
            chosen.append(i)
    if len(chosen) < k:  # fill sparse stretches evenly when movement peaks ran out
        for i in np.linspace(0, n - 1, k * 3).round().astype(int):
            if len(chosen) >= k:
                break
            if int(i) not in chosen and all(abs(times[int(i)] - times[j]) >= gap / 2 for j in chosen):
                chosen.append(int(i))
    return sorted(chosen)
