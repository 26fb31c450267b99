"""Every way an analysis can fail, in one place.

    PipelineError(code, detail)          raised by adapters and stages
      .code      ErrorCode               what went wrong (stable, stored, shown to admins)
      .spec      ErrorSpec               stage, retryable, user_message, operator hint
      .detail    str                     technical detail for the operator (never secrets)

Foreign errors (botocore, openai, cv2, av) are translated into PipelineError at the adapter
that calls them (``raise PipelineError(...) from exc``) and nowhere else. Job retries are
decided from ``retryable`` only, never from message text.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from core.i18n import N_


@dataclass(frozen=True)
class ErrorSpec:
    stage: str
    retryable: bool
    user_message: str  # English msgid: pages show it with core.i18n._()
    hint: str
    #: True when the failure is caused by what the user sent (excluded from availability SLIs).
    user_caused: bool = False


class ErrorCode(str, enum.Enum):
    # storage
    VIDEO_NOT_FOUND = "VIDEO_NOT_FOUND"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    STORAGE_ACCESS_DENIED = "STORAGE_ACCESS_DENIED"
    STORAGE_FULL = "STORAGE_FULL"
    DOWNLOAD_FAILED = "DOWNLOAD_FAILED"
    # probe / policy
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    VIDEO_TOO_LONG = "VIDEO_TOO_LONG"
    VIDEO_TOO_SHORT = "VIDEO_TOO_SHORT"
    VIDEO_TOO_SMALL = "VIDEO_TOO_SMALL"
    VIDEO_TOO_BIG = "VIDEO_TOO_BIG"
    UNSUPPORTED_CONTAINER = "UNSUPPORTED_CONTAINER"
    UNSUPPORTED_CODEC = "UNSUPPORTED_CODEC"
    VIDEO_CORRUPT = "VIDEO_CORRUPT"
    METADATA_EXTRACTION_FAILED = "METADATA_EXTRACTION_FAILED"
    # sampling / analysis
    FRAME_EXTRACTION_FAILED = "FRAME_EXTRACTION_FAILED"
    NO_CLIMBER_DETECTED = "NO_CLIMBER_DETECTED"
    POSE_MODEL_FAILED = "POSE_MODEL_FAILED"
    # vision
    VISION_UNAVAILABLE = "VISION_UNAVAILABLE"
    VISION_RATE_LIMITED = "VISION_RATE_LIMITED"
    VISION_BAD_RESPONSE = "VISION_BAD_RESPONSE"
    VISION_AUTH_FAILED = "VISION_AUTH_FAILED"
    # jobs
    TIMEOUT = "TIMEOUT"
    WORKER_CRASHED = "WORKER_CRASHED"
    CANCELLED = "CANCELLED"
    INTERNAL = "INTERNAL"
    # accounts
    BAD_REQUEST = "BAD_REQUEST"

    @property
    def spec(self) -> ErrorSpec:
        return SPECS[self]


SPECS: dict[ErrorCode, ErrorSpec] = {
    ErrorCode.VIDEO_NOT_FOUND: ErrorSpec(
        "resolve", False,
        N_("We could not find your video in storage. Please upload it again."),
        "The reference points at no object (S3 404/NoSuchKey or missing file). Check the key and bucket/prefix settings.",
    ),
    ErrorCode.STORAGE_UNAVAILABLE: ErrorSpec(
        "resolve", True,
        N_("Our video storage is not reachable right now. We will retry automatically."),
        "Connection error, timeout or 5xx from the object store. Check PERFORMATE_S3_ENDPOINT_URL, network and the provider's status.",
    ),
    ErrorCode.STORAGE_ACCESS_DENIED: ErrorSpec(
        "resolve", False,
        N_("We are not allowed to read your video from storage. Our team has been notified."),
        "403/AccessDenied or invalid credentials. Check the AWS_* credentials and the bucket policy.",
    ),
    ErrorCode.STORAGE_FULL: ErrorSpec(
        "store", True,
        N_("Our storage is full at the moment. We will retry automatically."),
        "ENOSPC on the data directory or quota exceeded. Free space (retention purge) or grow the disk.",
    ),
    ErrorCode.DOWNLOAD_FAILED: ErrorSpec(
        "resolve", True,
        N_("Downloading your video was interrupted. We will retry automatically."),
        "The download ended early (truncated body, size mismatch, URL over the size cap).",
    ),
    ErrorCode.FILE_TOO_LARGE: ErrorSpec(
        "validate", False,
        N_("This video is too large. Please trim it to the climb or export it at a lower resolution."),
        "File size over PERFORMATE_MAX_UPLOAD_MB.", user_caused=True,
    ),
    ErrorCode.VIDEO_TOO_LONG: ErrorSpec(
        "validate", False,
        N_("This video is too long. Please trim it to the climb itself."),
        "Duration over PERFORMATE_MAX_DURATION_S.", user_caused=True,
    ),
    ErrorCode.VIDEO_TOO_SHORT: ErrorSpec(
        "validate", False,
        N_("This video is too short to analyse. Please film the whole climb."),
        "Duration under PERFORMATE_MIN_DURATION_S.", user_caused=True,
    ),
    ErrorCode.VIDEO_TOO_SMALL: ErrorSpec(
        "validate", False,
        N_("The video resolution is too low to see the climber. Please film at 480p or more."),
        "A side under PERFORMATE_MIN_SIDE_PX.", user_caused=True,
    ),
    ErrorCode.VIDEO_TOO_BIG: ErrorSpec(
        "validate", False,
        N_("The video resolution or frame rate is higher than we support. Please export it at 4K/240 fps or less."),
        "Width/height over PERFORMATE_MAX_SIDE_PX or fps over PERFORMATE_MAX_FPS (memory protection).", user_caused=True,
    ),
    ErrorCode.UNSUPPORTED_CONTAINER: ErrorSpec(
        "validate", False,
        N_("This file is not a video we can read. Please upload an MP4, MOV, WebM or MKV video."),
        "Magic bytes are not mp4/mov/webm/mkv (the extension is ignored).", user_caused=True,
    ),
    ErrorCode.UNSUPPORTED_CODEC: ErrorSpec(
        "validate", False,
        N_("This video uses a format we cannot decode. Please export the clip again from your phone's gallery (MP4 or MOV) and upload it once more."),
        "Codec not in PERFORMATE_ALLOWED_CODECS or not decodable by this build.", user_caused=True,
    ),
    ErrorCode.VIDEO_CORRUPT: ErrorSpec(
        "probe", False,
        N_("This video file is damaged or incomplete. Please export the clip again from your phone's gallery (MP4 or MOV) and upload it once more."),
        "Zero bytes, truncated, or no decodable video frame.", user_caused=True,
    ),
    ErrorCode.METADATA_EXTRACTION_FAILED: ErrorSpec(
        "probe", False,
        N_("We could not read this video's details. Please export the clip again from your phone's gallery (MP4 or MOV) and upload it once more."),
        "The demuxer opened the file but found no usable video stream metadata. Was a non-local reference passed to the decoder? (root cause of RCA 2025-10-23)",
        user_caused=True,
    ),
    ErrorCode.FRAME_EXTRACTION_FAILED: ErrorSpec(
        "sample", False,
        N_("We could not extract frames from this video. Please export the clip again from your phone's gallery (MP4 or MOV) and upload it once more."),
        "OpenCV opened the file but returned no frames. Compare the probe with the decoder build; alert on any occurrence.",
    ),
    ErrorCode.NO_CLIMBER_DETECTED: ErrorSpec(
        "pose", False,
        N_("We could not see a climber in this video. Film from a few metres away with the whole body in view."),
        "Pose coverage below the quality gate (see core/analysis/metrics.py QUALITY_GATE).", user_caused=True,
    ),
    ErrorCode.POSE_MODEL_FAILED: ErrorSpec(
        "pose", True,
        N_("Our movement analysis is temporarily unavailable. We will retry automatically."),
        "MediaPipe Pose could not be built or crashed. Check the mediapipe install (model_complexity=1 is bundled).",
    ),
    ErrorCode.VISION_UNAVAILABLE: ErrorSpec(
        "vision", True,
        N_("The coaching model is unavailable right now; you get our measured feedback instead."),
        "OpenAI-compatible endpoint unreachable, 5xx, or circuit open. Re-run vision from the admin page later.",
    ),
    ErrorCode.VISION_RATE_LIMITED: ErrorSpec(
        "vision", True,
        N_("The coaching model is busy right now; you get our measured feedback instead."),
        "429 past the SDK's retries, or the daily spend cap reached.",
    ),
    ErrorCode.VISION_BAD_RESPONSE: ErrorSpec(
        "vision", True,
        N_("The coaching model gave an unusable answer; you get our measured feedback instead."),
        "Answer failed schema validation after one repair attempt, or a refusal.",
    ),
    ErrorCode.VISION_AUTH_FAILED: ErrorSpec(
        "vision", False,
        N_("The coaching model is not configured correctly; you get our measured feedback instead."),
        "401/403 from the vision endpoint: check OPENAI_API_KEY / OPENAI_BASE_URL.",
    ),
    ErrorCode.TIMEOUT: ErrorSpec(
        "worker", True,
        N_("The analysis took too long. We will retry automatically."),
        "The attempt passed PERFORMATE_JOB_TIMEOUT_S. Look at the stage in the events; very long clips or a stuck download.",
    ),
    ErrorCode.WORKER_CRASHED: ErrorSpec(
        "worker", True,
        N_("The analysis stopped unexpectedly. We will retry automatically."),
        "The child process died (signal, out of memory under PERFORMATE_JOB_MEMORY_MB) or its lease expired.",
    ),
    ErrorCode.CANCELLED: ErrorSpec(
        "queue", False,
        N_("This analysis was cancelled."),
        "Cancelled by the user or an admin.",
    ),
    ErrorCode.INTERNAL: ErrorSpec(
        "pipeline", True,
        N_("Something went wrong on our side. We will retry automatically."),
        "Unexpected exception; see the log event analysis.failed with this analysis_id.",
    ),
    ErrorCode.BAD_REQUEST: ErrorSpec(
        "accounts", False,
        N_("That request is not valid; the details say what to change."),
        "An account or API request with missing or invalid fields (the detail names them).",
        user_caused=True,
    ),
}

assert set(SPECS) == set(ErrorCode), "every ErrorCode needs an ErrorSpec"

#: Codes caused by what the user sent: excluded from the availability SLI.
USER_CAUSED = frozenset(c for c, s in SPECS.items() if s.user_caused)


class PipelineError(Exception):
    """A coded failure. ``detail`` is for operators and must never contain secrets."""

    def __init__(self, code: ErrorCode, detail: str = "", *, stage: str | None = None, message: str | None = None) -> None:
        self.code = ErrorCode(code)
        self.detail = detail
        self.message = message  # a more precise user message (English msgid) than the code's own
        self.stage = stage or self.code.spec.stage
        super().__init__(f"{self.code.value}: {detail}" if detail else self.code.value)

    @property
    def retryable(self) -> bool:
        return self.code.spec.retryable

    @property
    def user_message(self) -> str:
        return self.message or self.code.spec.user_message

    def to_dict(self) -> dict[str, object]:
        return {
            "error_code": self.code.value,
            "stage": self.stage,
            "retryable": self.retryable,
            "message": self.user_message,
            "detail": self.detail,
        }
