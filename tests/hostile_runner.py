"""Run the real pipeline over many files in one child with the job memory limit (the executor's
isolation, without a process spawn per file). Prints one JSON line per file."""
from __future__ import annotations

import json
import re
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def hwm_mb() -> float:
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def main() -> None:
    from core.config import get_settings
    from core.errors import PipelineError
    from core.pipeline import analyze

    s = get_settings()
    limit = s.job_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for line in sys.stdin:
        i, path = json.loads(line)
        print(json.dumps({"i": i, "start": True}), flush=True)
        try:
            rec = analyze({"analysis_id": f"hostile{i}", "video_ref": path}, s)
            out = {"i": i, "outcome": "completed", "score": rec.get("performance_score")}
        except PipelineError as exc:
            out = {"i": i, "outcome": "failed", "code": exc.code.value}
        except MemoryError:
            out = {"i": i, "outcome": "failed", "code": "WORKER_CRASHED", "detail": "memory limit"}
        except Exception as exc:  # noqa: BLE001 - an uncoded failure is a bug the suite reports
            out = {"i": i, "outcome": "uncoded", "detail": f"{type(exc).__name__}: {exc}"[:300]}
        out["peak_mb"] = hwm_mb()
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
