"""Service level indicators from the analyses table (canary runs excluded).

    python -m core sli [--json]

availability = completed (degraded included) / (finished - failed for the user's input)
quality      = completed without degradation / completed
latency      = submit-to-completed p50 / p95
error budget = 0.5% of eligible analyses (SLO 99.5%); burn rate = observed failure share / 0.5%
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core import db as dbm
from core.config import Settings, get_settings
from core.errors import USER_CAUSED
from core.jobs import Jobs, Status

SLO_AVAILABILITY = 0.995
SLO_P95_S = 120.0  # for a 30 s video (RCA 2025-10-23)
WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400}


def _since(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return round(v[lo] + (v[hi] - v[lo]) * (k - lo), 2)


def window(jobs: Jobs, seconds: float) -> dict[str, Any]:
    rows = jobs.finished_since(_since(seconds))
    completed = [r for r in rows if r["status"] == Status.COMPLETED]
    failed = [r for r in rows if r["status"] == Status.FAILED]
    user = [r for r in failed if r["error_code"] in {c.value for c in USER_CAUSED}]
    eligible = len(rows) - len(user)
    bad = len(failed) - len(user)
    by_code: dict[str, int] = {}
    for r in failed:
        by_code[r["error_code"] or "UNKNOWN"] = by_code.get(r["error_code"] or "UNKNOWN", 0) + 1
    degraded: dict[str, int] = {}
    for r in completed:
        if r["degraded"]:
            degraded[r["degraded_reason"] or "unknown"] = degraded.get(r["degraded_reason"] or "unknown", 0) + 1
    lat = [float(r["duration_s"]) for r in completed if r["duration_s"] is not None]
    availability = round(len(completed) / eligible, 5) if eligible else None
    allowed = (1 - SLO_AVAILABILITY) * eligible
    return {
        "finished": len(rows), "completed": len(completed), "failed": len(failed), "failed_user_input": len(user),
        "availability": availability,
        "quality": round(1 - sum(degraded.values()) / len(completed), 5) if completed else None,
        "latency_p50_s": percentile(lat, 0.5), "latency_p95_s": percentile(lat, 0.95),
        "failures_by_code": by_code, "degraded_by_reason": degraded,
        "error_budget_left": round(1 - bad / allowed, 4) if allowed > 0 else None,
        "burn_rate": round((bad / eligible) / (1 - SLO_AVAILABILITY), 3) if eligible else None,
    }


def compute(settings: Settings | None = None) -> dict[str, Any]:
    s = settings or get_settings()
    jobs = Jobs(s)
    db = dbm.connect(s.db_path)
    spend = [dict(r) for r in db.query(
        "select substr(at, 1, 10) day, sum(tokens_in) tokens_in, sum(tokens_out) tokens_out, round(sum(usd), 6) usd, "
        "count(*) calls from vision_calls where at >= ? group by day order by day", [_since(7 * 86400)])]
    return {
        "slo": {"availability": SLO_AVAILABILITY, "latency_p95_s": SLO_P95_S},
        "windows": {name: window(jobs, secs) for name, secs in WINDOWS.items()},
        "queue": {"depth": jobs.counts().get(Status.QUEUED, 0), "oldest_age_s": jobs.oldest_queued_age_s()},
        "vision_spend_by_day": spend,
        "at": dbm.now_iso(),
    }
