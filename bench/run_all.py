"""make bench: every benchmark, one run each, ratios printed."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODULES = ["bench.extract", "bench.analyze", "bench.repeatability", "bench.queue", "bench.vision"]

if __name__ == "__main__":
    summary: list[str] = []
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        print()
        summary += mod.main() or []
    print("\n## Summary")
    for line in summary:
        print("-", line)
