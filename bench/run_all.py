"""make bench: every benchmark, one run each, ratios printed. ``--import-only`` imports each and
stops (the suite checks they load as make bench loads them)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODULES = ["bench.extract", "bench.analyze", "bench.repeatability", "bench.throughput", "bench.vision"]

if __name__ == "__main__":
    only_import = "--import-only" in sys.argv
    summary: list[str] = []
    for name in MODULES:
        mod = importlib.import_module(name)
        if only_import:
            print(name, "imports")
            continue
        print()
        summary += mod.main() or []
    if only_import:
        sys.exit(0)
    print("\n## Summary")
    for line in summary:
        print("-", line)
