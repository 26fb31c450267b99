"""Accounts and roles: who may see which analyses (the users, coach links and sessions tables)."""
from core.accounts.model import SYSTEM, Role, User
from core.accounts.store import Accounts

__all__ = ["Accounts", "Role", "User", "SYSTEM"]
