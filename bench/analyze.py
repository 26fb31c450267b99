"""End-to-end offline analysis: the whole `python -m core analyze` process per clip, against that
clip's decode-only time measured in the same run; pose ms per frame, CPU s per video s, peak RSS,
pose coverage."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, ROOT, real_clips, run_child, table
from bench.extract import DECODE_ONLY
from tests.media import FFMPEG


def clip_30s_climb() -> Path:
    """30 s with a real climber: the fixed-camera clip twice."""
    out = CACHE / "climb_30s.mp4"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        src = real_clips()["fixed"]
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-stream_loop", "1", "-i", str(src), "-an", "-c:v",
                        "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def analyze_process(path: Path) -> dict:
    """Run the CLI in a fresh data dir; wall time, CPU (process and its pose helpers) and peak RSS."""
    data = Path(tempfile.mkdtemp(prefix="bench-analyze-"))
    env = {**os.environ, "PERFORMATE_DATA_DIR": str(data), "PERFORMATE_ANALYZER": "offline"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "core", "analyze", str(path), "--no-replay"], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(r.stdout[-2000:] + r.stderr[-2000:])
    rec = json.loads(r.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024, "rec": rec}


def main() -> list[str]:
    clips = {**real_clips(), "30s climb (fixed x2)": clip_30s_climb()}
    rows, lines = [], []
    for name, path in clips.items():
        d = run_child(DECODE_ONLY, str(path))
        a = analyze_process(path)
        m = a["rec"]["metrics"]
        dur = a["rec"]["video"]["duration_s"]
        rows.append([name, dur, d["t"], a["wall"], a["wall"] / d["t"], m["timings_s"]["pose_ms_per_frame"],
                     m["timings_s"]["pose_processes"], a["cpu"] / dur, a["peak_mb"], m["pose_coverage"],
                     a["rec"]["performance_score"]])
        lines.append(f"{name}: analysis {a['wall']:.1f}s = {a['wall'] / d['t']:.1f}x decode-only; "
                     f"pose coverage {m['pose_coverage']:.0%}; {a['cpu'] / dur:.2f} CPU s per video s")
    print("## Offline analysis, whole `python -m core analyze` process (replay excluded)")
    print(table(rows, ["clip", "video s", "decode s", "analyze s", "analyze/decode", "pose ms/frame", "pose procs",
                       "CPU s/video s", "peak MB", "coverage", "score"]))
    return lines


if __name__ == "__main__":
    main()
