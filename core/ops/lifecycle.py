"""Privacy and data lifecycle: retention purge, climber export and deletion, backup and restore.

    python -m core backup                     SQLite backup API -> backups/ in the store (S3 when set)
    python -m core restore latest|REF         restore a backup into the data dir (stop the service first)
    python -m core purge                      apply the retention policy now
    python -m core export-climber NAME --out F.zip
    python -m core delete-climber NAME

Deleting an analysis removes its row and events (one transaction, in ``core.jobs``) and then every
file it left: the uploaded video (only when we stored it, and no other analysis of it is left: two
climbs in one video are two analyses of it), frames, key frames, replay, work dir.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core import db as dbm
from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Analysis, Jobs
from core.logs import get_logger
from core.pipeline import work_dir
from core.storage import get_store, split_ref, store_for_ref

log = get_logger("core.ops.lifecycle")


def _owned(ref: str | None, s: Settings) -> tuple[Any, str] | None:
    if not ref:
        return None
    kind, _ = split_ref(ref)
    if kind not in ("s3", "key"):
        return None  # never delete a file we did not store
    try:
        return store_for_ref(ref, s)
    except PipelineError:
        return None


def delete_analysis(aid: str, settings: Settings | None = None) -> bool:
    """Delete an analysis with its video, frames, replay and working files (not while it runs)."""
    s = settings or get_settings()
    row = Jobs(s).delete(aid)
    if row is None:
        return False
    store = get_store(s)
    owned = _owned(row.get("video_ref"), s)
    if owned and not Jobs(s).sharing_video(str(row.get("video_ref")), aid):  # (another climb in it is analysed too)
        owned[0].delete(owned[1])
    store.delete_prefix(f"frames/{aid}/")
    store.delete(f"replays/{aid}.mp4")
    shutil.rmtree(work_dir(s, aid), ignore_errors=True)
    return True


def delete_completely(rows: list[Analysis], settings: Settings | None = None) -> int:
    """Delete these analyses with everything they left, cached coaching included; returns how many."""
    s = settings or get_settings()
    store = get_store(s)
    for r in rows:
        h = (r.get("cost") or {}).get("request_hash")
        if h:
            store.delete(f"vision-cache/{h}.json")
    return sum(1 for r in rows if delete_analysis(r["analysis_id"], s))


def delete_climber(name: str, settings: Settings | None = None) -> int:
    """Delete everything of one climber: videos, frames, replays, cached coaching, records, events."""
    s = settings or get_settings()
    n = delete_completely(Jobs(s).of_climber(name), s)
    log.info("climber.deleted", analyses=n)
    return n


def owned(owner_id: int, settings: Settings | None = None) -> list[str]:
    """Ids of the analyses an account owns."""
    return [r["analysis_id"] for r in Jobs(settings or get_settings()).of_owner(owner_id)]


def delete_owned(owner_id: int, settings: Settings | None = None) -> int:
    """Delete every analysis an account owns, completely (videos, frames, replays, cached coaching)."""
    s = settings or get_settings()
    n = delete_completely(Jobs(s).of_owner(owner_id), s)
    log.info("account.data_deleted", analyses=n)
    return n


def purge(settings: Settings | None = None) -> dict[str, int]:
    """Delete videos past PERFORMATE_RETENTION_DAYS (and, if configured, whole analyses), and the
    videos of finished analyses whose climber did not consent to keeping them."""
    s = settings or get_settings()
    jobs = Jobs(s)
    purged = deleted = 0
    candidates = jobs.unconsented_videos()
    if s.retention_days > 0:
        cut = (datetime.now(UTC) - timedelta(days=s.retention_days)).isoformat()
        if s.retention_whole_analyses:
            deleted = sum(1 for r in jobs.finished_before(cut) if delete_analysis(r["analysis_id"], s))
        candidates += jobs.finished_before(cut, video_kept=True)
    seen = set()
    due = {r["analysis_id"] for r in candidates}
    for r in candidates:
        if r["analysis_id"] in seen:
            continue
        seen.add(r["analysis_id"])
        owned = _owned(r["video_ref"], s)
        # a video two analyses share (two climbs in it) goes when neither keeps it any more
        kept = [o for o in jobs.sharing_video(r["video_ref"], r["analysis_id"])
                if o["video_purged_at"] is None and o["analysis_id"] not in due]
        if owned and not kept:
            owned[0].delete(owned[1])
            purged += 1
        jobs.mark_video_purged(r["analysis_id"])
    if purged or deleted:
        log.info("retention.purged", videos=purged, analyses=deleted)
    return {"videos_purged": purged, "analyses_deleted": deleted}


def export_climber(name: str, settings: Settings | None = None) -> bytes:
    """Everything stored about one climber: records (JSON), metrics per session (CSV), key frames."""
    s = settings or get_settings()
    rows: list[dict[str, Any]] = [dict(r) for r in Jobs(s).of_climber(name)]
    buf = io.BytesIO()
    store = get_store(s)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for r in rows:
            r.pop("lease_owner", None)
            r.pop("lease_until", None)
        z.writestr("analyses.json", json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        out = io.StringIO()
        keys = sorted({k for r in rows for k, v in (r.get("metrics") or {}).items() if isinstance(v, (int, float))})
        w = csv.writer(out)
        w.writerow(["analysis_id", "created_at", "route_name", "grade", "performance_score", *keys])
        for r in rows:
            m = r.get("metrics") or {}
            w.writerow([r["analysis_id"], r["created_at"], r.get("route_name"), r.get("grade"), r.get("performance_score"),
                        *[m.get(k) for k in keys]])
        z.writestr("metrics.csv", out.getvalue())
        for r in rows:
            for k in r.get("key_frames") or []:
                try:
                    z.writestr(f"key_frames/{r['analysis_id']}/{Path(k['key']).name}", store.get_bytes(k["key"]))
                except PipelineError:
                    continue
    log.info("climber.exported", analyses=len(rows))
    return buf.getvalue()


def backup(settings: Settings | None = None) -> str:
    """Copy the database with the SQLite backup API (consistent while in use) into the store."""
    s = settings or get_settings()
    store = get_store(s)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=s.data_dir, prefix=".backup-", suffix=".db")
    os.close(fd)
    try:
        src = sqlite3.connect(s.db_path)
        dst = sqlite3.connect(tmp)
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
        key = f"backups/performate-{datetime.now(UTC):%Y%m%dT%H%M%S}.db"
        ref = store.put(Path(tmp), key, content_type="application/vnd.sqlite3")
    finally:
        Path(tmp).unlink(missing_ok=True)
    for old in store.list("backups/")[:-s.backups_kept]:
        store.delete(old)
    log.info("backup.written", ref=ref)
    return ref


def restore(which: str = "latest", settings: Settings | None = None) -> str:
    """Restore a backup (``latest``, a key under backups/, or an s3:// reference) into the database."""
    s = settings or get_settings()
    store = get_store(s)
    if which == "latest":
        keys = store.list("backups/")
        if not keys:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "no backup in storage")
        which = keys[-1]
    src_store, key = store_for_ref(which, s) if which.startswith("s3://") else (store, which)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=s.data_dir, prefix=".restore-", suffix=".db")
    try:
        with os.fdopen(fd, "wb") as f:
            src_store.download(key, f)
        src = sqlite3.connect(tmp)
        if src.execute("pragma integrity_check").fetchone()[0] != "ok":
            raise PipelineError(ErrorCode.VIDEO_CORRUPT, "the backup failed its integrity check")
        if not src.execute("select name from sqlite_master where name='analyses'").fetchone():
            raise PipelineError(ErrorCode.VIDEO_CORRUPT, "not a Performate database")
        dbm.forget_connections()
        dst = sqlite3.connect(s.db_path)
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("backup.restored", key=key)
    return key
