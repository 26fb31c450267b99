"""Load: 50 submissions from 10 threads against 2 workers with a real clip (2.5 s of one), while a second process
times the dashboard. All complete; p95 latency and UI response times are printed."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from core.ops.sli import percentile
from tests.conftest import report, wait_for
from tests.media import ffmpeg
from tests.serve import serve

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "load-test-token-1234"


def call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_fifty_submissions_ten_threads_two_workers(short_climb, tmp_path):
    data = tmp_path / "data"
    key = "videos/2026/08/01/load.mp4"
    (data / "blobs" / key).parent.mkdir(parents=True)
    # the first 2.5 s of the short real clip: the queue is what is loaded, not the analysis
    ffmpeg("-t", "2.5", "-i", str(short_climb), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-f", "mp4", str(data / "blobs" / key))
    env = {"PERFORMATE_API_TOKEN": TOKEN, "PERFORMATE_WORKERS": "2", "PERFORMATE_ANALYZER": "offline",
           "PERFORMATE_ANALYSIS_FPS": "6", "PERFORMATE_POSE_PROCESSES": "1", "PERFORMATE_KEY_FRAMES": "4"}
    stop = tmp_path / "stop"
    with serve(data, env) as (base, _log):
        probe = subprocess.Popen([sys.executable, str(ROOT / "tests" / "load_probe.py"), base, str(stop)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            ids: list[str] = []
            errors: list[BaseException] = []
            lock = threading.Lock()
            t0 = time.monotonic()

            def submit(n: int) -> None:
                try:
                    for i in range(5):
                        aid = call(base, "POST", "/api/analyses",
                                   {"video_ref": key, "climber": f"load{n}", "notes": str(i)})["analysis_id"]
                        with lock:
                            ids.append(aid)
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)

            threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            assert not errors and len(set(ids)) == 50
            wait_for(lambda: all(call(base, "GET", f"/api/analyses/{a}")["status"] in ("completed", "failed")
                                 for a in ids), timeout=900, interval=2, what="50 analyses")
            wall = time.monotonic() - t0
        finally:
            stop.write_text("stop")
            ui = json.loads(probe.communicate(timeout=60)[0])
    recs = [call_offline(data, a) for a in ids]
    lat = [r["duration_s"] for r in recs]
    report(f"\nload: 50 analyses from 10 threads on 2 workers in {wall:.0f}s ({50 / wall * 60:.1f}/min); "
          f"submit-to-completed p50 {percentile(lat, 0.5)}s p95 {percentile(lat, 0.95)}s")
    for p, v in ui["paths"].items():
        report(f"  UI {p:<28} n={v['n']:<4} p50 {v['p50'] * 1000:.0f} ms  p95 {v['p95'] * 1000:.0f} ms  max {v['max'] * 1000:.0f} ms")
    assert all(r["status"] == "completed" for r in recs), {r["status"] + str(r["error_code"]) for r in recs}
    assert ui["errors"] == 0
    for p, v in ui["paths"].items():
        assert v["n"] >= 10 and v["max"] < 1.0, (p, v)


def call_offline(data: Path, aid: str) -> dict:
    import sqlite3

    con = sqlite3.connect(data / "performate.db")
    con.row_factory = sqlite3.Row
    return dict(con.execute("select status, error_code, duration_s from analyses where analysis_id=?", (aid,)).fetchone())

