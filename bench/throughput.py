"""Queue throughput: 20 real-clip jobs through the inline executor, 2 workers against 1 worker,
jobs per minute and p95 submit-to-completed latency from one run each."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.common import real_clips, table


def run(workers: int, n: int = 20) -> dict:
    from core import db as dbm
    from core.config import Settings
    from core.jobs import Jobs
    from core.ops.sli import percentile
    from core.runtime.inline import InlineExecutor

    s = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-queue-")), workers=workers, analyzer="offline")
    jobs = Jobs(s)
    clip = str(real_clips()["fixed"])
    t0 = time.perf_counter()
    ids = [jobs.submit_ref(clip, {"climber": f"b{i}"}) for i in range(n)]
    ex = InlineExecutor(s)
    ex.start()
    try:
        while True:
            c = jobs.counts()
            if c.get("completed", 0) + c.get("failed", 0) >= n:
                break
            time.sleep(0.5)
        wall = time.perf_counter() - t0
    finally:
        ex.stop()
    lat = [jobs.get(a)["duration_s"] for a in ids]
    dbm.forget_connections()
    return {"wall": wall, "per_min": n / wall * 60, "p50": percentile(lat, 0.5), "p95": percentile(lat, 0.95),
            "completed": jobs.counts().get("completed", 0), "pose_procs": s.pose_workers}


def main() -> list[str]:
    one, two = run(1), run(2)
    rows = [[f"{w} worker(s)", r["completed"], r["pose_procs"], r["wall"], r["per_min"], r["p50"], r["p95"]]
            for w, r in ((1, one), (2, two))]
    print("## Queue throughput: 20 jobs of the real fixed-camera clip (15 s), replay included")
    print(table(rows, ["executor", "completed", "pose procs/job", "wall s", "jobs/min", "p50 s", "p95 s"]))
    ratio = two["per_min"] / one["per_min"]
    print(f"2 workers / 1 worker throughput: {ratio:.2f}x")
    return [f"queue: {one['per_min']:.1f} jobs/min with 1 worker, {two['per_min']:.1f} with 2 ({ratio:.2f}x); "
            f"p95 latency {two['p95']} s with 2 workers"]


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
