"""Second process of the load test: times the dashboard's answers until a stop file appears."""
from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

base, stop = sys.argv[1], Path(sys.argv[2])
paths = ["/", "/_stcore/health", "/health/analysis-pipeline", "/metrics"]
times: dict[str, list[float]] = {p: [] for p in paths}
errors = 0
while not stop.exists():
    for p in paths:
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(base + p, timeout=10) as r:
                r.read()
        except urllib.error.HTTPError:
            pass  # 503 from the health route is an answer too
        except OSError:
            errors += 1
        times[p].append(time.perf_counter() - t)
    time.sleep(0.2)


def pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return round(v[min(len(v) - 1, int(q * len(v)))], 4) if v else 0.0


print(json.dumps({"errors": errors, "paths": {p: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95),
                                                   "max": round(max(v), 4) if v else 0.0} for p, v in times.items()}}))
