"""Print the README's settings table from core.config.Settings (tests check they match)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import Settings, env_name  # noqa: E402


def table() -> str:
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(unset)" if default is None else "(empty)" if default == "" else f"`{default}`"
        if name == "data_dir":
            shown = "`./data`"
        lines.append(f"| `{env_name(name, field)}` | {shown} | {field.description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
