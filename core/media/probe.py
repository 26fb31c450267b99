"""Probe a local video by demuxing, without decoding more than its first frame.

The container is decided by magic bytes, not the extension. Duration and fps come from packet
timestamps (a VFR WebM may declare 1051 frames and hold 381). The rotation comes from the display
matrix of the first decoded frame; width and height are reported as displayed (after rotation, and
with non-square pixels the width as wide as a player shows it: see ``pixel_aspect``).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from core.errors import ErrorCode, PipelineError

#: Stop demuxing after this many packets (a hostile file can declare millions).
MAX_PACKETS = 250_000
#: The widest sample aspect ratio taken from a header (anamorphic video stores up to 2:1); beyond it
#: either way a header is broken (or hostile), and the pixels are taken as square.
MAX_SAR = 4.0
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}


@dataclass(frozen=True)
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    rotation: int
    fps: float
    duration_s: float
    size_bytes: int
    has_audio: bool
    frames_declared: int
    packets: int
    pix_fmt: str
    bit_depth: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sniff_container(head: bytes) -> str:
    """Container family from the first bytes: mp4 | mov | webm | mkv | a short name of what it is."""
    if len(head) >= 12 and head[4:8] in _MP4_BOXES:
        if head[4:8] == b"ftyp":
            brand = head[8:12]
            compat = head[16:64]
            if brand == b"qt  " or (b"qt  " in compat and b"isom" not in compat and b"mp4" not in compat):
                return "mov"
            return "mp4"
        return "mov" if head[4:8] in (b"wide", b"pnot") else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    for magic, name in (
        (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"RIFF", "riff"),
        (b"%PDF", "pdf"), (b"PK\x03\x04", "zip"), (b"\x00\x00\x01\xba", "mpeg-ps"), (b"G", "mpeg-ts?"),
    ):
        if head.startswith(magic):
            return name
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


def _bit_depth(pix_fmt: str) -> int:
    for d in (16, 14, 12, 10, 9):
        if f"p{d}" in pix_fmt:
            return d
    return 8


def probe(path: Path, *, allowed_containers: frozenset[str] = frozenset({"mp4", "mov", "webm", "mkv"})) -> VideoInfo:
    """Probe ``path`` (a local file). Raises PipelineError with a coded reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError as exc:
        raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "no file to probe") from exc
    if size == 0:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, "the file is empty (0 bytes)")
    container = sniff_container(head)
    if container not in allowed_containers:
        raise PipelineError(ErrorCode.UNSUPPORTED_CONTAINER, f"content looks like {container}")

    try:
        c = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, f"demuxer refused the file: {type(exc).__name__}") from exc
    try:
        if not c.streams.video:
            raise PipelineError(ErrorCode.METADATA_EXTRACTION_FAILED, "no video stream")
        stream = c.streams.video[0]
        has_audio = bool(c.streams.audio)
        codec = (stream.codec_context.name or "").lower() if stream.codec_context else ""
        codec = {"libdav1d": "av1", "libaom-av1": "av1", "h265": "hevc", "libvpx": "vp8", "libvpx-vp9": "vp9"}.get(codec, codec)
        tb = stream.time_base
        declared = int(stream.frames or 0)
        first = last = None
        last_dur = 0
        n = 0
        for packet in c.demux(stream):
            if packet.size == 0 and packet.pts is None:
                continue  # flush packet
            n += 1
            if packet.pts is not None:
                first = packet.pts if first is None else min(first, packet.pts)
                if last is None or packet.pts >= last:
                    last, last_dur = packet.pts, packet.duration or 0
            if n >= MAX_PACKETS:
                break
    except PipelineError:
        c.close()
        raise
    except av.error.FFmpegError as exc:
        c.close()
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, f"demux failed: {type(exc).__name__}") from exc
    c.close()

    if n == 0:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, "no video packets")
    if tb is None or first is None or last is None:
        raise PipelineError(ErrorCode.METADATA_EXTRACTION_FAILED, "no packet timestamps")
    span = float((last - first) * tb)
    # last packet's duration, or one average frame interval
    tail = float(last_dur * tb) if last_dur else (span / (n - 1) if n > 1 else 0.0)
    duration = span + tail
    fps = (n / duration) if duration > 0 else 0.0

    rotation, width, height, pix_fmt = _first_frame(path, codec)
    if rotation % 180 == 90:
        width, height = height, width
    if not (math.isfinite(duration) and math.isfinite(fps)):
        raise PipelineError(ErrorCode.METADATA_EXTRACTION_FAILED, "non-finite duration or fps")
    return VideoInfo(
        container=container, codec=codec, width=width, height=height, rotation=rotation,
        fps=round(fps, 3), duration_s=round(duration, 3), size_bytes=size, has_audio=has_audio,
        frames_declared=declared, packets=n, pix_fmt=pix_fmt, bit_depth=_bit_depth(pix_fmt),
    )


def pixel_aspect(sar: float | None) -> float:
    """A stored pixel's width over its height, from a header's sample aspect ratio: 1.0 where the
    pixels are square, the ratio is unknown, or it is no camera's (beyond MAX_SAR either way)."""
    if not sar or not math.isfinite(sar) or not 1 / MAX_SAR <= sar <= MAX_SAR:
        return 1.0
    return float(sar)


def stream_pixel_aspect(stream: av.video.stream.VideoStream) -> float:
    """``pixel_aspect`` of a video stream: the container's ratio, else the codec's (as FFmpeg
    guesses it; an MP4 may carry it in the container alone)."""
    sar = stream.sample_aspect_ratio or (stream.codec_context.sample_aspect_ratio if stream.codec_context else None)
    return pixel_aspect(float(sar) if sar else None)


def display_rotation(frame: av.VideoFrame) -> int:
    """How far a decoded frame is turned for display, degrees clockwise (0, 90, 180, 270)."""
    return (-int(round(getattr(frame, "rotation", 0) or 0))) % 360


def _first_frame(path: Path, codec: str) -> tuple[int, int, int, str]:
    """Decode the first frame: proves the stream is decodable and gives the display rotation."""
    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            aspect = stream_pixel_aspect(stream)
            for _i, frame in enumerate(c.decode(stream)):
                # as a player shows it: stored pixels aspect times as wide as high
                return display_rotation(frame), round(frame.width * aspect), frame.height, str(frame.format.name)
    except av.error.DecoderNotFoundError as exc:
        raise PipelineError(ErrorCode.UNSUPPORTED_CODEC, f"no decoder for {codec or 'this codec'}") from exc
    except av.error.FFmpegError as exc:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, f"first frame did not decode: {type(exc).__name__}") from exc
    except (ValueError, IndexError) as exc:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, f"first frame did not decode: {type(exc).__name__}") from exc
    raise PipelineError(ErrorCode.VIDEO_CORRUPT, "no decodable video frame")
