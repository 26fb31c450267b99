"""Accounts for tests: sign in the way a browser tab would, without a browser."""
from __future__ import annotations

from core.accounts import Accounts, Role, User

PASSWORD = "correct horse battery"


def make_user(email: str, role: Role | str = Role.CLIMBER, name: str | None = None) -> User:
    acc = Accounts()
    return acc.by_email(email) or acc.create(email, Role(role), PASSWORD, name or email.split("@")[0].title())


def session_for(user: User) -> str:
    """A session token, as /session/start would set it in the cookie."""
    return Accounts().start_session(user.id)
