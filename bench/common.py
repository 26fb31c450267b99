"""Shared bench helpers: generated clips (cached outside the repo), child-process measurement."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.media import FFMPEG, REAL_FIXED, REAL_HANDHELD  # noqa: E402

CACHE = Path(os.environ.get("PERFORMATE_BENCH_DIR", Path(tempfile.gettempdir()) / "performate-bench"))


def clip_30s_1080p() -> Path:
    """A 30 s 1080p H.264 clip with moving content (generated once, kept in the temp dir)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / "bench_30s_1080p.mp4"
    if not out.exists():
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=1920x1080:rate=30:duration=30", "-c:v", "libx264", "-preset", "veryfast",
                        "-pix_fmt", "yuv420p", "-g", "60", str(out)], check=True)
    return out


def real_clips() -> dict[str, Path]:
    return {"fixed": REAL_FIXED, "handheld": REAL_HANDHELD}


_CHILD_PRELUDE = """
import json, re, sys, time, resource
from pathlib import Path
sys.path.insert(0, %r)
def _hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
"""


def run_child(body: str, *args: str, env: dict[str, str] | None = None, timeout: float = 1800) -> dict:
    """Run ``body`` in a fresh interpreter; it must print one JSON line. Adds wall s, CPU s, peak MB."""
    code = _CHILD_PRELUDE % str(ROOT) + body + (
        "\nru = resource.getrusage(resource.RUSAGE_SELF); ruc = resource.getrusage(resource.RUSAGE_CHILDREN)"
        "\n_out['cpu_s'] = ru.ru_utime + ru.ru_stime + ruc.ru_utime + ruc.ru_stime"
        "\n_out['peak_mb'] = _hwm()\nprint(json.dumps(_out))\n"
    )
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def table(rows: list[list[object]], head: list[str]) -> str:
    cells = [head] + [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in cells)
