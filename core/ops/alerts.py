"""Alert rules as data, evaluated on a schedule, posted to a Slack-compatible webhook once per
transition (firing, resolved). Each rule needs a minimum number of events, so one bad upload at a
quiet gym does not page anyone.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core import db as dbm
from core.config import Settings, get_settings
from core.errors import USER_CAUSED
from core.i18n import N_
from core.jobs import Jobs, Status
from core.logs import get_logger
from core.ops.health import disk_usage, latest

log = get_logger("core.ops.alerts")


@dataclass(frozen=True)
class Rule:
    name: str
    summary: str
    window_s: float
    min_events: int
    threshold: float
    #: (analyses rows in the window, context) -> (value, number of events it was computed over)
    measure: Callable[[list[dict[str, Any]], dict[str, Any]], tuple[float, int]]
    runbook: str


def _finished(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] in (Status.COMPLETED, Status.FAILED)]


def _fail_share(rows: list[dict[str, Any]], _: dict[str, Any]) -> tuple[float, int]:
    fin = [r for r in _finished(rows) if r["error_code"] not in {c.value for c in USER_CAUSED} or r["status"] == Status.COMPLETED]
    bad = sum(1 for r in fin if r["status"] == Status.FAILED)
    return (bad / len(fin) if fin else 0.0), len(fin)


def _count(code: str) -> Callable[[list[dict[str, Any]], dict[str, Any]], tuple[float, int]]:
    def m(rows: list[dict[str, Any]], _: dict[str, Any]) -> tuple[float, int]:
        n = sum(1 for r in rows if r["status"] == Status.FAILED and r["error_code"] == code)
        return float(n), n
    return m


def _code_share(code: str) -> Callable[[list[dict[str, Any]], dict[str, Any]], tuple[float, int]]:
    def m(rows: list[dict[str, Any]], _: dict[str, Any]) -> tuple[float, int]:
        fin = _finished(rows)
        n = sum(1 for r in fin if r["error_code"] == code)
        return (n / len(fin) if fin else 0.0), len(fin)
    return m


def _degraded_share(rows: list[dict[str, Any]], _: dict[str, Any]) -> tuple[float, int]:
    done = [r for r in rows if r["status"] == Status.COMPLETED]
    return (sum(1 for r in done if r["degraded"]) / len(done) if done else 0.0), len(done)


def _burn(rows: list[dict[str, Any]], ctx: dict[str, Any]) -> tuple[float, int]:
    share, n = _fail_share(rows, ctx)
    return share / 0.005, n


def _ctx(key: str) -> Callable[[list[dict[str, Any]], dict[str, Any]], tuple[float, int]]:
    def m(_: list[dict[str, Any]], ctx: dict[str, Any]) -> tuple[float, int]:
        v = ctx.get(key)
        return (float(v), 1) if v is not None else (0.0, 0)
    return m


#: (summaries marked for translation: the admin page shows them in the reader's language; the webhook
#: posts them as written)
RULES: list[Rule] = [
    Rule("failure_rate", N_("More than 1% of analyses failed in 5 min"), 300, 5, 0.01, _fail_share,
         "docs/RUNBOOK.md#failure-rate"),
    Rule("frame_extraction_failed", N_("FRAME_EXTRACTION_FAILED occurred in 10 min"), 600, 1, 1, _count("FRAME_EXTRACTION_FAILED"),
         "docs/RUNBOOK.md#frame_extraction_failed"),
    Rule("timeout_rate", N_("More than 5% of analyses timed out in 15 min"), 900, 5, 0.05, _code_share("TIMEOUT"),
         "docs/RUNBOOK.md#timeout"),
    Rule("degraded_rate", N_("More than 20% of results degraded (vision down) in 30 min"), 1800, 5, 0.2, _degraded_share,
         "docs/RUNBOOK.md#degraded"),
    Rule("burn_rate", N_("Error budget burning over 14.4x in 1 h"), 3600, 10, 14.4, _burn, "docs/RUNBOOK.md#burn-rate"),
    Rule("queue_age", N_("Oldest queued analysis waits over 10 min"), 0, 1, 600, _ctx("oldest_queued_age_s"),
         "docs/RUNBOOK.md#queue-age"),
    Rule("disk", N_("Data disk over 80% full"), 0, 1, 0.8, _ctx("disk_used"), "docs/RUNBOOK.md#disk"),
    Rule("canary", N_("The end-to-end canary is failing"), 0, 1, 1, _ctx("canary_failing"), "docs/RUNBOOK.md#canary"),
]


def context(settings: Settings) -> dict[str, Any]:
    rep = latest(settings) or {}
    canary = next((c for c in rep.get("checks", []) if c["name"] == "canary"), None)
    return {"oldest_queued_age_s": Jobs(settings).oldest_queued_age_s(), "disk_used": disk_usage(settings),
            "canary_failing": 1.0 if canary and canary["status"] == "fail" else (0.0 if canary else None)}


def evaluate(settings: Settings | None = None, ctx: dict[str, Any] | None = None,
             post: Callable[[str, dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Evaluate every rule; record state; notify on transitions. Returns the states."""
    s = settings or get_settings()
    db = dbm.connect(s.db_path)
    ctx = ctx if ctx is not None else context(s)
    post = post or _post
    longest = max(r.window_s for r in RULES)
    since = (datetime.now(UTC) - timedelta(seconds=longest)).isoformat(timespec="milliseconds")
    rows = Jobs(s).finished_since(since)
    states = []
    for rule in RULES:
        cut = (datetime.now(UTC) - timedelta(seconds=rule.window_s)).isoformat(timespec="milliseconds")
        in_window = [r for r in rows if rule.window_s == 0 or (r["finished_at"] or "") >= cut]
        value, events = rule.measure(in_window, ctx)
        firing = events >= rule.min_events and value >= rule.threshold
        key = f"alert:{rule.name}"
        prev = list(db.query("select value from kv where key=?", [key]))
        was = json.loads(prev[0]["value"]) if prev else {"firing": False, "since": None}
        state = {"name": rule.name, "summary": rule.summary, "firing": firing, "value": round(value, 4),
                 "events": events, "threshold": rule.threshold, "min_events": rule.min_events,
                 "since": was["since"] if was["firing"] == firing else dbm.now_iso(), "runbook": rule.runbook}
        if firing != was["firing"]:
            db.table("kv").upsert({"key": key, "value": json.dumps({"firing": firing, "since": state["since"]}),
                             "updated_at": dbm.now_iso()}, pk="key")
            log.warning("alert.firing" if firing else "alert.resolved", alert=rule.name, value=state["value"],
                        events=events)
            if s.alert_webhook:
                post(s.alert_webhook, _message(state))
        states.append(state)
    return states


def _message(state: dict[str, Any]) -> dict[str, Any]:
    icon = ":rotating_light:" if state["firing"] else ":white_check_mark:"
    verb = "FIRING" if state["firing"] else "RESOLVED"
    return {"text": f"{icon} [{verb}] Performate: {state['summary']} (value {state['value']}, "
                    f"{state['events']} events; threshold {state['threshold']}). Runbook: {state['runbook']}",
            "alert": state["name"], "status": verb.lower()}


def _post(url: str, payload: dict[str, Any]) -> None:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"},
                                 method="POST")
    for attempt in range(3):
        try:
            with urllib.request.urlopen(req, timeout=5):
                return
        except OSError:
            time.sleep(0.5 * (attempt + 1))
    log.error("alert.webhook_failed", alert=payload.get("alert"))


def current(settings: Settings | None = None) -> list[dict[str, Any]]:
    s = settings or get_settings()
    out = []
    for rule in RULES:
        rows = list(dbm.connect(s.db_path).query("select value from kv where key=?", [f"alert:{rule.name}"]))
        st = json.loads(rows[0]["value"]) if rows else {"firing": False, "since": None}
        out.append({"name": rule.name, "summary": rule.summary, "runbook": rule.runbook, **st})
    return out
