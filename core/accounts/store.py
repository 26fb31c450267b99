"""Accounts: users with argon2-hashed passwords, coach links and invitations, browser sessions and
one-time sign-in codes. The one owner of the users, coach_links, invites, sessions, login_codes and
api_tokens tables.

A page script cannot set a cookie, so signing in is two steps: the page checks the password and
gets a one-time code (valid LOGIN_CODE_S, once); the browser takes it to ``/session/start``, a
route that exchanges it for a session token and sets it as an HttpOnly cookie. Only hashes of
session tokens and codes are stored.
"""
from __future__ import annotations

import builtins
import hashlib
import secrets
import sqlite3
import time
from typing import Any

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import db as dbm
from core.accounts.model import Role, User
from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.i18n import N_
from core.logs import get_logger

log = get_logger("core.accounts")
LOGIN_CODE_S = 60.0
MIN_PASSWORD = 8
_hasher = PasswordHasher()
#: Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY = _hasher.hash("not-a-password-" + secrets.token_hex(8))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: dict[str, Any]) -> User:
    return User(int(row["id"]), row["email"], row.get("name") or "", Role(row["role"]), row.get("language") or "")


def _checked(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PipelineError(ErrorCode.BAD_REQUEST, f"passwords need at least {MIN_PASSWORD} characters",
                            message=N_("Passwords need at least 8 characters."))
    return password


def _email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise PipelineError(ErrorCode.BAD_REQUEST, "an email address is needed",
                            message=N_("Please enter an email address."))
    return email


class Accounts:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @property
    def db(self) -> sqlite_utils.Database:
        return dbm.connect(self.settings.db_path)

    # -- users ------------------------------------------------------------------------------------
    def count(self) -> int:
        return int(list(self.db.query("select count(*) n from users"))[0]["n"])

    def create(self, email: str, role: Role | str, password: str, name: str | None = None) -> User:
        email = _email(email)
        _checked(password)
        try:
            cur = self.db.conn.execute(
                "insert into users (email, name, role, password_hash, created_at) values (?, ?, ?, ?, ?)",
                (email, (name or "").strip()[:120], Role(role).value, _hasher.hash(password), dbm.now_iso()))
        except sqlite3.IntegrityError:
            raise PipelineError(ErrorCode.BAD_REQUEST, f"{email} already has an account",
                                message=N_("This email already has an account.")) from None
        log.info("account.created", user_id=cur.lastrowid, role=Role(role).value)
        return User(int(cur.lastrowid or 0), email, (name or "").strip(), Role(role))

    def create_external(self, email: str, name: str | None = None, role: Role = Role.CLIMBER) -> User:
        """An account for someone an identity provider vouches for: no password anyone knows (they
        sign in through the provider; an admin can still give them one)."""
        return self.create(email, role, secrets.token_urlsafe(32), name)

    def set_password(self, user: User, password: str, keep_session: str | None = None) -> None:
        """A new password for ``user``. Every browser signed in as them is signed out but the one
        whose session is ``keep_session`` (the one that changed it): a password changed because
        someone else knew it locks them out. Sign-in codes not yet redeemed go too; personal API
        tokens stay (each is revoked on its own)."""
        digest = _hasher.hash(_checked(password))
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("update users set password_hash = ? where id = ?", (digest, user.id))
            conn.execute("delete from sessions where user_id = ? and token_hash != ?",
                         (user.id, _digest(keep_session) if keep_session else ""))
            conn.execute("delete from login_codes where user_id = ?", (user.id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("account.password_set", user_id=user.id, kept_session=keep_session is not None)

    def set_language(self, user: User, language: str) -> None:
        self.db.conn.execute("update users set language = ? where id = ?", (language, user.id))

    def get(self, user_id: int) -> User | None:
        rows = list(self.db.query("select * from users where id = ?", [user_id]))
        return _user(rows[0]) if rows else None

    def by_email(self, email: str) -> User | None:
        rows = list(self.db.query("select * from users where email = ?", [email.strip().lower()]))
        return _user(rows[0]) if rows else None

    def require(self, email: str) -> User:
        user = self.by_email(email)
        if user is None:
            raise PipelineError(ErrorCode.BAD_REQUEST, f"no account {email.strip().lower()}",
                                message=N_("There is no account with this email."))
        return user

    def list(self) -> list[dict[str, Any]]:
        """Every user with the emails of their coaches and athletes."""
        out = []
        for r in self.db.query("select id, email, name, role, created_at from users order by email"):
            coaches = [x["email"] for x in self.db.query(
                "select u.email from coach_links l join users u on u.id = l.coach_id where l.climber_id = ?", [r["id"]])]
            athletes = [x["email"] for x in self.db.query(
                "select u.email from coach_links l join users u on u.id = l.climber_id where l.coach_id = ?", [r["id"]])]
            out.append({**dict(r), "coaches": coaches, "athletes": athletes})
        return out

    def link(self, climber: User, coach: User) -> None:
        """Let ``coach`` see ``climber``'s analyses."""
        if coach.role not in (Role.COACH, Role.ADMIN):
            raise PipelineError(ErrorCode.BAD_REQUEST, f"{coach.email} is not a coach",
                                message=N_("This account is not a coach."))
        self.db.conn.execute("insert or ignore into coach_links (climber_id, coach_id, created_at) values (?, ?, ?)",
                             (climber.id, coach.id, dbm.now_iso()))
        log.info("account.linked", climber_id=climber.id, coach_id=coach.id)

    def unlink(self, climber: User, coach_id: int) -> bool:
        """The climber withdraws a coach's view of their analyses."""
        cur = self.db.conn.execute("delete from coach_links where climber_id = ? and coach_id = ?", (climber.id, coach_id))
        log.info("account.unlinked", climber_id=climber.id, coach_id=coach_id)
        return cur.rowcount > 0

    def coaches(self, climber: User) -> builtins.list[User]:
        return [_user(r) for r in self.db.query(
            "select u.* from coach_links l join users u on u.id = l.coach_id where l.climber_id = ? order by u.email",
            [climber.id])]

    # -- invitations: a coach asks, the climber accepts -------------------------------------------
    def invite(self, coach: User, climber_email: str) -> int:
        """A coach asks to see a climber's analyses; nothing is shared until the climber accepts.
        The climber may not have an account yet: the invitation waits for it."""
        if coach.role not in (Role.COACH, Role.ADMIN):
            raise PipelineError(ErrorCode.BAD_REQUEST, "only coaches invite climbers",
                                message=N_("Only coaches invite climbers."))
        email = _email(climber_email)
        if email == coach.email:
            raise PipelineError(ErrorCode.BAD_REQUEST, "that is your own address",
                                message=N_("That is your own address."))
        self.db.conn.execute("insert or ignore into invites (coach_id, climber_email, created_at) values (?, ?, ?)",
                             (coach.id, email, dbm.now_iso()))
        row = self.db.conn.execute("select id from invites where coach_id = ? and climber_email = ?",
                                   (coach.id, email)).fetchone()
        log.info("invite.created", coach_id=coach.id, invite_id=row[0])
        return int(row[0])

    def invites_for(self, climber: User) -> builtins.list[dict[str, Any]]:
        """Invitations waiting for ``climber``: id, coach's name and email, when."""
        return [dict(r) for r in self.db.query(
            "select i.id, u.name coach_name, u.email coach_email, i.created_at from invites i "
            "join users u on u.id = i.coach_id where i.climber_email = ? order by i.id", [climber.email])]

    def invites_by(self, coach: User) -> builtins.list[dict[str, Any]]:
        return [dict(r) for r in self.db.query(
            "select id, climber_email, created_at from invites where coach_id = ? order by id", [coach.id])]

    def answer(self, climber: User, invite_id: int, accept: bool) -> bool:
        """Accept (link the coach) or decline an invitation addressed to ``climber``; False when
        there is no such invitation for them."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("select coach_id from invites where id = ? and climber_email = ?",
                               (invite_id, climber.email)).fetchone()
            if row is not None:
                conn.execute("delete from invites where id = ?", (invite_id,))
                if accept:
                    conn.execute("insert or ignore into coach_links (climber_id, coach_id, created_at) values (?, ?, ?)",
                                 (climber.id, row[0], dbm.now_iso()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if row is not None:
            log.info("invite.answered", invite_id=invite_id, accepted=accept)
        return row is not None

    def withdraw(self, coach: User, invite_id: int) -> bool:
        return self.db.conn.execute("delete from invites where id = ? and coach_id = ?", (invite_id, coach.id)).rowcount > 0

    def remove(self, user: User) -> None:
        """Delete the account, its links and sessions (its analyses are the caller's decision)."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql in ("delete from coach_links where climber_id = ? or coach_id = ?",):
                conn.execute(sql, (user.id, user.id))
            conn.execute("delete from invites where coach_id = ? or climber_email = ?", (user.id, user.email))
            conn.execute("delete from sessions where user_id = ?", (user.id,))
            conn.execute("delete from login_codes where user_id = ?", (user.id,))
            conn.execute("delete from api_tokens where user_id = ?", (user.id,))
            conn.execute("delete from users where id = ?", (user.id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("account.removed", user_id=user.id)

    # -- who sees what ----------------------------------------------------------------------------
    def visible_owners(self, user: User) -> set[int] | None:
        """Owner ids whose analyses ``user`` may see; None means all (admins)."""
        if user.is_admin:
            return None
        ids = {user.id}
        if user.role == Role.COACH:
            ids |= {r["climber_id"] for r in self.db.query("select climber_id from coach_links where coach_id = ?",
                                                           [user.id])}
        return ids

    def athletes(self, coach: User) -> builtins.list[User]:
        return [_user(r) for r in self.db.query(
            "select u.* from coach_links l join users u on u.id = l.climber_id where l.coach_id = ? order by u.email",
            [coach.id])]

    # -- signing in -------------------------------------------------------------------------------
    def authenticate(self, email: str, password: str) -> User | None:
        rows = list(self.db.query("select * from users where email = ?", [email.strip().lower()]))
        stored = rows[0]["password_hash"] if rows else _DUMMY
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return _user(rows[0]) if rows else None

    def issue_code(self, user: User) -> str:
        code = secrets.token_urlsafe(24)
        self.db.conn.execute("delete from login_codes where expires_at < ?", (time.time(),))
        self.db.conn.execute("insert into login_codes (code_hash, user_id, expires_at) values (?, ?, ?)",
                             (_digest(code), user.id, time.time() + LOGIN_CODE_S))
        return code

    def redeem_code(self, code: str) -> str | None:
        """A fresh session token for a valid, unexpired, unused code; None otherwise."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("select user_id, expires_at from login_codes where code_hash = ?", (_digest(code),)).fetchone()
            conn.execute("delete from login_codes where code_hash = ?", (_digest(code),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if row is None or row[1] < time.time():
            return None
        return self.start_session(int(row[0]))

    def start_session(self, user_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        self.db.conn.execute("insert into sessions (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)",
                             (_digest(token), user_id, now, now + self.settings.session_days * 86400))
        log.info("session.started", user_id=user_id)
        return token

    def session_user(self, token: str | None) -> User | None:
        if not token:
            return None
        rows = list(self.db.query(
            "select u.* from sessions s join users u on u.id = s.user_id where s.token_hash = ? and s.expires_at > ?",
            [_digest(token), time.time()]))
        return _user(rows[0]) if rows else None

    def issue_api_token(self, user: User, label: str = "") -> str:
        """A personal token for the HTTP API (shown once; only its hash is kept)."""
        token = "pm_" + secrets.token_urlsafe(32)
        self.db.conn.execute("insert into api_tokens (token_hash, user_id, label, created_at) values (?, ?, ?, ?)",
                             (_digest(token), user.id, label[:80], dbm.now_iso()))
        log.info("api_token.issued", user_id=user.id)
        return token

    def api_token_user(self, token: str) -> User | None:
        rows = list(self.db.query("select u.* from api_tokens t join users u on u.id = t.user_id where t.token_hash = ?",
                                  [_digest(token)]))
        return _user(rows[0]) if rows else None

    def end_session(self, token: str | None) -> None:
        if token:
            self.db.conn.execute("delete from sessions where token_hash = ?", (_digest(token),))
