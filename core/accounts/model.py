"""Who is looking: users and their roles."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    CLIMBER = "climber"  # their own analyses
    COACH = "coach"  # their own, and those of the climbers linked to them
    ADMIN = "admin"  # everything, and the admin console


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: Role
    language: str = ""  # "en" / "de" as chosen by the person; "" until they choose

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display(self) -> str:
        return self.name or self.email


#: The operator: the CLI, the scheduler and the service API token act as this user (sees everything).
SYSTEM = User(0, "operator@performate", "Operator", Role.ADMIN)
