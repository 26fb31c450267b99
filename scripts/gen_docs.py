"""Regenerate the README settings table and .env.example from core.config.Settings."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings, env_name  # noqa: E402
from scripts.settings_table import table  # noqa: E402

readme = (ROOT / "README.md").read_text()
head, rest = readme.split("<!-- settings:start -->")
_, tail = rest.split("<!-- settings:end -->")
(ROOT / "README.md").write_text(f"{head}<!-- settings:start -->\n{table()}\n<!-- settings:end -->{tail}")
out = ["# Every Performate setting with its default. Copy to .env or set in the environment."]
for n, f in Settings.model_fields.items():
    out += [f"# {f.description}", f"# {env_name(n, f)}={'' if f.default is None else f.default}"]
(ROOT / ".env.example").write_text("\n".join(out) + "\n")
print("ok")
