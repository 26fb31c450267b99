"""Password gates (admin console, optional app password) with throttled failures.

Guessing is slowed by refusing attempts for a growing while after repeated failures, answered at
once: nothing ever sleeps in the request thread, so a guesser cannot tie up the server's threads.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import time

from core.config import get_settings
from core.logs import get_logger

__all__ = ["admin_configured", "admin_login", "app_gate_required", "app_login", "login_blocked_for"]
log = get_logger("core.api.auth")

FREE_FAILURES = 3  # failures before the lock-out starts
MAX_LOCK_S = 300.0
WINDOW_S = 900.0
_failures: dict[str, list[float]] = {}
_lock = threading.Lock()


def login_blocked_for(client: str, now: float | None = None) -> float:
    """Seconds until ``client`` may try again (0 when it may try now)."""
    now = time.time() if now is None else now
    with _lock:
        fails = [t for t in _failures.get(client, []) if now - t < WINDOW_S]
    if len(fails) < FREE_FAILURES:
        return 0.0
    wait = min(2.0 ** (len(fails) - FREE_FAILURES), MAX_LOCK_S)
    return max(0.0, fails[-1] + wait - now)


def _check(secret: str | None, given: str, client: str) -> bool:
    if not secret or login_blocked_for(client) > 0:
        return False
    ok = hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(secret.encode()).digest())
    with _lock:
        if ok:
            _failures.pop(client, None)
            return True
        now = time.time()
        fails = [t for t in _failures.get(client, []) if now - t < WINDOW_S] + [now]
        _failures[client] = fails
    log.warning("auth.failed", client=hashlib.sha256(client.encode()).hexdigest()[:8], failures=len(fails))
    return False


def admin_configured() -> bool:
    return get_settings().admin_password is not None


def admin_login(given: str, client: str) -> bool:
    pw = get_settings().admin_password
    return _check(pw.get_secret_value() if pw else None, given, "admin:" + client)


def app_gate_required() -> bool:
    return get_settings().app_password is not None


def app_login(given: str, client: str) -> bool:
    pw = get_settings().app_password
    return _check(pw.get_secret_value() if pw else None, given, "app:" + client)
