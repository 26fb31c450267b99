"""The video policy: what we accept, checked against a probe. Limits come from Settings."""
from __future__ import annotations

from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.media.probe import VideoInfo


def check_size(size_bytes: int, settings: Settings) -> None:
    """Cheap check before anything is downloaded or decoded."""
    if size_bytes > settings.max_upload_bytes:
        raise PipelineError(
            ErrorCode.FILE_TOO_LARGE, f"{size_bytes / 1e6:.1f} MB > {settings.max_upload_mb} MB"
        )


def validate(info: VideoInfo, settings: Settings) -> None:
    """Raise the coded PipelineError for the first violated limit."""
    check_size(info.size_bytes, settings)
    if info.codec not in settings.codecs:
        raise PipelineError(ErrorCode.UNSUPPORTED_CODEC, f"codec {info.codec or 'unknown'}")
    if info.duration_s > settings.max_duration_s:
        raise PipelineError(ErrorCode.VIDEO_TOO_LONG, f"{info.duration_s:.1f} s > {settings.max_duration_s:.0f} s")
    if info.duration_s < settings.min_duration_s:
        raise PipelineError(ErrorCode.VIDEO_TOO_SHORT, f"{info.duration_s:.2f} s < {settings.min_duration_s:.1f} s")
    if min(info.width, info.height) < settings.min_side_px:
        raise PipelineError(ErrorCode.VIDEO_TOO_SMALL, f"{info.width}x{info.height}")
    if max(info.width, info.height) > settings.max_side_px:
        raise PipelineError(ErrorCode.VIDEO_TOO_BIG, f"{info.width}x{info.height} > {settings.max_side_px} px")
    if info.fps > settings.max_fps:
        raise PipelineError(ErrorCode.VIDEO_TOO_BIG, f"{info.fps:.1f} fps > {settings.max_fps:.0f} fps")
    if info.fps <= 0:
        raise PipelineError(ErrorCode.METADATA_EXTRACTION_FAILED, "no usable frame rate")
