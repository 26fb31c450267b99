"""CLI commands for operators: health, sli, backup, restore, purge, export-climber, delete-climber."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.cli.printer import emit
from core.ops import evaluation, lifecycle
from core.ops.health import run_checks
from core.ops.sli import compute


def cmd_health(a: argparse.Namespace) -> int:
    rep = run_checks(canary=a.canary)
    if a.json:
        print(json.dumps(rep, indent=2))
    else:
        print(f"{rep['status'].upper()}  ({rep['at']})")
        for c in rep["checks"]:
            print(f"  {c['status']:<9} {c['name']:<9} {c['latency_ms']:>6} ms  {c['detail']}")
    return {"healthy": 0, "degraded": 1}.get(rep["status"], 2)


def cmd_sli(a: argparse.Namespace) -> int:
    rep = compute()
    if a.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"SLO: availability {rep['slo']['availability']:.1%}, p95 < {rep['slo']['latency_p95_s']:.0f} s")
    for name, w in rep["windows"].items():
        avail = "-" if w["availability"] is None else f"{w['availability']:.2%}"
        print(f"  {name:>3}: finished {w['finished']:>4}  availability {avail:>7}  p50 {w['latency_p50_s']} s  "
              f"p95 {w['latency_p95_s']} s  budget left {w['error_budget_left']}  burn {w['burn_rate']}")
        if w["failures_by_code"]:
            print(f"       failures: {w['failures_by_code']}")
        if w["degraded_by_reason"]:
            print(f"       degraded: {w['degraded_by_reason']}")
    print(f"  queue: {rep['queue']}")
    for d in rep["vision_spend_by_day"]:
        print(f"  vision {d['day']}: {d['calls']} calls, {d['tokens_in']} in / {d['tokens_out']} out, ${d['usd']}")
    return 0


def cmd_eval(a: argparse.Namespace) -> int:
    labels, videos = Path(a.labels), Path(a.videos)
    if a.variants or a.probes:  # altered copies of the same clips, judged by the same labels
        videos = Path(a.variants_dir) / ("probes" if a.probes else "")
        print(f"making altered copies in {videos} ...", file=sys.stderr, flush=True)
        labels = evaluation.make_variants(labels, Path(a.videos), videos,
                                          evaluation.PROBES if a.probes else evaluation.VARIANTS)
    results = evaluation.evaluate(labels, videos, keep=Path(a.keep) if a.keep else None,
                                  progress=lambda clip: print(f"analysing {clip} ...", file=sys.stderr, flush=True))
    if a.json:
        emit({"clips": [r.__dict__ for r in results], "totals": evaluation.totals(results),
              "summary": evaluation.summary_line(results)})
    else:
        print(evaluation.table(results))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("health", help="run every health check now (exit 0 healthy, 1 degraded, 2 unhealthy)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--canary", action="store_true", help="also run the end-to-end canary (needs a worker)")
    p.set_defaults(fn=cmd_health)
    p = sub.add_parser("eval", help="measure the offline analysis against hand-labelled clips")
    p.add_argument("labels", nargs="?", default=str(evaluation.DEFAULT_LABELS), help="labels JSON (the repo's own by default)")
    p.add_argument("--videos", default=str(evaluation.DEFAULT_VIDEOS), help="folder holding the labelled clips")
    p.add_argument("--json", action="store_true")
    p.add_argument("--variants", action="store_true",
                   help="judge altered copies of the clips instead (see VARIANTS in core/ops/evaluation.py)")
    p.add_argument("--probes", action="store_true",
                   help="judge harder altered copies instead (see PROBES; slower, and most still fail somewhere)")
    p.add_argument("--keep", default=None, metavar="DIR",
                   help="keep each clip's frames and poses in DIR: a second run re-scores a change after the pose stage without tracking again (seconds)")
    p.add_argument("--variants-dir", default=str(Path(tempfile.gettempdir()) / "performate-variants"),
                   help="where the altered copies are written (kept, so a second run reuses them)")
    p.set_defaults(fn=cmd_eval)
    p = sub.add_parser("sli", help="service level indicators over 1 h, 24 h and 7 d")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_sli)

    def run(fn: Any) -> Any:
        def go(a: argparse.Namespace) -> int:
            emit(fn(a))
            return 0
        return go

    p = sub.add_parser("backup", help="back up the database to storage now")
    p.set_defaults(fn=run(lambda a: {"backup": lifecycle.backup()}))
    p = sub.add_parser("restore", help="restore a backup (stop the service first)")
    p.add_argument("which", nargs="?", default="latest")
    p.set_defaults(fn=run(lambda a: {"restored": lifecycle.restore(a.which)}))
    p = sub.add_parser("purge", help="apply the retention policy now")
    p.set_defaults(fn=run(lambda a: lifecycle.purge()))
    p = sub.add_parser("export-climber", help="export one climber's data as a zip")
    p.add_argument("name")
    p.add_argument("--out", required=True)
    p.set_defaults(fn=run(lambda a: {"written": Path(a.out).write_bytes(lifecycle.export_climber(a.name)), "out": a.out}))
    p = sub.add_parser("delete-climber", help="delete one climber's data completely")
    p.add_argument("name")
    p.set_defaults(fn=run(lambda a: {"deleted_analyses": lifecycle.delete_climber(a.name)}))
