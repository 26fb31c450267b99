"""One analysis as a climber sees it: its state in words, its media, its exports."""
from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from core.config import get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs, Status, iso_ts
from core.pipeline import STAGE_LABELS
from core.storage import split_ref, store_for_ref

__all__ = ["describe", "get", "status", "blob", "replay_ready", "replay", "export_json", "export_csv"]


def jobs() -> Jobs:
    return Jobs(get_settings())


def describe(rec: dict[str, Any]) -> dict[str, Any]:
    """The record plus what a page shows beside it: the stage in words, the error in words,
    what to do next, and the time it has taken so far."""
    rec = dict(rec)
    status = rec["status"]
    rec["stage_label"] = STAGE_LABELS.get(rec.get("stage") or "", rec.get("stage") or "")
    code = rec.get("error_code")
    rec["user_message"] = ErrorCode(code).spec.user_message if code and code in ErrorCode.__members__ else None
    if status == Status.FAILED and code:
        rec["what_to_do"] = ("We will not retry this automatically. Fix the video and upload it again, or ask an "
                             "admin to retry." if not ErrorCode(code).spec.retryable else
                             "Automatic retries ran out. An admin can retry it from the admin page.")
    start = rec.get("started_at") or rec.get("created_at")
    end = rec.get("finished_at")
    rec["elapsed_s"] = round((iso_ts(end) if end else time.time()) - iso_ts(start), 1) if start else None
    return rec


def status(aid: str) -> dict[str, Any] | None:
    """The live state of one analysis, with its place in the queue."""
    j = jobs()
    rec = j.get(aid)
    if rec is None:
        return None
    out = describe(dict(rec))
    out["queue_position"] = j.queue_position(aid)
    return out


def get(aid: str) -> dict[str, Any] | None:
    rec = jobs().get(aid)
    return describe(dict(rec)) if rec else None


def blob(ref_or_key: str | None) -> bytes | None:
    """Bytes of a stored image (key frames, wall frame); None if missing."""
    if not ref_or_key:
        return None
    try:
        kind, _ = split_ref(ref_or_key)
        if kind == "path":
            return None
        store, key = store_for_ref(ref_or_key)
        return store.get_bytes(key)
    except PipelineError:
        return None


def replay_ready(aid: str) -> bool:
    """Cheap check (no storage read): has the replay been rendered?"""
    rec = jobs().get(aid)
    return bool(rec and rec.get("replay_ref"))


def replay(aid: str) -> str | bytes | None:
    """A URL (S3, presigned) or the bytes (local) of the annotated replay, once rendered."""
    rec = jobs().get(aid)
    if not rec or not rec.get("replay_ref"):
        return None
    try:
        store, key = store_for_ref(rec["replay_ref"] or "")
        return store.url(key) or store.get_bytes(key)
    except PipelineError:
        return None


def export_json(aid: str) -> str:
    rec: dict[str, Any] = dict(jobs().get(aid) or {})
    rec.pop("lease_owner", None)
    rec.pop("lease_until", None)
    return json.dumps(rec, indent=2, default=str, ensure_ascii=False)


def export_csv(aid: str) -> str:
    rec: dict[str, Any] = dict(jobs().get(aid) or {})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["metric", "value"])
    w.writerow(["performance_score", rec.get("performance_score")])
    w.writerow(["confidence", rec.get("confidence")])
    for k, v in (rec.get("metrics") or {}).items():
        if isinstance(v, (int, float, str)) or v is None:
            w.writerow([k, v])
    for p in rec.get("technique_points") or []:
        w.writerow([f"technique.{p['area']}", p["score"] if p["assessed"] else "not assessed"])
    return buf.getvalue()
