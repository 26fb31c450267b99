"""The one module the pages import: everything the dashboard does, as plain functions.

Pages render what these return; they never touch storage, the database or the pipeline.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import shutil
import threading
import time
from typing import Any, BinaryIO

from core import charts
from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs
from core.logs import get_logger
from core.pipeline import STAGE_LABELS, work_dir
from core.storage import get_store, split_ref, store_for_ref

__all__ = ["charts", "ErrorCode", "PipelineError", "STAGE_LABELS"]
log = get_logger("core.api")

DISCIPLINES = ["bouldering", "lead", "top-rope", "board", "speed"]
GRADES: dict[str, list[str]] = {
    "V": [f"V{i}" for i in range(0, 18)],
    "Font": [f"{n}{s}" for n in range(3, 9) for s in ("", "+")][:2] + [f"{n}{l}{s}" for n in range(5, 9) for l in "abc" for s in ("", "+")],
    "French": [f"{n}{l}{s}" for n in range(4, 10) for l in "abc" for s in ("", "+")],
    "UIAA": [f"{n}{s}" for n in ("IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII") for s in ("-", "", "+")],
    "YDS": [f"5.{n}" for n in range(5, 10)] + [f"5.{n}{l}" for n in range(10, 16) for l in "abcd"],
}
ATTEMPT_CHOICES = ["attempt", "send"]
ACCEPTED_TYPES = ["mp4", "mov", "webm", "mkv", "m4v"]
#: metric -> True when higher is better (for side-by-side deltas)
HIGHER_IS_BETTER = {"performance_score": True, "gie": False, "jerk": False, "immobility_ratio": False,
                    "longest_pause_s": False, "path_efficiency": True, "vertical_speed": True,
                    "straight_arm_ratio": True, "feet_off_share": False, "moves_per_min": True,
                    "duration_s": False, "hip_in_support_share": True}


def settings() -> Settings:
    return get_settings()


def jobs() -> Jobs:
    return Jobs(get_settings())


def _notify() -> None:
    from core.executor import current_executor

    ex = current_executor()
    if ex is not None and hasattr(ex, "notify"):
        ex.notify()


# -- climbers -----------------------------------------------------------------------------------
def submit_upload(fileobj: BinaryIO, filename: str, size: int | None, meta: dict[str, Any],
                  client_key: str | None = None) -> str:
    """Check the cheap limits, stream the upload to storage, queue the analysis; returns its id."""
    s = get_settings()
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in ACCEPTED_TYPES:
        raise PipelineError(ErrorCode.UNSUPPORTED_CONTAINER, f"extension .{ext}")
    if size is not None and size > s.max_upload_bytes:
        raise PipelineError(ErrorCode.FILE_TOO_LARGE, f"{size} bytes")
    if size == 0:
        raise PipelineError(ErrorCode.VIDEO_CORRUPT, "empty upload")
    aid = jobs().submit_upload(fileobj, filename, meta, client_key=client_key)
    _notify()
    return aid


def submit_ref(video_ref: str, meta: dict[str, Any], client_key: str | None = None) -> str:
    """Queue an analysis of a video already in storage (the HTTP API). User-supplied references
    may name our bucket or a key, never a path on this machine."""
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
    meta = {k: v for k, v in meta.items() if k not in ("video_ref", "client_key", "canary")}
    aid = jobs().submit_ref(video_ref, meta, client_key=client_key)
    _notify()
    return aid


def _derive(rec: dict[str, Any]) -> dict[str, Any]:
    rec = dict(rec)
    status = rec["status"]
    rec["stage_label"] = STAGE_LABELS.get(rec.get("stage") or "", rec.get("stage") or "")
    code = rec.get("error_code")
    rec["user_message"] = ErrorCode(code).spec.user_message if code and code in ErrorCode.__members__ else None
    if status == "failed" and code:
        rec["what_to_do"] = ("We will not retry this automatically. Fix the video and upload it again, or ask an "
                             "admin to retry." if not ErrorCode(code).spec.retryable else
                             "Automatic retries ran out. An admin can retry it from the admin page.")
    start = rec.get("started_at") or rec.get("created_at")
    end = rec.get("finished_at")
    rec["elapsed_s"] = round((_ts(end) if end else time.time()) - _ts(start), 1) if start else None
    return rec


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def status(aid: str) -> dict[str, Any] | None:
    j = jobs()
    rec = j.get(aid)
    if rec is None:
        return None
    out = _derive(rec)
    out["queue_position"] = j.queue_position(aid)
    return out


def get(aid: str) -> dict[str, Any] | None:
    rec = jobs().get(aid)
    return _derive(rec) if rec else None


def recent(limit: int = 10, climber: str | None = None, include_canary: bool = False) -> list[dict[str, Any]]:
    where, params = ["1=1"], []
    if climber:
        where.append("climber = ?")
        params.append(climber)
    if not include_canary:
        where.append("coalesce(canary, 0) = 0")
    from core import db as dbm

    rows = dbm.rows(jobs().db, f"select * from analyses where {' and '.join(where)} order by created_at desc limit ?",
                    [*params, limit])
    return [_derive(r) for r in rows]


def climbers() -> list[str]:
    return [r["climber"] for r in jobs().db.query(
        "select climber, max(created_at) m from analyses where climber is not null and climber != '' "
        "and coalesce(canary,0)=0 group by climber order by m desc")]


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
        store, key = store_for_ref(rec["replay_ref"])
        return store.url(key) or store.get_bytes(key)
    except PipelineError:
        return None


def export_json(aid: str) -> str:
    rec = jobs().get(aid) or {}
    rec.pop("lease_owner", None)
    rec.pop("lease_until", None)
    return json.dumps(rec, indent=2, default=str, ensure_ascii=False)


def export_csv(aid: str) -> str:
    rec = jobs().get(aid) or {}
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


# -- coaches ------------------------------------------------------------------------------------
def trend(climber: str | None = None, route: str | None = None, grade: str | None = None) -> list[dict[str, Any]]:
    """Completed sessions in time order with the headline metrics flattened."""
    where, params = ["status='completed'", "coalesce(canary,0)=0"], []
    for col, val in (("climber", climber), ("route_name", route), ("grade", grade)):
        if val:
            where.append(f"{col} = ?")
            params.append(val)
    from core import db as dbm

    out = []
    for r in dbm.rows(jobs().db, f"select * from analyses where {' and '.join(where)} order by created_at", params):
        m = r.get("metrics") or {}
        row = {k: r.get(k) for k in ("analysis_id", "created_at", "climber", "route_name", "grade", "performance_score")}
        row.update({k: m.get(k) for k in HIGHER_IS_BETTER if k in m})
        for p in r.get("technique_points") or []:
            row[f"area_{p['area']}"] = p["score"] if p.get("assessed") else None
        out.append(row)
    return out


def completed_options() -> list[dict[str, Any]]:
    return [{"analysis_id": r["analysis_id"],
             "label": f"{r.get('climber') or 'anonymous'} - {r.get('route_name') or 'route'} {r.get('grade') or ''} "
                      f"({(r.get('created_at') or '')[:16].replace('T', ' ')})"}
            for r in recent(200) if r["status"] == "completed"]


def compare(a: str, b: str) -> dict[str, Any]:
    """Two attempts side by side: metric deltas with which is better, key frames aligned by progress."""
    ra, rb = jobs().get(a), jobs().get(b)
    if not ra or not rb:
        raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "analysis not found")
    rows = []
    for k, higher in HIGHER_IS_BETTER.items():
        va = ra.get(k) if k == "performance_score" else (ra.get("metrics") or {}).get(k)
        vb = rb.get(k) if k == "performance_score" else (rb.get("metrics") or {}).get(k)
        if va is None or vb is None:
            continue
        better = "=" if va == vb else ("A" if (va > vb) == higher else "B")
        rows.append({"metric": k, "A": va, "B": vb, "delta (B-A)": round(vb - va, 3), "better": better})
    return {"a": ra, "b": rb, "rows": rows, "frames": aligned_frames(ra, rb)}


def aligned_frames(ra: dict[str, Any], rb: dict[str, Any], n: int = 5) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pairs of key frames at the same progress (0-100%) through each climb."""
    def at(rec: dict[str, Any], q: float) -> dict[str, Any] | None:
        kf = rec.get("key_frames") or []
        win = (rec.get("route_analysis") or {}).get("climb_window") or {}
        if not kf:
            return None
        a, b = win.get("start", kf[0]["time"]), win.get("end", kf[-1]["time"])
        target = a + q * (b - a)
        return min(kf, key=lambda k: abs(k["time"] - target))

    return [(at(ra, q), at(rb, q)) for q in [i / (n - 1) for i in range(n)]]


