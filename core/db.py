"""SQLite through sqlite-utils: WAL, a busy timeout, named migrations, JSON columns.

The schema lives here; the analyses, events and workers tables are owned by ``core.jobs`` (every
query on them is there).
Connections are per thread (sqlite3 objects must not cross threads); each waits up to 30 s on a
lock instead of failing with "database is locked".
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("performate")

#: Columns holding JSON; decoded by ``decode_row``.
JSON_COLUMNS = (
    "trim", "video", "analyzers_used", "route_analysis", "metrics", "technique_points",
    "strengths", "recommendations", "key_frames", "cost", "phrases", "people",
)
BOOL_COLUMNS = ("consent", "low_confidence", "moving_camera", "degraded", "canary")


@migrations()
def m001_analyses(db: sqlite_utils.Database) -> None:
    db.table("analyses").create(
        {
            "analysis_id": str, "status": str, "stage": str, "progress": float,
            "error_code": str, "error_detail": str, "attempts": int, "client_key": str,
            "created_at": str, "queued_at": str, "started_at": str, "finished_at": str, "updated_at": str,
            "climber": str, "discipline": str, "route_name": str, "grade": str, "attempt_or_send": str,
            "notes": str, "trim": str, "consent": int, "language": str, "analyzer": str,
            "video_ref": str, "video_name": str, "video_sha256": str,
            "low_confidence": int, "moving_camera": int, "degraded": int, "degraded_reason": str, "canary": int,
            "video": str, "performance_score": float, "confidence": float, "analyzers_used": str,
            "route_analysis": str, "metrics": str, "technique_points": str, "summary": str,
            "strengths": str, "recommendations": str, "key_frames": str, "cost": str, "replay_ref": str,
            "next_run_at": float, "lease_owner": str, "lease_until": float, "duration_s": float,
        },
        pk="analysis_id",
        not_null={"status"},
        defaults={"status": "queued", "progress": 0.0, "attempts": 0, "consent": 0, "low_confidence": 0,
                  "moving_camera": 0, "degraded": 0, "canary": 0},
    )
    db.table("analyses").create_index(["client_key"], unique=True)
    db.table("analyses").create_index(["status", "next_run_at"])
    db.table("analyses").create_index(["climber", "created_at"])


@migrations()
def m002_events(db: sqlite_utils.Database) -> None:
    db.table("events").create(
        {"id": int, "analysis_id": str, "at": str, "from_status": str, "to_status": str, "stage": str,
         "error_code": str, "attempt": int, "detail": str},
        pk="id",
    )
    db.table("events").create_index(["analysis_id", "id"])


@migrations()
def m003_kv(db: sqlite_utils.Database) -> None:
    # small operational state: pause switches, alert states, health history, daily spend
    db.table("kv").create({"key": str, "value": str, "updated_at": str}, pk="key")
    db.table("health_runs").create({"id": int, "at": str, "status": str, "report": str}, pk="id")
    db.table("vision_cache").create({"request_hash": str, "response": str, "created_at": str}, pk="request_hash")
    db.table("vision_calls").create(
        {"id": int, "at": str, "analysis_id": str, "model": str, "tokens_in": int, "tokens_out": int,
         "usd": float, "cached": int, "outcome": str}, pk="id")


@migrations()
def m004_video_purged(db: sqlite_utils.Database) -> None:
    db.table("analyses").add_column("video_purged_at", str)
    db.table("analyses").create_index(["status", "finished_at"])


@migrations()
def m005_workers(db: sqlite_utils.Database) -> None:
    # worker heartbeats: health judges the workers from here, whichever process asks
    db.table("workers").create({"worker": str, "kind": str, "host": str, "pid": int, "started_at": float, "beat_at": float,
                          "current": str, "stopped_at": float}, pk="worker")


@migrations()
def m006_accounts(db: sqlite_utils.Database) -> None:
    # accounts (core.accounts owns these tables) and the owner of every analysis: analyses made
    # before accounts existed have no owner, so only admins see them until they are assigned
    db.table("users").create({"id": int, "email": str, "name": str, "role": str, "password_hash": str, "created_at": str},
                       pk="id", not_null={"email", "role", "password_hash"})
    db.table("users").create_index(["email"], unique=True)
    db.table("coach_links").create({"climber_id": int, "coach_id": int, "created_at": str}, pk=("climber_id", "coach_id"))
    db.table("sessions").create({"token_hash": str, "user_id": int, "created_at": float, "expires_at": float}, pk="token_hash")
    db.table("login_codes").create({"code_hash": str, "user_id": int, "expires_at": float}, pk="code_hash")
    db.table("analyses").add_column("owner_id", int)
    db.table("analyses").create_index(["owner_id", "created_at"])


@migrations()
def m007_api_tokens(db: sqlite_utils.Database) -> None:
    # personal API tokens: the HTTP API with the same scopes as the account's pages
    db.table("api_tokens").create({"token_hash": str, "user_id": int, "label": str, "created_at": str}, pk="token_hash")


@migrations()
def m008_invites_language(db: sqlite_utils.Database) -> None:
    # a coach's invitation a climber accepts (or declines); the language each person reads in
    db.table("invites").create({"id": int, "coach_id": int, "climber_email": str, "created_at": str}, pk="id")
    db.table("invites").create_index(["climber_email"])
    db.table("invites").create_index(["coach_id", "climber_email"], unique=True)
    db.table("users").add_column("language", str)
    # the coaching text as phrases (key + measured values), rendered in the reader's language
    db.table("analyses").add_column("phrases", str)


@migrations()
def m009_people(db: sqlite_utils.Database) -> None:
    # everyone seen in the clip (numbered, with time on the wall) and which of them the climber
    # asked to be analysed (a pick re-runs the analysis from the stored poses)
    db.table("analyses").add_column("people", str)
    db.table("analyses").add_column("person", int)


@migrations()
def m010_climb_at(db: sqlite_utils.Database) -> None:
    # the climb the climber picked among those the video shows (another attempt): a time inside it
    db.table("analyses").add_column("climb_at", float)


@migrations()
def m011_climb_of(db: sqlite_utils.Database) -> None:
    # the analysis of the same video this one was made from (another climb in it): its poses are reused
    db.table("analyses").add_column("climb_of", str)
    db.table("analyses").create_index(["video_ref"])


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_local = threading.local()
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def connect(path: Path | str) -> sqlite_utils.Database:
    """A migrated database for this thread. ``":memory:"`` gives a fresh in-memory one."""
    key = str(path)
    if key == ":memory:":
        db = sqlite_utils.Database(memory=True)
        migrations.apply(db)
        return db
    cache: dict[str, sqlite_utils.Database] = getattr(_local, "dbs", None) or {}
    _local.dbs = cache
    if key in cache:
        return cache[key]
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(key, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    with _migrate_lock:
        if key not in _migrated:
            for attempt in range(5):
                try:
                    # WAL is stored in the file: set it once per process, not per connection (changing
                    # the journal mode does not wait on busy_timeout and fails under concurrent writers)
                    conn.execute("PRAGMA journal_mode = WAL")
                    migrations.apply(db)
                    break
                except sqlite3.OperationalError:
                    if attempt == 4:
                        raise
                    time.sleep(0.2 * (attempt + 1))
            _migrated.add(key)
    cache[key] = db
    return db


def forget_connections() -> None:
    """Close this thread's connections (tests that delete the data dir)."""
    for db in (getattr(_local, "dbs", None) or {}).values():
        db.conn.close()
    _local.dbs = {}
    _migrated.clear()


def encode(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        if k in JSON_COLUMNS and v is not None and not isinstance(v, str):
            v = json.dumps(v, separators=(",", ":"), default=str)
        elif k in BOOL_COLUMNS and v is not None:
            v = int(bool(v))
        out[k] = v
    return out


def decode_row(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for k in JSON_COLUMNS:
        if isinstance(out.get(k), str):
            try:
                out[k] = json.loads(out[k])
            except ValueError:
                pass
    for k in BOOL_COLUMNS:
        if k in out and out[k] is not None:
            out[k] = bool(out[k])
    return out
