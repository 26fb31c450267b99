"""The inline executor (default): supervisor threads in this process, one child process per attempt.

Inline: each supervisor thread claims a job (lease), runs the attempt in a child process with an
address-space limit and a deadline, heart-beats the lease while it runs, and records progress and
the outcome. A decoder crash, an OOM kill or a hostile file costs one attempt (WORKER_CRASHED,
TIMEOUT); the serving process never runs the pipeline itself.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs, Status, worker_id
from core.logs import get_logger, setup_logging
from core.pipeline import run_attempt
from core.proc import die_with_parent

log = get_logger("core.runtime.inline")
POLL_S = 1.0
#: How often a busy worker renews its row in the workers table (health calls it stale after 120 s).
WORKER_BEAT_S = 10.0
#: analysis_id -> pid of the child running its current attempt (for operators and fault tests)
ATTEMPT_PIDS: dict[str, int] = {}


class _PipeReporter:
    """The child's side of the pipe: progress, then the result, then the replay."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def progress(self, stage: str, p: float) -> None:
        self.conn.send(("progress", stage, p))

    def analysed(self, result: dict[str, Any]) -> None:
        self.conn.send(("ok", result))  # stored at once: the replay never delays the result


def _child_main(job: dict[str, Any], settings: Settings, conn: Connection) -> None:
    """Runs in the child: limits, then the one attempt runner; reports over ``conn``."""
    # the forkserver is our parent and dies with the worker: a kill -9 of the worker takes this attempt with it
    die_with_parent()
    os.setpgrp()  # own process group: the supervisor can kill pose helpers with it
    os.nice(5)  # analysis yields the CPU to the web server: the dashboard stays responsive under load
    try:
        limit = settings.job_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    setup_logging()
    try:
        outcome = run_attempt(job, settings, _PipeReporter(conn))
        if outcome.ok:
            conn.send(("replay", outcome.replay_ref) if outcome.replay_ref else ("replay_failed", outcome.replay_error))
        else:
            conn.send(("error", outcome.error_code, outcome.detail))
    finally:
        conn.close()


_CTX: Any = None
_CTX_LOCK = threading.Lock()


def _context() -> Any:
    """A forkserver preloaded with the pipeline's imports: each attempt starts in milliseconds from
    a clean single-threaded process (never from the threaded web server), without paying for
    importing OpenCV, PyAV and NumPy again. MediaPipe is not preloaded: it must not run before a fork."""
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            os.environ.setdefault("GLOG_minloglevel", "2")
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["core.pipeline", "cv2", "av"])
            _CTX = ctx
        return _CTX


def supervise(job: dict[str, Any], settings: Settings, jobs: Jobs, worker: str, stop: threading.Event) -> str:
    """Run one claimed attempt in a child process and record its outcome. Returns the new status."""
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(job, settings, send), daemon=False,
                       name=f"analysis-{job['analysis_id'][:8]}")
    proc.start()
    send.close()
    aid = job["analysis_id"]
    ATTEMPT_PIDS[aid] = proc.pid
    deadline = time.monotonic() + settings.job_timeout_s
    beat_every = max(1.0, settings.lease_s / 4)
    next_beat = 0.0
    next_worker_beat = time.monotonic() + WORKER_BEAT_S
    outcome: tuple[Any, ...] | None = None

    def kill() -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.join(10)

    try:
        while outcome is None:
            if recv.poll(0.25):
                try:
                    msg = recv.recv()
                except EOFError:
                    proc.join(5)
                    break
                if msg[0] == "progress":
                    jobs.heartbeat(aid, worker, stage=msg[1], progress=msg[2])
                    next_beat = time.monotonic() + beat_every
                else:
                    outcome = msg
                    break
            if stop.is_set():
                kill()
                jobs.release(aid, worker, "worker stopping")
                return Status.QUEUED
            if time.monotonic() > deadline:
                kill()
                return jobs.fail(aid, worker, PipelineError(
                    ErrorCode.TIMEOUT, f"attempt passed {settings.job_timeout_s:.0f}s")) or "lost"
            if not proc.is_alive() and not recv.poll(0.1):
                break
            if time.monotonic() >= next_worker_beat:
                jobs.worker_beat(worker, "inline", aid)
                next_worker_beat = time.monotonic() + WORKER_BEAT_S
            if time.monotonic() >= next_beat:
                if not jobs.heartbeat(aid, worker):
                    kill()  # lease lost (e.g. an admin action): stop working on it
                    return "lost"
                next_beat = time.monotonic() + beat_every
        if outcome is None:
            proc.join(5)
            code = proc.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return jobs.fail(aid, worker, PipelineError(
                ErrorCode.WORKER_CRASHED, f"child ended without a result ({how})")) or "lost"
        if outcome[0] == "ok":
            done = jobs.complete(aid, worker, outcome[1])
            if done:
                _collect_replay(recv, aid, jobs)
            return Status.COMPLETED if done else "lost"
        return jobs.fail(aid, worker, PipelineError(ErrorCode(outcome[1]), outcome[2])) or "lost"
    finally:
        ATTEMPT_PIDS.pop(aid, None)
        recv.close()
        proc.join(5)
        if proc.is_alive():
            kill()