# -- admins -------------------------------------------------------------------------------------
_failures: dict[str, list[float]] = {}
_fail_lock = threading.Lock()


def _check_password(secret: str | None, given: str, client: str) -> bool:
    if not secret:
        return False
    ok = hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(secret.encode()).digest())
    with _fail_lock:
        if ok:
            _failures.pop(client, None)
            return True
        recent_fails = [t for t in _failures.get(client, []) if time.time() - t < 900]
        recent_fails.append(time.time())
        _failures[client] = recent_fails
        delay = min(0.25 * 2 ** (len(recent_fails) - 1), 4.0)
    log.warning("auth.failed", client=hashlib.sha256(client.encode()).hexdigest()[:8], failures=len(recent_fails))
    time.sleep(delay)  # slows guessing; constant-time compare above
    return False


def admin_configured() -> bool:
    return get_settings().admin_password is not None


def admin_login(given: str, client: str) -> bool:
    pw = get_settings().admin_password
    return _check_password(pw.get_secret_value() if pw else None, given, client)


def app_gate_required() -> bool:
    return get_settings().app_password is not None


def app_login(given: str, client: str) -> bool:
    pw = get_settings().app_password
    return _check_password(pw.get_secret_value() if pw else None, given, "app:" + client)


def queue_overview() -> dict[str, Any]:
    j = jobs()
    return {"counts": j.counts(), "oldest_queued_age_s": j.oldest_queued_age_s(),
            "queue_paused": j.get_flag("queue_paused"), "vision_paused": j.get_flag("vision_paused")}


