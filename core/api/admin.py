"""What an admin does: watch the queue and the pipeline's health, retry, pause, delete, export."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import Accounts, Role, User
from core.api.results import describe, jobs
from core.config import get_settings
from core.i18n import _
from core.logs import get_logger
from core.ops import alerts as alert_rules
from core.ops import health as checks
from core.ops import lifecycle
from core.ops import sli as slis
from core.runtime.executors import notify

__all__ = ["users", "add_user", "set_password", "link_coach", "queue_overview", "failed", "degraded", "events", "retry", "retry_failed", "rerun_vision", "cancel",
           "set_paused", "health_latest", "health_history", "check_name", "check_detail", "run_health_now", "sli", "alerts", "export_climber",
           "delete_analysis", "delete_climber"]
log = get_logger("core.api.admin")
PAUSE_SWITCHES = ("queue_paused", "vision_paused")


def users() -> list[dict[str, Any]]:
    """Every account with its role, coaches and athletes."""
    return Accounts(get_settings()).list()


def add_user(email: str, role: str, password: str, name: str | None = None) -> User:
    return Accounts(get_settings()).create(email, Role(role), password, name)


def set_password(email: str, password: str) -> None:
    """A new password for an account (forgotten, or one an identity provider's account never had):
    every browser signed in as them is signed out; they sign in with it and can change it on their
    account page."""
    acc = Accounts(get_settings())
    acc.set_password(acc.require(email), password)


def link_coach(climber_email: str, coach_email: str) -> None:
    acc = Accounts(get_settings())
    acc.link(acc.require(climber_email), acc.require(coach_email))


def queue_overview() -> dict[str, Any]:
    j = jobs()
    return {"counts": j.counts(), "oldest_queued_age_s": j.oldest_queued_age_s(),
            "queue_paused": j.get_flag("queue_paused"), "vision_paused": j.get_flag("vision_paused")}


def failed(code: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    return [describe(dict(r)) for r in jobs().failed(code, limit)]


def degraded(limit: int = 200) -> list[dict[str, Any]]:
    return [describe(dict(r)) for r in jobs().degraded(limit)]


def events(aid: str) -> list[dict[str, Any]]:
    return jobs().events(aid)


def retry(aid: str) -> bool:
    ok = jobs().retry(aid)
    notify()
    return ok


def retry_failed(code: str | None = None) -> list[str]:
    ids = jobs().retry_failed(code)
    notify()
    return ids


def rerun_vision(aid: str) -> bool:
    ok = jobs().retry(aid, vision_only=True)
    notify()
    return ok


def cancel(aid: str) -> bool:
    return jobs().cancel(aid)


def set_paused(what: str, on: bool) -> None:
    if what not in PAUSE_SWITCHES:
        raise ValueError(what)
    jobs().set_flag(what, on)
    log.info("admin.pause", switch=what, on=on)


def health_latest() -> dict[str, Any] | None:
    return checks.latest()


def health_history(limit: int = 96) -> list[dict[str, Any]]:
    return checks.history(limit=limit)


def check_name(name: str) -> str:
    """A health check's name in the reader's language."""
    return _(checks.NAMES[name]) if name in checks.NAMES else name


def check_detail(check: Mapping[str, Any]) -> str:
    """What a health check found, in the reader's language; an error's own text (and a check
    recorded before details were words) as it was recorded."""
    return checks.render(check["said"]) if check.get("said") else str(check.get("detail") or "")


def run_health_now() -> dict[str, Any]:
    return checks.run_checks(notify=notify)


def sli() -> dict[str, Any]:
    return slis.compute()


def alerts() -> list[dict[str, Any]]:
    return alert_rules.current()


def export_climber(name: str) -> bytes:
    return lifecycle.export_climber(name)


def delete_analysis(aid: str) -> bool:
    """Delete an analysis with its video, frames, replay and working files."""
    return lifecycle.delete_analysis(aid)


def delete_climber(name: str) -> int:
    """Delete everything of one climber: videos, frames, replays, cached coaching, records."""
    return lifecycle.delete_climber(name)
