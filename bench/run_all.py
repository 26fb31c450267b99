"""make bench: every benchmark, one run each, ratios printed. ``--import-only`` imports each and
stops (the suite checks they load as make bench loads them)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODULES = ["bench.extract", "bench.analyze", "bench.repeatability", "bench.throughput", "bench.vision"]

if __name__ == "__main__":
    summary: list[str] = []
    for name in MODULES:
        mod = importlib.import_module(name)
        if "--import-only" in sys.argv:
            print(name, "imports")
            continue
        print()
        summary += mod.main() or []
    if "--import-only" in sys.argv:
        sys.exit(0)
    print("\n## Summary")
    for line in summary:
        print("-", line)
