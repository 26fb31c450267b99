"""Accounts for tests: sign in the way a browser tab would, without a browser."""
from __future__ import annotations

import asyncio
import json

from starlette.requests import Request

from core.accounts import Accounts, Role, User

PASSWORD = "correct horse battery"


def make_user(email: str, role: Role | str = Role.CLIMBER, name: str | None = None) -> User:
    acc = Accounts()
    return acc.by_email(email) or acc.create(email, Role(role), PASSWORD, name or email.split("@")[0].title())


def session_for(user: User) -> str:
    """A session token, as /session/start would set it in the cookie."""
    return Accounts().start_session(user.id)


def call_api(handler, path: str, token: str | None, body: dict | None = None, **params: str):
    """Call an /api route the way the server would; (status, JSON body)."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {"type": "http", "method": "POST" if body is not None else "GET", "path": path, "query_string": b"",
             "headers": headers + [(b"content-type", b"application/json")], "path_params": params,
             "scheme": "http", "server": ("testserver", 80)}

    async def receive() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}

    req = Request(scope, receive)
    resp = asyncio.run(handler(req)) if asyncio.iscoroutinefunction(handler) else handler(req)
    return resp.status_code, json.loads(resp.body)