def failed(code: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    from core import db as dbm

    sql = "select * from analyses where status='failed'" + (" and error_code=?" if code else "") + \
          " order by finished_at desc limit ?"
    return [_derive(r) for r in dbm.rows(jobs().db, sql, ([code] if code else []) + [limit])]


def degraded(limit: int = 200) -> list[dict[str, Any]]:
    from core import db as dbm

    return [_derive(r) for r in dbm.rows(
        jobs().db, "select * from analyses where status='completed' and degraded=1 order by finished_at desc limit ?", [limit])]


def events(aid: str) -> list[dict[str, Any]]:
    return jobs().events(aid)


def retry(aid: str) -> bool:
    ok = jobs().retry(aid)
    _notify()
    return ok


def retry_failed(code: str | None = None) -> list[str]:
    ids = jobs().retry_failed(code)
    _notify()
    return ids


def rerun_vision(aid: str) -> bool:
    ok = jobs().retry(aid, vision_only=True)
    _notify()
    return ok


def cancel(aid: str) -> bool:
    return jobs().cancel(aid)


def set_paused(what: str, on: bool) -> None:
    if what not in ("queue_paused", "vision_paused"):
        raise ValueError(what)
    jobs().set_flag(what, on)
    log.info("admin.pause", switch=what, on=on)


def health_latest() -> dict[str, Any] | None:
    from core.health import latest

    return latest()


def health_history(limit: int = 96) -> list[dict[str, Any]]:
    from core.health import history

    return history(limit=limit)


def run_health_now() -> dict[str, Any]:
    from core.health import run_checks

    return run_checks()


def sli() -> dict[str, Any]:
    from core.sli import compute

    return compute()


def alerts() -> list[dict[str, Any]]:
    from core.alerts import current

    return current()


def export_climber(name: str) -> bytes:
    from core.lifecycle import export_climber as _export

    return _export(name)


def _owned_key(ref: str | None) -> tuple[Any, str] | None:
    """The store and key of a video we stored (never a user's local path)."""
    if not ref:
        return None
    kind, _ = split_ref(ref)
    if kind not in ("s3", "key"):
        return None
    try:
        return store_for_ref(ref)
    except PipelineError:
        return None


def delete_analysis(aid: str) -> bool:
    """Delete an analysis with its video, frames, replay and working files."""
    j = jobs()
    rec = j.get(aid)
    if rec is None or rec["status"] == "running":
        return False
    s = get_settings()
    store = get_store(s)
    owned = _owned_key(rec.get("video_ref"))
    if owned:
        owned[0].delete(owned[1])
    store.delete_prefix(f"frames/{aid}/")
    store.delete(f"replays/{aid}.mp4")
    shutil.rmtree(work_dir(s, aid), ignore_errors=True)
    j.db.conn.execute("delete from events where analysis_id=?", [aid])
    j.db.conn.execute("delete from analyses where analysis_id=?", [aid])
    log.info("analysis.deleted", analysis_id=aid)
    return True


def delete_analyses_of(name: str) -> int:
    ids = [r["analysis_id"] for r in jobs().db.query("select analysis_id from analyses where climber=?", [name])]
    return sum(1 for aid in ids if delete_analysis(aid))


def delete_climber(name: str) -> int:
    """Delete everything of one climber: videos, frames, replays, cached coaching, records."""
    from core import db as dbm

    store = get_store(get_settings())
    for r in dbm.rows(jobs().db, "select cost from analyses where climber=?", [name]):
        h = (r.get("cost") or {}).get("request_hash")
        if h:
            store.delete(f"vision-cache/{h}.json")
    n = delete_analyses_of(name)
    log.info("climber.deleted", analyses=n)
    return n
