"""CLI commands for accounts (the operator's tool; no sign-in needed):

    python -m core users add EMAIL --role climber|coach|admin [--name NAME] [--coach EMAIL] --password-stdin
    python -m core users list
    python -m core users link CLIMBER_EMAIL COACH_EMAIL
    python -m core users remove EMAIL [--delete-data]
    python -m core users token EMAIL [--label LABEL]     a personal API token (printed once)
    python -m core users password EMAIL --password-stdin  a new password (every browser signed in as them is signed out)
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from core.accounts import Accounts, Role
from core.cli.printer import emit
from core.errors import ErrorCode, PipelineError
from core.ops import lifecycle


def _password(a: argparse.Namespace) -> str:
    if not a.password_stdin:
        raise PipelineError(ErrorCode.BAD_REQUEST, "give the password on standard input with --password-stdin")
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line  # the line's newline is not part of the password


def cmd_add(a: argparse.Namespace) -> int:
    acc = Accounts()
    user = acc.create(a.email, Role(a.role), _password(a), a.name)
    for coach in a.coach or []:
        acc.link(user, acc.require(coach))
    emit({"id": user.id, "email": user.email, "role": user.role.value, "coaches": a.coach or []})
    return 0


def cmd_list(a: argparse.Namespace) -> int:
    emit(Accounts().list())
    return 0


def cmd_link(a: argparse.Namespace) -> int:
    acc = Accounts()
    acc.link(acc.require(a.climber), acc.require(a.coach))
    emit({"climber": a.climber.lower(), "coach": a.coach.lower(), "linked": True})
    return 0


def cmd_remove(a: argparse.Namespace) -> int:
    acc = Accounts()
    user = acc.require(a.email)
    deleted = lifecycle.delete_owned(user.id) if a.delete_data else 0
    acc.remove(user)
    kept = 0 if a.delete_data else len(lifecycle.owned(user.id))
    emit({"removed": user.email, "analyses_deleted": deleted, "analyses_kept": kept,
          **({"hint": "their analyses stay, visible to admins only; --delete-data deletes them completely"}
             if kept else {})})
    return 0


def cmd_password(a: argparse.Namespace) -> int:
    acc = Accounts()
    user = acc.require(a.email)
    acc.set_password(user, _password(a))
    emit({"email": user.email, "password_set": True, "note": "every browser signed in as this account was signed out"})
    return 0


def cmd_token(a: argparse.Namespace) -> int:
    acc = Accounts()
    user = acc.require(a.email)
    emit({"email": user.email, "token": acc.issue_api_token(user, a.label or ""),
          "note": "shown once: the API answers it with this account's scope (Authorization: Bearer ...)"})
    return 0


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="accounts: add, list, link a coach, remove, new password") \
        .add_subparsers(dest="users_cmd", required=True)
    p = users.add_parser("add", help="add an account")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--name")
    p.add_argument("--coach", action="append", help="email of a coach who may see this climber (repeatable)")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin",
                   help="read the password from one line of standard input")
    p.set_defaults(fn=cmd_add)
    p = users.add_parser("list", help="every account with its coaches and athletes")
    p.set_defaults(fn=cmd_list)
    p = users.add_parser("link", help="let a coach see a climber's analyses")
    p.add_argument("climber")
    p.add_argument("coach")
    p.set_defaults(fn=cmd_link)
    p = users.add_parser("remove", help="remove an account (--delete-data also deletes its analyses completely)")
    p.add_argument("email")
    p.add_argument("--delete-data", action="store_true", dest="delete_data")
    p.set_defaults(fn=cmd_remove)
    p = users.add_parser("token", help="issue a personal API token for an account")
    p.add_argument("email")
    p.add_argument("--label")
    p.set_defaults(fn=cmd_token)
    p = users.add_parser("password", help="set a new password for an account (signs out every browser signed in as it)")
    p.add_argument("email")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin",
                   help="read the password from one line of standard input")
    p.set_defaults(fn=cmd_password)
