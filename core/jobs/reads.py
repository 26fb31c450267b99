"""Every read of the analyses table (and its events and workers): lists, counts, the queue's shape.

State changes live in ``core.jobs.queue``; nothing outside ``core.jobs`` writes SQL on these tables.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any, cast

import sqlite_utils

from core import db as dbm
from core.config import Settings, get_settings
from core.jobs.model import Analysis, Status

USER_ROWS = "coalesce(canary, 0) = 0"  # canary runs stay out of user-facing lists and SLIs


def owned_by(owners: set[int] | None) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) for analyses owned by one of ``owners``; None: all."""
    if owners is None:
        return "1=1", []
    if not owners:
        return "0=1", []
    return f"owner_id in ({', '.join('?' * len(owners))})", sorted(owners)


def iso_ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class JobReads:
    """Queries over one SQLite file. Cheap to construct; connections are per thread."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @property
    def db(self) -> sqlite_utils.Database:
        return dbm.connect(self.settings.db_path)

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Analysis]:
        return [cast(Analysis, r) for r in (dbm.decode_row(x) for x in self.db.query(sql, list(params))) if r is not None]

    # -- one analysis -----------------------------------------------------------------------------
    def get(self, aid: str) -> Analysis | None:
        rows = self._rows("select * from analyses where analysis_id = ?", [aid])
        return rows[0] if rows else None

    def find_by_client_key(self, client_key: str) -> str | None:
        rows = list(self.db.query("select analysis_id from analyses where client_key = ?", [client_key]))
        return rows[0]["analysis_id"] if rows else None

    def events(self, aid: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from events where analysis_id=? order by id", [aid]))

    def queue_position(self, aid: str) -> int | None:
        row = self.get(aid)
        if not row or row["status"] != Status.QUEUED:
            return None
        r = list(self.db.query("select count(*) n from analyses where status=? and created_at < ?",
                               [Status.QUEUED.value, row["created_at"]]))
        return int(r[0]["n"]) + 1

    # -- the queue --------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {r["status"]: r["n"] for r in self.db.query("select status, count(*) n from analyses group by status")}

    def oldest_queued_age_s(self) -> float | None:
        r = list(self.db.query("select min(queued_at) q from analyses where status=?", [Status.QUEUED.value]))
        q = r[0]["q"] if r else None
        return round(time.time() - iso_ts(q), 1) if q else None

    def get_flag(self, name: str) -> bool:
        rows = list(self.db.query("select value from kv where key=?", [name]))
        return bool(rows) and rows[0]["value"] == "1"

    def leased_to(self, owner_prefix: str) -> dict[str, str]:
        """Running analyses whose lease owner starts with ``owner_prefix``: analysis id -> owner."""
        return {r["analysis_id"]: r["lease_owner"] for r in self.db.query(
            "select analysis_id, lease_owner from analyses where status=? and lease_owner like ?",
            [Status.RUNNING.value, owner_prefix + "%"])}

    def workers(self) -> list[dict[str, Any]]:
        """Registered workers with the age of their last heartbeat (seconds)."""
        now = time.time()
        return [{**r, "heartbeat_age_s": round(now - r["beat_at"], 1)}
                for r in self.db.query("select * from workers where stopped_at is null order by worker")]

    # -- lists for people -------------------------------------------------------------------------
    def recent(self, limit: int = 10, climber: str | None = None, include_canary: bool = False,
               owners: set[int] | None = None) -> list[Analysis]:
        cond, params = owned_by(owners)
        where = [cond]
        if climber:
            where.append("climber = ?")
            params.append(climber)
        if not include_canary:
            where.append(USER_ROWS)
        return self._rows(f"select * from analyses where {' and '.join(where)} order by created_at desc limit ?",
                          [*params, limit])

    def climbers(self, owners: set[int] | None = None) -> list[str]:
        cond, params = owned_by(owners)
        return [r["climber"] for r in self.db.query(
            f"select climber, max(created_at) m from analyses where climber is not null and climber != '' "
            f"and {USER_ROWS} and {cond} group by climber order by m desc", params)]

    def completed(self, climber: str | None = None, route: str | None = None, grade: str | None = None,
                  owners: set[int] | None = None) -> list[Analysis]:
        """Completed user analyses in time order, optionally of one climber, route and grade."""
        cond, owner_params = owned_by(owners)
        where, params = ["status = ?", USER_ROWS, cond], [Status.COMPLETED.value, *owner_params]
        for col, val in (("climber", climber), ("route_name", route), ("grade", grade)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        return self._rows(f"select * from analyses where {' and '.join(where)} order by created_at", params)

    def failed(self, code: str | None = None, limit: int = 200) -> list[Analysis]:
        sql = "select * from analyses where status=?" + (" and error_code=?" if code else "") + \
              " order by finished_at desc limit ?"
        return self._rows(sql, [Status.FAILED.value, *([code] if code else []), limit])

    def degraded(self, limit: int = 200) -> list[Analysis]:
        return self._rows("select * from analyses where status=? and degraded=1 order by finished_at desc limit ?",
                          [Status.COMPLETED.value, limit])

    def of_climber(self, name: str) -> list[Analysis]:
        return self._rows("select * from analyses where climber=? order by created_at", [name])

    def of_owner(self, owner_id: int) -> list[Analysis]:
        return self._rows("select * from analyses where owner_id=? order by created_at", [owner_id])

    # -- operations -------------------------------------------------------------------------------
    def finished_since(self, since_iso: str) -> list[dict[str, Any]]:
        """Finished user analyses (completed or failed) since a time: the rows SLIs and alerts count."""
        return [dict(r) for r in self.db.query(
            "select status, error_code, degraded, degraded_reason, duration_s, finished_at from analyses "
            f"where {USER_ROWS} and status in (?, ?) and finished_at >= ?",
            [Status.COMPLETED.value, Status.FAILED.value, since_iso])]

    def totals(self) -> dict[str, Any]:
        """Counters since the start of the database, for /metrics."""
        q = lambda sql, p=(): list(self.db.query(sql, list(p)))  # noqa: E731
        done = Status.COMPLETED.value
        return {
            "started": q(f"select count(*) n from analyses where {USER_ROWS} and started_at is not null")[0]["n"],
            "completed": q(f"select count(*) n from analyses where {USER_ROWS} and status=?", [done])[0]["n"],
            "failed_by_code": {r["error_code"] or "UNKNOWN": r["n"] for r in q(
                f"select error_code, count(*) n from analyses where {USER_ROWS} and status=? group by error_code",
                [Status.FAILED.value])},
            "degraded_by_reason": {r["degraded_reason"] or "unknown": r["n"] for r in q(
                f"select degraded_reason, count(*) n from analyses where {USER_ROWS} and status=? and degraded=1 "
                "group by degraded_reason", [done])},
            "durations_s": [r["duration_s"] for r in q(
                f"select duration_s from analyses where {USER_ROWS} and status=? and duration_s is not null", [done])],
            "queued": q("select count(*) n from analyses where status=?", [Status.QUEUED.value])[0]["n"],
        }

    def vision_totals(self) -> dict[str, Any]:
        r = list(self.db.query("select coalesce(sum(tokens_in),0) i, coalesce(sum(tokens_out),0) o, "
                               "coalesce(sum(usd),0) u from vision_calls"))[0]
        return {"tokens_in": r["i"], "tokens_out": r["o"], "usd": float(r["u"])}

    def sharing_video(self, video_ref: str, but: str) -> list[Analysis]:
        """The other analyses of the same stored video (another climb in it), oldest first."""
        return self._rows("select * from analyses where video_ref=? and analysis_id<>? order by created_at",
                          [video_ref, but])

    def unconsented_videos(self) -> list[dict[str, Any]]:
        """Completed analyses whose climber did not consent to keeping the video, video not yet purged."""
        return [dict(r) for r in self.db.query(
            "select analysis_id, video_ref from analyses where coalesce(consent,0)=0 and status=? "
            "and video_purged_at is null", [Status.COMPLETED.value])]

    def finished_before(self, cut_iso: str, *, video_kept: bool = False) -> list[dict[str, Any]]:
        """Analyses created before ``cut_iso`` that are not queued or running (only those whose video
        is still kept, with ``video_kept``)."""
        extra = " and video_purged_at is null" if video_kept else ""
        return [dict(r) for r in self.db.query(
            f"select analysis_id, video_ref from analyses where created_at < ? and status not in (?, ?){extra}",
            [cut_iso, Status.QUEUED.value, Status.RUNNING.value])]
