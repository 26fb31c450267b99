"""Signing in: accounts with argon2-hashed passwords, browser sessions in an HttpOnly cookie.

A page checks the password and hands the browser a one-time code; the browser takes it to
``/session/start`` (core/http.py), which sets the session cookie and sends it on. Repeated failures
from one browser lock it out for a growing while, answered at once: nothing ever sleeps in the
request thread, so a guesser cannot tie up the server's threads.
"""
from __future__ import annotations

import hashlib
import threading
import time

from core.accounts import Accounts, Role, User
from core.config import get_settings
from core.errors import ErrorCode, PipelineError
from core.i18n import N_
from core.logs import get_logger

__all__ = ["needs_first_admin", "create_first_admin", "sign_in", "session_user", "sign_out", "login_blocked_for",
           "change_password", "SESSION_COOKIE", "Role", "User"]
log = get_logger("core.api.auth")

SESSION_COOKIE = "performate_session"
FREE_FAILURES = 3  # failures before the lock-out starts
MAX_LOCK_S = 300.0
WINDOW_S = 900.0
_failures: dict[str, list[float]] = {}
_lock = threading.Lock()


def _accounts() -> Accounts:
    return Accounts(get_settings())


def login_blocked_for(client: str, now: float | None = None) -> float:
    """Seconds until ``client`` may try again (0 when it may try now)."""
    now = time.time() if now is None else now
    with _lock:
        fails = [t for t in _failures.get(client, []) if now - t < WINDOW_S]
    if len(fails) < FREE_FAILURES:
        return 0.0
    wait = min(2.0 ** (len(fails) - FREE_FAILURES), MAX_LOCK_S)
    return max(0.0, fails[-1] + wait - now)


def needs_first_admin() -> bool:
    """A fresh install: nobody has an account yet, so the first visitor creates the admin."""
    return _accounts().count() == 0


def create_first_admin(email: str, name: str, password: str) -> str:
    """Create the first (admin) account and return a one-time sign-in code. Refused once any
    account exists."""
    acc = _accounts()
    if acc.count():
        raise PipelineError(ErrorCode.BAD_REQUEST, "an admin exists already: sign in instead",
                            message=N_("An admin exists already: sign in instead."))
    return acc.issue_code(acc.create(email, Role.ADMIN, password, name))


def sign_in(email: str, password: str, client: str) -> str | None:
    """A one-time code for the browser to exchange at /session/start, or None (wrong email or
    password, or too many failures from this browser)."""
    if login_blocked_for(client) > 0:
        return None
    acc = _accounts()
    user = _verified(acc, email, password, client)
    if user is None:
        return None
    log.info("auth.signed_in", user_id=user.id)
    return acc.issue_code(user)


def _verified(acc: Accounts, email: str, password: str, client: str) -> User | None:
    """The account if ``password`` is its password; a failure counts towards ``client``'s lock-out."""
    user = acc.authenticate(email, password)
    with _lock:
        if user is not None:
            _failures.pop(client, None)
        else:
            now = time.time()
            _failures[client] = [t for t in _failures.get(client, []) if now - t < WINDOW_S] + [now]
    if user is None:
        log.warning("auth.failed", client=hashlib.sha256(client.encode()).hexdigest()[:8])
    return user


def change_password(user: User, current: str, new: str, session: str | None, client: str) -> None:
    """``user``'s own new password, given the current one (a browser left signed in does not let
    a passer-by lock its owner out). Wrong guesses count towards the browser's lock-out, as at
    sign-in. Every other browser signed in as them is signed out; this one (``session``) stays."""
    if login_blocked_for(client) > 0:
        raise PipelineError(ErrorCode.BAD_REQUEST, "too many failed attempts from this browser",
                            message=N_("Too many failed attempts. Try again in a few minutes."))
    acc = _accounts()
    if _verified(acc, user.email, current, client) is None:
        raise PipelineError(ErrorCode.BAD_REQUEST, "the current password is wrong",
                            message=N_("The current password is wrong."))
    acc.set_password(user, new, keep_session=session)


def session_user(token: str | None) -> User | None:
    """The signed-in user of a session cookie, or None."""
    return _accounts().session_user(token)


def sign_out(token: str | None) -> None:
    _accounts().end_session(token)
