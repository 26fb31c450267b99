"""What a climber does: upload a video (or hand over a storage reference) and follow it."""
from __future__ import annotations

from typing import Any, BinaryIO

from core.accounts import SYSTEM, User
from core.api.results import describe, jobs, owners
from core.api.vocab import ACCEPTED_TYPES
from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.i18n import N_
from core.runtime.executors import notify
from core.storage import split_ref, store_for_ref

__all__ = ["settings", "submit_upload", "submit_ref", "recent", "climbers"]


def settings() -> Settings:
    return get_settings()


def submit_upload(fileobj: BinaryIO, filename: str, size: int | None, meta: dict[str, Any], viewer: User,
                  client_key: str | None = None) -> str:
    """Check the cheap limits, stream the upload to storage, queue the analysis for ``viewer``;
    returns its id."""
    s = get_settings()
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in ACCEPTED_TYPES:
        raise PipelineError(ErrorCode.UNSUPPORTED_CONTAINER, f"extension .{ext}")
    if size is not None and size > s.max_upload_bytes:
        raise PipelineError(ErrorCode.FILE_TOO_LARGE, f"{size} bytes")
    if size == 0:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, "empty upload", message=N_(
            "This file is empty (0 bytes): nothing was recorded or copied. Choose the video file itself, or export "
            "the clip again from your phone's gallery."))
    meta = {**meta, "owner_id": viewer.id or None}
    aid = jobs().submit_upload(fileobj, filename, meta, client_key=client_key)
    notify()
    return aid


def submit_ref(video_ref: str, meta: dict[str, Any], client_key: str | None = None, viewer: User = SYSTEM) -> str:
    """Queue an analysis of a video already in storage (the HTTP API) for ``viewer`` (the operator's
    analyses belong to the admins until assigned). User-supplied references may name our bucket or
    a key, never a path on this machine."""
    s = get_settings()
    kind, value = split_ref(video_ref)
    if kind == "path":
        raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "local paths are not accepted from the API")
    if kind == "s3" and value[5:].split("/", 1)[0] != (s.s3_bucket or ""):
        raise PipelineError(ErrorCode.STORAGE_ACCESS_DENIED, "only the configured bucket is accepted")
    if kind == "key":
        store, key = store_for_ref(value, s)
        if not store.exists(key):
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "no object at that key")
    meta = {k: v for k, v in meta.items() if k not in ("video_ref", "client_key", "canary", "owner_id")}
    meta["owner_id"] = viewer.id or None
    aid = jobs().submit_ref(video_ref, meta, client_key=client_key)
    notify()
    return aid


def recent(viewer: User, limit: int = 10, climber: str | None = None, include_canary: bool = False) -> list[dict[str, Any]]:
    """``viewer``'s analyses (a coach's include their athletes', an admin's everyone's), newest first."""
    return [describe(dict(r)) for r in jobs().recent(limit, climber, include_canary, owners(viewer))]


def climbers(viewer: User) -> list[str]:
    """Climber names on the analyses ``viewer`` may see, most recent first."""
    return jobs().climbers(owners(viewer))
