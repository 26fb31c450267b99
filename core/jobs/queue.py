"""Durable jobs: the analyses table is the queue.

    queued --claim--> running --complete--> completed
                         |--fail(retryable, attempts < max)--> queued (after backoff with jitter)
                         |--fail(otherwise)-----------------> failed   (the dead-letter list)
                         |--lease expired (killed worker)---> reclaimed by the next claim
    queued --cancel--> cancelled;  failed/cancelled --retry--> queued

Every transition is one transaction and writes an events row. Only the lease owner can move a
running job, so a duplicated or redelivered task can never complete a job twice. Retries are
decided here, from ``PipelineError.retryable``, and nowhere else. Every write to the analyses,
events and workers tables is in this module; reads are in ``core.jobs.reads``.
"""
from __future__ import annotations

import os
import random
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from core import db as dbm
from core.analysis.base import choose
from core.analysis.vision import gate
from core.errors import ErrorCode, PipelineError
from core.jobs.model import Status
from core.jobs.reads import JobReads, iso_ts
from core.logs import get_logger
from core.storage import get_store, new_key

log = get_logger("core.jobs")
QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (Status.QUEUED, Status.RUNNING, Status.COMPLETED, Status.FAILED,
                                                Status.CANCELLED)

MAX_BACKOFF_S = 600.0
META_FIELDS = ("climber", "discipline", "route_name", "grade", "attempt_or_send", "notes", "trim", "consent",
               "language", "analyzer", "canary", "video_name", "owner_id")


