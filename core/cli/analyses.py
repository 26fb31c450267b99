"""CLI commands about videos and analyses: probe, frames, analyze, submit, status, retry, worker."""
from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

from core.accounts import Accounts
from core.cli.printer import emit
from core.config import get_settings
from core.errors import ErrorCode
from core.jobs import Jobs, Status, worker_id
from core.media.probe import probe
from core.pipeline import ingest, run_attempt
from core.runtime.inline import InlineExecutor
from core.storage import resolve


def cmd_probe(a: argparse.Namespace) -> int:
    s = get_settings()
    with resolve(a.ref, s) as path:
        info = probe(path, allowed_containers=s.containers)
    emit(info.to_dict())
    return 0


def cmd_frames(a: argparse.Namespace) -> int:
    s = get_settings()
    if a.fps:
        s = s.model_copy(update={"analysis_fps": a.fps})
    out = Path(a.out)
    sampled = ingest(a.ref, out, s, reuse=False)
    emit({"out": str(out), "written": len(sampled.frames), "decoded_frames": sampled.decoded,
          "last_t": sampled.last_t, "size": [sampled.width, sampled.height], "video": sampled.info.to_dict(),
          "files": [f["file"] for f in sampled.frames]})
    return 0


def _meta(a: argparse.Namespace) -> dict[str, Any]:
    meta: dict[str, Any] = {k: getattr(a, k) for k in ("climber", "grade", "discipline", "language", "analyzer")
                            if getattr(a, k, None)}
    if getattr(a, "as_email", None):  # file it under that account; otherwise the admins' until assigned
        meta["owner_id"] = Accounts().require(a.as_email).id
    if getattr(a, "route", None):
        meta["route_name"] = a.route
    if getattr(a, "trim_start", None) is not None or getattr(a, "trim_end", None) is not None:
        meta["trim"] = {"start": a.trim_start, "end": a.trim_end}
    return meta


class _Recorder:
    """The CLI runs the attempt itself and records it as a worker would."""

    def __init__(self, jobs: Jobs, aid: str, me: str) -> None:
        self.jobs, self.aid, self.me = jobs, aid, me
        self.stored = False

    def progress(self, stage: str, p: float) -> None:
        self.jobs.heartbeat(self.aid, self.me, stage=stage, progress=p)

    def analysed(self, result: dict[str, Any]) -> None:
        self.stored = self.jobs.complete(self.aid, self.me, result)


def cmd_analyze(a: argparse.Namespace) -> int:
    """Submit and run synchronously in this process; print the record."""
    s = get_settings()
    if a.analyzer:
        s = s.model_copy(update={"analyzer": a.analyzer})
    jobs = Jobs(s)
    aid = jobs.submit_ref(a.ref, _meta(a))
    me = worker_id("cli")
    job = jobs.claim(me, aid)
    if job is None:
        emit({"error_code": ErrorCode.INTERNAL.value, "message": "could not claim the analysis just submitted"})
        return 2
    recorder = _Recorder(jobs, aid, me)
    outcome = run_attempt(job, s, recorder, replay=not a.no_replay)
    if not outcome.ok:
        jobs.fail(aid, me, outcome.error())
    elif recorder.stored and outcome.replay_ref:
        jobs.set_replay(aid, outcome.replay_ref)
    rec: dict[str, Any] = dict(jobs.get(aid) or {})
    if rec.get("status") != Status.COMPLETED:
        code = rec.get("error_code") or ErrorCode.INTERNAL.value
        emit({**rec, "error_code": code, "message": ErrorCode(code).spec.user_message})
        return 1
    emit(rec)
    return 0


def cmd_submit(a: argparse.Namespace) -> int:
    print(Jobs().submit_ref(a.ref, _meta(a), client_key=a.client_key))
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    jobs = Jobs()
    rec = jobs.get(a.id)
    if rec is None:
        emit({"error_code": "NOT_FOUND", "message": f"no analysis {a.id}"})
        return 2
    out: dict[str, Any] = {k: rec.get(k) for k in (
        "analysis_id", "status", "stage", "progress", "attempts", "error_code", "error_detail", "created_at",
        "started_at", "finished_at", "performance_score", "degraded", "degraded_reason", "climber", "route_name")}
    out["queue_position"] = jobs.queue_position(a.id)
    if a.events:
        out["events"] = jobs.events(a.id)
    emit(out)
    return 0 if rec["status"] != Status.FAILED else 1


def cmd_retry(a: argparse.Namespace) -> int:
    jobs = Jobs()
    if a.failed:
        ids = jobs.retry_failed(a.code)
        emit({"retried": ids, "count": len(ids)})
        return 0
    if not a.id:
        emit({"error_code": "USAGE", "message": "give an analysis id or --failed"})
        return 2
    ok = jobs.retry(a.id, vision_only=a.vision_only)
    emit({"retried": [a.id] if ok else [], "count": int(ok)})
    return 0 if ok else 1


def cmd_worker(a: argparse.Namespace) -> int:
    """Inline workers in the foreground until SIGTERM/SIGINT (in-flight jobs are released)."""
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
    p = sub.add_parser("probe", help="probe a video reference (path, s3://, bare key, URL)")
    p.add_argument("ref")
    p.set_defaults(fn=cmd_probe)
    p = sub.add_parser("frames", help="write sampled JPEG frames of a video reference")
    p.add_argument("ref")
    p.add_argument("--out", required=True)
    p.add_argument("--fps", type=float, default=None)
    p.set_defaults(fn=cmd_frames)

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
        p.add_argument("--as", dest="as_email", metavar="EMAIL", help="file the analysis under this account")

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
