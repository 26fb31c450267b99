"""One's own account: sign-in through an identity provider, coaches and their invitations, the
language one reads in, personal API tokens."""
from __future__ import annotations

from typing import Any

from core.accounts import Accounts, Role, User
from core.config import get_settings
from core.errors import ErrorCode, PipelineError
from core.i18n import N_
from core.logs import get_logger

__all__ = ["LANGUAGES", "oidc_user", "invite", "invitations", "answer_invite", "withdraw_invite", "coaches_of",
           "athletes_of", "remove_coach", "set_language", "issue_token"]
log = get_logger("core.api.account")

LANGUAGES = ("en", "de")


def _accounts() -> Accounts:
    return Accounts(get_settings())


def oidc_user(email: str | None, name: str | None = None) -> User | None:
    """The account of someone the identity provider signed in (by their email). Someone without an
    account gets a climber account, or None when ``oidc_new_users`` is "refuse"."""
    if not email:
        return None
    acc = _accounts()
    user = acc.by_email(email)
    if user is None and get_settings().oidc_new_users == "climber":
        try:
            user = acc.create_external(email, name)
        except PipelineError:
            user = acc.by_email(email)  # another tab created it a moment ago
        log.info("account.created_by_provider", user_id=user.id if user else None)
    return user


def invite(coach: User, climber_email: str) -> int:
    """A coach asks to see a climber's analyses (shared once the climber accepts)."""
    return _accounts().invite(coach, climber_email)


def invitations(user: User) -> list[dict[str, Any]]:
    """For a climber: invitations waiting for an answer. For a coach: the ones they sent."""
    acc = _accounts()
    return acc.invites_by(user) if user.role in (Role.COACH, Role.ADMIN) else acc.invites_for(user)


def answer_invite(climber: User, invite_id: int, accept: bool) -> None:
    if not _accounts().answer(climber, invite_id, accept):
        raise PipelineError(ErrorCode.BAD_REQUEST, "this invitation is gone (withdrawn or answered already)",
                            message=N_("This invitation is gone: it was withdrawn or answered already."))


def withdraw_invite(coach: User, invite_id: int) -> bool:
    return _accounts().withdraw(coach, invite_id)


def coaches_of(climber: User) -> list[User]:
    return _accounts().coaches(climber)


def athletes_of(coach: User) -> list[User]:
    return _accounts().athletes(coach)


def remove_coach(climber: User, coach_id: int) -> bool:
    """The climber stops sharing with this coach."""
    return _accounts().unlink(climber, coach_id)


def set_language(user: User, language: str) -> None:
    """Remember the language ``user`` reads in (the sidebar choice or ?lang=)."""
    if language not in LANGUAGES:
        raise PipelineError(ErrorCode.BAD_REQUEST, f"language {language!r} is not offered",
                            message=N_("This language is not offered."))
    if user.id:
        _accounts().set_language(user, language)


def issue_token(user: User, label: str = "") -> str:
    """A personal token for the HTTP API with this account's scope (shown once)."""
    return _accounts().issue_api_token(user, label)