def backoff(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), times 0.5-1.5, capped."""
    r = (rng or random).uniform(0.5, 1.5)
    return min(MAX_BACKOFF_S, base * (2 ** max(0, attempt - 1)) * r)


def worker_id(prefix: str = "w") -> str:
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in META_FIELDS:
        if k in meta and meta[k] is not None:
            v = meta[k]
            if isinstance(v, str):
                v = v.strip()[:2000]
            out[k] = v
    return out


class Jobs(JobReads):
    """The queue: every state change of an analysis. Reads come from ``JobReads``."""

    # -- transactions ---------------------------------------------------------------------------
    def _tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(conn, *args)`` in BEGIN IMMEDIATE; retry briefly if SQLite is busy."""
        conn = self.db.conn
        for attempt in range(50):
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    time.sleep(0.05 + 0.02 * attempt)
                    continue
                raise
            try:
                out = fn(conn, *args)
                conn.execute("COMMIT")
                return out
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        raise PipelineError(ErrorCode.INTERNAL, "database stayed busy")

    def _event(self, conn: sqlite3.Connection, aid: str, frm: str | None, to: str, *, stage: str | None = None,
               code: str | None = None, attempt: int | None = None, detail: str | None = None) -> None:
        conn.execute(
            "insert into events (analysis_id, at, from_status, to_status, stage, error_code, attempt, detail) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)", (aid, dbm.now_iso(), frm, to, stage, code, attempt, detail))

    # -- submit ---------------------------------------------------------------------------------
    def submit_upload(self, src: BinaryIO | Path, filename: str, meta: dict[str, Any], *,
                      client_key: str | None = None) -> str:
        """Store the video first (streamed), then queue the job. Idempotent on ``client_key``."""
        if client_key and (existing := self.find_by_client_key(client_key)):
            return existing
        ext = Path(filename or "video.mp4").suffix.lower().lstrip(".")
        key = new_key("videos", ext if ext in ("mp4", "mov", "webm", "mkv", "m4v") else "bin")
        ref = get_store(self.settings).put(src, key)
        meta = {**meta, "video_name": Path(filename or "").name[:200]}
        aid = self.submit_ref(ref, meta, client_key=client_key)
        if (self.get(aid) or {}).get("video_ref") != ref:
            get_store(self.settings).delete(key)  # lost a double-click race: keep one video
        return aid

    def submit_ref(self, video_ref: str, meta: dict[str, Any], *, client_key: str | None = None,
                   choices: dict[str, Any] | None = None) -> str:
        """Queue a job for a video already in storage. Idempotent on ``client_key``. ``choices``: what
        to analyse in it when not the default (see submit_climb)."""
        if client_key and (existing := self.find_by_client_key(client_key)):
            return existing
        aid = uuid.uuid4().hex
        now = dbm.now_iso()
        row = {"analysis_id": aid, "status": Status.QUEUED.value, "stage": QUEUED, "progress": 0.0, "attempts": 0,
               "client_key": client_key, "created_at": now, "queued_at": now, "updated_at": now,
               "video_ref": video_ref, "next_run_at": 0.0, **_clean_meta(meta), **(choices or {})}

        def tx(conn: sqlite3.Connection) -> None:
            enc = dbm.encode(row)
            cols = ", ".join(enc)
            conn.execute(f"insert into analyses ({cols}) values ({', '.join('?' * len(enc))})", list(enc.values()))
            self._event(conn, aid, None, Status.QUEUED, stage="submit")

        try:
            self._tx(tx)
        except sqlite3.IntegrityError:
            # a concurrent submit with the same client key won the insert: that job is ours too
            if client_key and (existing := self.find_by_client_key(client_key)):
                return existing
            raise
        log.info("analysis.submitted", analysis_id=aid, canary=bool(meta.get("canary")))
        return aid

    # -- worker side ----------------------------------------------------------------------------
    def claim(self, worker: str, analysis_id: str | None = None) -> dict[str, Any] | None:
        """Claim the oldest runnable job (queued and due, or running with an expired lease), or
        exactly ``analysis_id`` when given (the synchronous CLI)."""
        now = time.time()
        lease = self.settings.lease_s

        def tx(conn: sqlite3.Connection) -> dict[str, Any] | None:
            if analysis_id is None and self.get_flag("queue_paused"):
                return None
            only = "analysis_id = ? and " if analysis_id else ""
            cur = conn.execute(
                f"select analysis_id, status, attempts, lease_owner from analyses where {only}"
                f"((status = '{QUEUED}' and coalesce(next_run_at, 0) <= ?) or (status = '{RUNNING}' and lease_until < ?)) "
                f"order by (status = '{RUNNING}') desc, created_at limit 1", ([analysis_id] if analysis_id else []) + [now, now])
            r = cur.fetchone()
            if r is None:
                return None
            aid, status, attempts, owner = r
            if status == RUNNING:
                # the previous owner died mid-attempt: that attempt counts as crashed
                self._event(conn, aid, RUNNING, RUNNING, code=ErrorCode.WORKER_CRASHED.value, attempt=attempts,
                            detail=f"lease of {owner} expired; reclaimed")
                if attempts >= self.settings.max_attempts:
                    conn.execute(f"update analyses set status='{FAILED}', error_code=?, error_detail=?, finished_at=?, "
                                 "lease_owner=null, lease_until=null, updated_at=? where analysis_id=?",
                                 (ErrorCode.WORKER_CRASHED.value, "lease expired on the last attempt", dbm.now_iso(),
                                  dbm.now_iso(), aid))
                    self._event(conn, aid, RUNNING, FAILED, code=ErrorCode.WORKER_CRASHED.value, attempt=attempts)
                    return None
            conn.execute(
                f"update analyses set status='{RUNNING}', stage='resolve', progress=0, lease_owner=?, lease_until=?, "
                "attempts=attempts+1, started_at=coalesce(started_at, ?), updated_at=? where analysis_id=?",
                (worker, now + lease, dbm.now_iso(), dbm.now_iso(), aid))
            self._event(conn, aid, status, RUNNING, attempt=attempts + 1, detail=worker)
            row = conn.execute("select * from analyses where analysis_id=?", (aid,))
            cols = [d[0] for d in row.description]
            return dbm.decode_row(dict(zip(cols, row.fetchone())))

        job = self._tx(tx)
        if job:
            job["vision_gate"] = self._vision_gate(job)
            log.info("analysis.started", analysis_id=job["analysis_id"], attempt=job["attempts"], worker=worker)
        return job

    def _vision_gate(self, job: dict[str, Any]) -> str | None:
        """Decided here, from SQLite, so workers (inline or remote) stay pure."""
        if choose(self.settings, job.get("analyzer")) != "vision":
            return None
        return gate(self.db, self.settings, self.get_flag("vision_paused"))

    def heartbeat(self, aid: str, worker: str, stage: str | None = None, progress: float | None = None) -> bool:
        """Extend the lease (and record progress). False when the lease is no longer ours."""
        sets = ["lease_until = ?", "updated_at = ?"]
        params: list[Any] = [time.time() + self.settings.lease_s, dbm.now_iso()]
        if stage is not None:
            sets.append("stage = ?")
            params.append(stage)
        if progress is not None:
            sets.append("progress = max(coalesce(progress, 0), ?)")
            params.append(round(float(progress), 4))
        cur = self.db.conn.execute(
            f"update analyses set {', '.join(sets)} where analysis_id = ? and status = '{RUNNING}' and lease_owner = ?",
            [*params, aid, worker])
        return cur.rowcount == 1

    def complete(self, aid: str, worker: str, result: dict[str, Any], replay_ref: str | None = None) -> bool:
        """Store the result if ``worker`` still owns the job. False means someone else finished it.
        A replay rendered with the result (a remote worker's) is stored in the same write: nobody
        reads the job completed without it."""
        fields = {k: v for k, v in result.items() if k in self.db["analyses"].columns_dict}
        fields.update(status=COMPLETED, stage="done", progress=1.0, finished_at=dbm.now_iso(),
                      error_code=None, error_detail=None, lease_owner=None, lease_until=None)
        if replay_ref:
            fields["replay_ref"] = replay_ref
        enc = dbm.encode(fields)

        def tx(conn: sqlite3.Connection) -> bool:
            r = conn.execute("select status, lease_owner, attempts, created_at from analyses where analysis_id=?",
                             (aid,)).fetchone()
            if r is None or r[0] != RUNNING or r[1] != worker:
                return False
            enc["duration_s"] = round(time.time() - iso_ts(r[3]), 3)
            sets = ", ".join(f"{k} = ?" for k in enc)
            conn.execute(f"update analyses set {sets}, updated_at=? where analysis_id=?", [*enc.values(), dbm.now_iso(), aid])
            vc = result.get("vision_call")
            if vc:
                conn.execute("insert into vision_calls (at, analysis_id, model, tokens_in, tokens_out, usd, cached, outcome) "
                             "values (?, ?, ?, ?, ?, ?, ?, ?)",
                             (dbm.now_iso(), aid, vc.get("model"), vc.get("tokens_in", 0), vc.get("tokens_out", 0),
                              vc.get("usd", 0.0), int(vc.get("outcome") == "cached"), vc.get("outcome")))
            self._event(conn, aid, RUNNING, COMPLETED, attempt=r[2],
                        detail=("degraded: " + str(result.get("degraded_reason"))) if result.get("degraded") else None)
            return True

        ok = bool(self._tx(tx))
        if ok:
            log.info("analysis.completed", analysis_id=aid, degraded=bool(result.get("degraded")),
                     degraded_reason=result.get("degraded_reason"))
        else:
            log.warning("analysis.complete_refused", analysis_id=aid, worker=worker)
        return ok

    def fail(self, aid: str, worker: str | None, err: PipelineError) -> str | None:
        """Record a failed attempt: back to queued after a backoff if retryable and attempts remain,
        else failed. Returns the new status, or None when the lease was not ours."""
        def tx(conn: sqlite3.Connection) -> str | None:
            r = conn.execute("select status, lease_owner, attempts from analyses where analysis_id=?", (aid,)).fetchone()
            if r is None or r[0] != RUNNING or (worker is not None and r[1] != worker):
                return None
            attempts = int(r[2])
            detail = (err.detail or "")[:1000]
            if err.retryable and attempts < self.settings.max_attempts:
                delay = backoff(attempts, self.settings.retry_base_s)
                conn.execute(f"update analyses set status='{QUEUED}', stage='{QUEUED}', error_code=?, error_detail=?, "
                             "next_run_at=?, lease_owner=null, lease_until=null, updated_at=? where analysis_id=?",
                             (err.code.value, detail, time.time() + delay, dbm.now_iso(), aid))
                self._event(conn, aid, RUNNING, QUEUED, stage=err.stage, code=err.code.value, attempt=attempts,
                            detail=f"retry in {delay:.1f}s: {detail}")
                return QUEUED
            conn.execute(f"update analyses set status='{FAILED}', error_code=?, error_detail=?, finished_at=?, "
                         "lease_owner=null, lease_until=null, updated_at=? where analysis_id=?",
                         (err.code.value, detail, dbm.now_iso(), dbm.now_iso(), aid))
            self._event(conn, aid, RUNNING, FAILED, stage=err.stage, code=err.code.value, attempt=attempts, detail=detail)
            return FAILED

        status = self._tx(tx)
        if status:
            log.warning("analysis.failed" if status == FAILED else "analysis.retry_scheduled", analysis_id=aid,
                        stage=err.stage, error_code=err.code.value, retryable=err.retryable)
        return status

    def release(self, aid: str, worker: str, reason: str = "worker stopping") -> bool:
        """Give a running job back to the queue without counting the attempt (clean shutdown)."""
        def tx(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(f"update analyses set status='{QUEUED}', stage='{QUEUED}', attempts=max(0, attempts-1), "
                               "lease_owner=null, lease_until=null, next_run_at=0, updated_at=? "
                               f"where analysis_id=? and status='{RUNNING}' and lease_owner=?", (dbm.now_iso(), aid, worker))
            if cur.rowcount:
                self._event(conn, aid, RUNNING, QUEUED, detail=f"released: {reason}")
            return bool(cur.rowcount)

        return bool(self._tx(tx))

    def set_replay(self, aid: str, ref: str) -> None:
        self.db.conn.execute("update analyses set replay_ref=?, updated_at=? where analysis_id=?", (ref, dbm.now_iso(), aid))

    # -- admin actions --------------------------------------------------------------------------
    def cancel(self, aid: str) -> bool:
        def tx(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(f"update analyses set status='{CANCELLED}', error_code=?, finished_at=?, updated_at=? "
                               f"where analysis_id=? and status='{QUEUED}'",
                               (ErrorCode.CANCELLED.value, dbm.now_iso(), dbm.now_iso(), aid))
            if cur.rowcount:
                self._event(conn, aid, QUEUED, CANCELLED, code=ErrorCode.CANCELLED.value)
            return bool(cur.rowcount)

        return bool(self._tx(tx))

    def retry(self, aid: str, *, vision_only: bool = False) -> bool:
        """Queue a failed or cancelled job again with fresh attempts; with ``vision_only`` re-run a
        completed (degraded) one, reusing its frames and poses so only the vision call is new."""
        allowed = (COMPLETED,) if vision_only else (FAILED, CANCELLED)

        def tx(conn: sqlite3.Connection) -> bool:
            r = conn.execute("select status from analyses where analysis_id=?", (aid,)).fetchone()
            if r is None or r[0] not in allowed:
                return False
            extra = ", analyzer='vision'" if vision_only else ""
            conn.execute(f"update analyses set status='{QUEUED}', stage='{QUEUED}', progress=0, attempts=0, next_run_at=0, "
                         f"error_code=null, error_detail=null, finished_at=null, lease_owner=null, lease_until=null{extra}, "
                         "queued_at=?, updated_at=? where analysis_id=?", (dbm.now_iso(), dbm.now_iso(), aid))
            self._event(conn, aid, r[0], QUEUED, detail="retry: vision only" if vision_only else "retry")
            return True

        ok = bool(self._tx(tx))
        if ok:
            log.info("analysis.retried", analysis_id=aid, vision_only=vision_only)
        return ok

    def pick_person(self, aid: str, person: int) -> bool:
        """Analyse another person seen in a completed analysis: queue it again with ``person`` (the
        frames and everyone's poses are kept, so nothing is decoded or tracked again where they are),
        timed from its own start (the page's "Elapsed", "took")."""
        def tx(conn: sqlite3.Connection) -> bool:
            r = conn.execute("select status from analyses where analysis_id=?", (aid,)).fetchone()
            if r is None or r[0] != COMPLETED:
                return False
            conn.execute(f"update analyses set status='{QUEUED}', stage='{QUEUED}', progress=0, attempts=0, next_run_at=0, "
                         "error_code=null, error_detail=null, started_at=null, finished_at=null, lease_owner=null, "
                         "lease_until=null, person=?, queued_at=?, updated_at=? where analysis_id=?",
                         (int(person), dbm.now_iso(), dbm.now_iso(), aid))
            self._event(conn, aid, COMPLETED, QUEUED, detail=f"analyse person {int(person)}")
            return True

        ok = bool(self._tx(tx))
        if ok:
            log.info("analysis.person_picked", analysis_id=aid, person=int(person))
        return ok

    def submit_climb(self, aid: str, at: float) -> str | None:
        """Analyse another climb of a completed analysis' video (another attempt) as an analysis of its
        own, beside it (to compare the two): the same video and details, ``at`` a time inside that
        climb, and the person analysed there. Its frames and everyone's poses come from ``aid``'s, so
        nothing is tracked again. Once per climb: asking again returns the same one. None when
        ``aid`` is not completed."""
        src = self.get(aid)
        if src is None or src.get("status") != COMPLETED:
            return None
        meta = {k: src.get(k) for k in META_FIELDS}
        new = self.submit_ref(src["video_ref"], meta, client_key=f"{aid}:climb:{float(at):.2f}",
                              choices={"climb_at": float(at), "climb_of": aid, "person": src.get("person")})
        log.info("analysis.climb_submitted", analysis_id=new, of=aid, at=round(float(at), 2))
        return new

    def retry_failed(self, code: str | None = None) -> list[str]:
        sql = f"select analysis_id from analyses where status='{FAILED}'" + (" and error_code=?" if code else "")
        ids = [r["analysis_id"] for r in self.db.query(sql, [code] if code else [])]
        return [aid for aid in ids if self.retry(aid)]

    def set_flag(self, name: str, on: bool) -> None:
        self.db.table("kv").upsert({"key": name, "value": "1" if on else "0", "updated_at": dbm.now_iso()}, pk="key")

    def hand_over(self, aid: str, old_owner: str, new_owner: str) -> bool:
        """Move a running job's lease to another owner (Celery: from the claim to the task id)."""
        cur = self.db.conn.execute("update analyses set lease_owner=?, updated_at=? where analysis_id=? and status=? "
                                   "and lease_owner=?", (new_owner, dbm.now_iso(), aid, Status.RUNNING.value, old_owner))
        return cur.rowcount == 1

    # -- data lifecycle -------------------------------------------------------------------------
    def delete(self, aid: str) -> dict[str, Any] | None:
        """Delete a finished (or queued) analysis and its events in one transaction; returns the row
        that was deleted (the caller removes its files), None when it is running or unknown."""
        def tx(conn: sqlite3.Connection) -> dict[str, Any] | None:
            cur = conn.execute("select * from analyses where analysis_id=?", (aid,))
            r = cur.fetchone()
            if r is None:
                return None
            row = dbm.decode_row(dict(zip([d[0] for d in cur.description], r)))
            if row is None or row["status"] == Status.RUNNING:
                return None
            conn.execute("delete from events where analysis_id=?", (aid,))
            conn.execute("delete from analyses where analysis_id=?", (aid,))
            return row

        row = self._tx(tx)
        if row:
            log.info("analysis.deleted", analysis_id=aid)
        return row

    def mark_video_purged(self, aid: str) -> None:
        self.db.conn.execute("update analyses set video_purged_at=?, updated_at=? where analysis_id=?",
                             (dbm.now_iso(), dbm.now_iso(), aid))

    # -- workers --------------------------------------------------------------------------------
    def worker_beat(self, worker: str, kind: str, current: str | None = None) -> None:
        """A worker says it is alive (health judges workers from these rows, in any process)."""
        now = time.time()
        self.db.conn.execute(
            "insert into workers (worker, kind, host, pid, started_at, beat_at, current, stopped_at) "
            "values (?, ?, ?, ?, ?, ?, ?, null) on conflict(worker) do update set beat_at=excluded.beat_at, "
            "current=excluded.current, stopped_at=null", (worker, kind, socket.gethostname(), os.getpid(), now, now, current))

    def worker_stopped(self, worker: str) -> None:
        self.db.conn.execute("update workers set stopped_at=?, current=null where worker=?", (time.time(), worker))
