"""CLI commands beyond probe/frames: analyze, submit, status, worker, retry (and later ops commands)."""
from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from typing import Any

from core.config import get_settings
from core.errors import ErrorCode, PipelineError


def _print(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


def _meta(a: argparse.Namespace) -> dict[str, Any]:
    meta = {k: getattr(a, k) for k in ("climber", "route_name", "grade", "discipline", "language", "analyzer")
            if getattr(a, k, None)}
    if getattr(a, "route", None):
        meta["route_name"] = a.route
    if getattr(a, "trim_start", None) is not None or getattr(a, "trim_end", None) is not None:
        meta["trim"] = {"start": a.trim_start, "end": a.trim_end}
    return meta


def cmd_analyze(a: argparse.Namespace) -> int:
    """Submit and run synchronously in this process; print the record."""
    from core.jobs import Jobs, worker_id
    from core.pipeline import analyze

    s = get_settings()
    if a.analyzer:
        s = s.model_copy(update={"analyzer": a.analyzer})
    jobs = Jobs(s)
    aid = jobs.submit_ref(a.ref, _meta(a))
    me = worker_id("cli")
    job = jobs.claim(me, aid)
    assert job is not None
    try:
        result = analyze(job, s, lambda stage, p: jobs.heartbeat(aid, me, stage=stage, progress=p))
        if jobs.complete(aid, me, result) and not a.no_replay:
            from core.replay import render

            jobs.set_replay(aid, render(aid, s))
    except PipelineError as exc:
        jobs.fail(aid, me, exc)
    rec = jobs.get(aid) or {}
    if rec.get("status") != "completed":
        code = rec.get("error_code") or ErrorCode.INTERNAL.value
        _print({**rec, "error_code": code, "message": ErrorCode(code).spec.user_message})
        return 1
    _print(rec)
    return 0


def cmd_submit(a: argparse.Namespace) -> int:
    from core.jobs import Jobs

    aid = Jobs().submit_ref(a.ref, _meta(a), client_key=a.client_key)
    print(aid)
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    from core.jobs import Jobs

    jobs = Jobs()
    rec = jobs.get(a.id)
    if rec is None:
        _print({"error_code": "NOT_FOUND", "message": f"no analysis {a.id}"})
        return 2
    out = {k: rec.get(k) for k in ("analysis_id", "status", "stage", "progress", "attempts", "error_code",
                                   "error_detail", "created_at", "started_at", "finished_at", "performance_score",
                                   "degraded", "degraded_reason", "climber", "route_name")}
    out["queue_position"] = jobs.queue_position(a.id)
    if a.events:
        out["events"] = jobs.events(a.id)
    _print(out)
    return 0 if rec["status"] != "failed" else 1


def cmd_retry(a: argparse.Namespace) -> int:
    from core.jobs import Jobs

    jobs = Jobs()
    if a.failed:
        ids = jobs.retry_failed(a.code)
        _print({"retried": ids, "count": len(ids)})
        return 0
    if not a.id:
        _print({"error_code": "USAGE", "message": "give an analysis id or --failed"})
        return 2
    ok = jobs.retry(a.id, vision_only=a.vision_only)
    _print({"retried": [a.id] if ok else [], "count": int(ok)})
    return 0 if ok else 1


def cmd_worker(a: argparse.Namespace) -> int:
    """An inline worker in the foreground until SIGTERM/SIGINT (in-flight jobs are released)."""
    from core.executor import InlineExecutor

    ex = InlineExecutor(get_settings(), workers=a.workers)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    ex.start()
    print(json.dumps({"event": "worker.ready", "workers": [s.worker for s in ex.supervisors]}), flush=True)
    deadline = time.monotonic() + a.max_seconds if a.max_seconds else None
    while not done.wait(0.5):
        if deadline and time.monotonic() > deadline:
            break
    ex.stop()
    return 0


def register(sub: Any) -> None:
    def meta_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("ref", help="video reference: path, s3://bucket/key, bare key, or http(s) URL")
        p.add_argument("--climber")
        p.add_argument("--route", dest="route")
        p.add_argument("--grade")
        p.add_argument("--discipline")
        p.add_argument("--language", choices=["en", "de"])
        p.add_argument("--analyzer", choices=["auto", "offline", "vision"])
        p.add_argument("--trim-start", type=float, dest="trim_start")
        p.add_argument("--trim-end", type=float, dest="trim_end")

    p = sub.add_parser("analyze", help="run the whole pipeline now, record it, print the record")
    meta_args(p)
    p.add_argument("--no-replay", action="store_true", dest="no_replay", help="skip rendering the annotated replay")
    p.set_defaults(fn=cmd_analyze)
    p = sub.add_parser("submit", help="queue an analysis; prints its id")
    meta_args(p)
    p.add_argument("--client-key", dest="client_key")
    p.set_defaults(fn=cmd_submit)
    p = sub.add_parser("status", help="status of an analysis")
    p.add_argument("id")
    p.add_argument("--events", action="store_true")
    p.set_defaults(fn=cmd_status)
    p = sub.add_parser("retry", help="retry a failed analysis, or all failed ones (optionally of one code)")
    p.add_argument("id", nargs="?")
    p.add_argument("--failed", action="store_true")
    p.add_argument("--code")
    p.add_argument("--vision-only", action="store_true", dest="vision_only")
    p.set_defaults(fn=cmd_retry)
    p = sub.add_parser("worker", help="run inline workers in the foreground")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=0, dest="max_seconds")
    p.set_defaults(fn=cmd_worker)
    try:
        from core import cli_ops
    except ImportError:
        return
    cli_ops.register(sub)
