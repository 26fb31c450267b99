"""End-to-end offline analysis as a user gets it: the whole `python -m core analyze` process,
replay included, per clip, against that clip's decode-only time measured in the same run; CPU s per
video s, the peak RSS of the largest process (the analysis or one pose worker), pose coverage.

Clips: the two real ones; the previous benchmark clip (the fixed climb twice: 30 s of 1080x1440 at
25 fps and a low 4 Mbps, unusually quick to decode); and the same 30 s climb as a phone records it,
1080x1920 portrait at 30 fps, at 8 Mbps (29 MB) and at 32 Mbps (105 MB): same frames, 3.7 times
the bytes, so peak memory must not move between them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import CACHE, ROOT, real_clips, run_child, table
from bench.extract import DECODE_ONLY
from tests.media import FFMPEG

#: Runs a command and reports its wall time, CPU (all descendants) and the largest process' peak RSS.
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": r.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024,
                  "stdout": r.stdout, "stderr": r.stderr[-3000:]}))
"""


def _encode(out: Path, *args: str) -> Path:
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-stream_loop", "1", "-i", str(real_clips()["fixed"]), "-an",
                        *args, "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def clip_30s_climb() -> Path:
    """The previous benchmark clip: 30 s with a real climber (the fixed-camera clip twice)."""
    return _encode(CACHE / "climb_30s.mp4", "-c:v", "libx264", "-preset", "veryfast")


def clip_30s_phone(mbps: int) -> Path:
    """The same climb as a phone's 1080p portrait clip: 1080x1920, 30 fps, constant ``mbps``."""
    return _encode(CACHE / f"climb_30s_1080p_{mbps}mbps.mp4", "-vf", "scale=1080:1440,pad=1080:1920:0:240,fps=30",
                   "-c:v", "libx264", "-preset", "fast", "-b:v", f"{mbps}M", "-maxrate", f"{mbps}M",
                   "-bufsize", f"{2 * mbps}M", "-t", "30")


def analyze_process(path: Path) -> dict:
    """`python -m core analyze` with the replay, in a fresh data dir."""
    data = Path(tempfile.mkdtemp(prefix="bench-analyze-"))
    env = {**os.environ, "PERFORMATE_DATA_DIR": str(data), "PERFORMATE_ANALYZER": "offline"}
    r = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "core", "analyze", str(path)], cwd=ROOT,
                       env=env, capture_output=True, text=True)
    m = json.loads(r.stdout)
    if m["rc"] != 0:
        raise RuntimeError(m["stdout"][-2000:] + m["stderr"])
    m["rec"] = json.loads(m.pop("stdout"))
    if not m["rec"].get("replay_ref"):
        raise RuntimeError("no replay was rendered")
    return m


def main() -> list[str]:
    clips = {**{f"{k} (real)": v for k, v in real_clips().items()},
             "30s 1080x1440 25fps 4Mbps": clip_30s_climb(),
             "30s 1080p 30fps 30MB": clip_30s_phone(8),
             "30s 1080p 30fps 105MB": clip_30s_phone(32)}
    rows, lines = [], []
    for name, path in clips.items():
        d = run_child(DECODE_ONLY, str(path))
        a = analyze_process(path)
        m = a["rec"]["metrics"]
        dur = a["rec"]["video"]["duration_s"]
        rows.append([name, round(path.stat().st_size / 2**20, 1), dur, d["t"], a["wall"], a["wall"] / d["t"],
                     a["cpu"] / dur, a["peak_mb"], m["pose_coverage"], a["rec"]["performance_score"]])
        lines.append(f"{name}: analyze with replay {a['wall']:.1f}s = {a['wall'] / d['t']:.1f}x decode-only "
                     f"({d['t']:.2f}s); peak {a['peak_mb']:.0f} MB; {a['cpu'] / dur:.2f} CPU s per video s")
    print("## Offline analysis, whole `python -m core analyze` process, replay included")
    print(table(rows, ["clip", "MB", "video s", "decode s", "analyze s", "analyze/decode", "CPU s/video s", "peak MB",
                       "coverage", "score"]))
    return lines


if __name__ == "__main__":
    main()
