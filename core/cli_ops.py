"""Operations commands: health, sli (and backup/restore/purge/export from core.lifecycle)."""
from __future__ import annotations

import argparse
import json
from typing import Any


def cmd_health(a: argparse.Namespace) -> int:
    from core.health import run_checks

    rep = run_checks(canary=a.canary)
    if a.json:
        print(json.dumps(rep, indent=2))
    else:
        print(f"{rep['status'].upper()}  ({rep['at']})")
        for c in rep["checks"]:
            print(f"  {c['status']:<9} {c['name']:<9} {c['latency_ms']:>6} ms  {c['detail']}")
    return {"healthy": 0, "degraded": 1}.get(rep["status"], 2)


def cmd_sli(a: argparse.Namespace) -> int:
    from core.sli import compute

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


def register(sub: Any) -> None:
    p = sub.add_parser("health", help="run every health check now (exit 0 healthy, 1 degraded, 2 unhealthy)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--canary", action="store_true", help="also run the end-to-end canary (needs a worker)")
    p.set_defaults(fn=cmd_health)
    p = sub.add_parser("sli", help="service level indicators over 1 h, 24 h and 7 d")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_sli)
    try:
        from core import lifecycle
    except ImportError:
        return
    lifecycle.register(sub)