def _collect_replay(recv: Connection, aid: str, jobs: Jobs, timeout: float = 180) -> None:
    try:
        if recv.poll(timeout):
            msg = recv.recv()
            if msg[0] == "replay":
                jobs.set_replay(aid, msg[1])
            else:
                log.warning("replay.failed", analysis_id=aid, detail=msg[1])
    except (EOFError, OSError):
        log.warning("replay.failed", analysis_id=aid, detail="child ended before the replay")


class Supervisor(threading.Thread):
    """One inline worker: claim, run in a child, record; until stopped."""

    def __init__(self, settings: Settings, stop: threading.Event, wake: threading.Event, n: int) -> None:
        super().__init__(name=f"performate-supervisor-{n}", daemon=True)
        self.settings = settings
        self.stop_event = stop
        self.wake = wake
        self.worker = worker_id(f"inline{n}")
        self.jobs = Jobs(settings)
        self.last_beat = time.time()
        self.current: str | None = None

    def beat(self) -> None:
        self.last_beat = time.time()
        try:
            self.jobs.worker_beat(self.worker, "inline", self.current)
        except Exception:  # noqa: BLE001 - a busy database must not stop the worker
            log.warning("worker.beat_failed", worker=self.worker)

    def run(self) -> None:
        log.info("worker.started", worker=self.worker)
        while not self.stop_event.is_set():
            self.beat()
            try:
                job = self.jobs.claim(self.worker)
            except Exception:  # noqa: BLE001 - keep serving; the next loop retries
                log.error("worker.claim_failed", exc_info=True, worker=self.worker)
                job = None
            if job is None:
                self.wake.wait(POLL_S)
                self.wake.clear()
                continue
            self.current = job["analysis_id"]
            self.beat()
            try:
                status = supervise(job, self.settings, self.jobs, self.worker, self.stop_event)
                log.info("worker.attempt_done", worker=self.worker, analysis_id=self.current, status=status)
            except Exception:  # noqa: BLE001
                log.error("worker.attempt_crashed", exc_info=True, analysis_id=self.current)
                self.jobs.fail(self.current, self.worker, PipelineError(ErrorCode.INTERNAL, "supervisor error"))
            finally:
                self.current = None
        self.jobs.worker_stopped(self.worker)
        log.info("worker.stopped", worker=self.worker)


class InlineExecutor:
    name = "inline"

    def __init__(self, settings: Settings | None = None, workers: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.n = self.settings.workers if workers is None else workers
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.supervisors: list[Supervisor] = []

    def start(self) -> None:
        for i in range(self.n):
            s = Supervisor(self.settings, self.stop_event, self.wake, i)
            s.start()
            self.supervisors.append(s)

    def notify(self) -> None:
        self.wake.set()

    def stop(self, timeout: float = 30) -> None:
        self.stop_event.set()
        self.wake.set()
        for s in self.supervisors:
            s.join(timeout)

    def alive(self) -> list[dict[str, Any]]:
        return [{"worker": s.worker, "alive": s.is_alive(), "heartbeat_age_s": round(time.time() - s.last_beat, 1),
                 "current": s.current} for s in self.supervisors]
