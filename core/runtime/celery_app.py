"""Scale-out: Celery workers on other machines run the same pure pipeline against S3.

    celery -A core.runtime.celery_app worker --concurrency 1

The web process stays the only SQLite writer and the SQLite lease stays the truth: a dispatcher
thread claims jobs and sends tasks (task id = lease owner), a collector thread heart-beats the
leases while tasks run, records progress from ``update_state`` and stores results through
``Jobs.complete``, which refuses a second completion. ``acks_late`` with ``reject_on_worker_lost``
puts a killed worker's task back on the queue; it is redelivered under the same task id.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from celery import Celery

from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs, worker_id
from core.logs import get_logger, setup_logging

# The pipeline is imported here, before billiard forks the pool, so every pool child starts its
# first task without import latency. MediaPipe stays lazy: it must not run before a fork.
from core.pipeline import Outcome, run_attempt

log = get_logger("core.celery")
_s = get_settings()
app = Celery("performate", broker=_s.broker_url, backend=_s.broker_url)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_track_started=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=7 * 86400,
    task_time_limit=int(_s.job_timeout_s) + 60,
    task_soft_time_limit=int(_s.job_timeout_s),
    broker_connection_retry_on_startup=True,
    # an unacknowledged task whose whole worker machine vanished comes back after this long
    broker_transport_options={"visibility_timeout": max(60, int(_s.job_timeout_s) * 2)},
    worker_hijack_root_logger=False,
)

TASK = "performate.analyze"
JOB_KEYS = ("analysis_id", "video_ref", "climber", "route_name", "grade", "discipline", "language", "analyzer",
            "trim", "canary", "attempts", "vision_gate", "person")


class _TaskReporter:
    """Progress through the result backend; the outcome goes there too, once, at the end."""

    def __init__(self, task: Any) -> None:
        self.task = task

    def progress(self, stage: str, p: float) -> None:
        self.task.update_state(state="PROGRESS", meta={"stage": stage, "progress": round(p, 4)})

    def analysed(self, result: dict[str, Any]) -> None:
        pass  # the collector stores the result with the replay, from the DONE state


@app.task(bind=True, name=TASK)
def analyze_task(self: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The worker side: the pure pipeline, progress and the outcome through update_state.

    Tasks are sent with ``ignore_result``: the outcome is stored as a custom ``DONE`` state, so the
    web process reads every state with a plain GET of the backend key and stays out of Celery's
    pubsub result consumer (redis-py pubsub is not safe for concurrent use)."""
    setup_logging()
    settings = get_settings()
    log.info("celery.task_started", analysis_id=job["analysis_id"], task_id=self.request.id,
             redelivered=bool((self.request.delivery_info or {}).get("redelivered")))
    outcome = run_attempt(job, settings, _TaskReporter(self))
    if outcome.result is not None:
        outcome.result = json.loads(json.dumps(outcome.result, default=float))
    self.update_state(state="DONE", meta=outcome.to_dict())
    return outcome.to_dict()


class CeleryExecutor:
    """Runs in the web process: dispatch claimed jobs to Celery and collect their outcomes."""

    name = "celery"

    def __init__(self, settings: Settings | None = None, max_inflight: int | None = None) -> None:
        self.settings = settings or get_settings()
        if not self.settings.s3_bucket:
            raise PipelineError(ErrorCode.INTERNAL, "the celery executor needs S3 storage (PERFORMATE_S3_BUCKET): "
                                                    "remote workers cannot read this service's disk")
        app.conf.broker_url = self.settings.broker_url
        app.conf.result_backend = self.settings.broker_url
        self.jobs = Jobs(self.settings)
        self.max_inflight = max_inflight or max(1, self.settings.workers) * 2
        self.inflight: dict[str, str] = {}  # analysis_id -> task id (= lease owner)
        self.deadline: dict[str, float] = {}  # analysis_id -> monotonic deadline of its task
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="performate-celery", daemon=True)
        self.last_beat = time.time()
        self.worker = worker_id("celery-dispatcher")

    def start(self) -> None:
        # re-attach to tasks sent before a restart: their task id is the lease owner
        self.inflight.update(self.jobs.leased_to("celery:"))
        self.thread.start()

    def notify(self) -> None:
        self.wake.set()

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        self.wake.set()
        self.thread.join(timeout)

    def alive(self) -> list[dict[str, Any]]:
        return [{"worker": "celery-dispatcher", "alive": self.thread.is_alive(),
                 "heartbeat_age_s": round(time.time() - self.last_beat, 1), "inflight": len(self.inflight)}]

    def _dispatch(self) -> None:
        while len(self.inflight) < self.max_inflight:
            # the task id is chosen before the claim so it can be the lease owner
            claimer = f"celery:pending:{time.time_ns()}"
            probe = self.jobs.claim(claimer)
            if probe is None:
                return
            aid = probe["analysis_id"]
            task_id = f"celery:{aid}:{probe['attempts']}"
            self.jobs.hand_over(aid, claimer, task_id)  # we own it: just claimed
            job = {k: probe.get(k) for k in JOB_KEYS}
            analyze_task.apply_async(args=[job], task_id=task_id, ignore_result=True)
            self.inflight[aid] = task_id
            self.deadline[aid] = time.monotonic() + self.settings.job_timeout_s
            log.info("celery.dispatched", analysis_id=aid, task_id=task_id)

    def _collect(self) -> None:
        for aid, task_id in list(self.inflight.items()):
            meta = app.backend.get_task_meta(task_id)  # a plain GET; PENDING when no state yet
            state, info = meta.get("status", "PENDING"), meta.get("result")
            if state != "DONE" and time.monotonic() > self.deadline.setdefault(aid, time.monotonic() + self.settings.job_timeout_s):
                # a stuck task (hung worker, lost message): kill it and let the queue retry the job
                app.control.revoke(task_id, terminate=True, signal="SIGKILL")
                self.jobs.fail(aid, task_id, PipelineError(
                    ErrorCode.TIMEOUT, f"celery task passed {self.settings.job_timeout_s:.0f}s ({state})"))
                self._drop(aid, task_id)
                continue
            if state == "DONE" and isinstance(info, dict):
                outcome = Outcome.from_dict(info)
                if outcome.ok and outcome.result is not None:
                    self.jobs.complete(aid, task_id, outcome.result, replay_ref=outcome.replay_ref)
                else:
                    self.jobs.fail(aid, task_id, outcome.error())
                self._drop(aid, task_id)
                continue
            if state == "PROGRESS" and isinstance(info, dict):
                ok = self.jobs.heartbeat(aid, task_id, stage=info.get("stage"), progress=info.get("progress"))
            else:
                ok = self.jobs.heartbeat(aid, task_id)
            if not ok:  # the lease is gone (admin action or expiry): stop following it
                self._drop(aid, task_id)

    def _drop(self, aid: str, task_id: str) -> None:
        app.backend.forget(task_id)
        self.inflight.pop(aid, None)
        self.deadline.pop(aid, None)

    def _loop(self) -> None:
        log.info("worker.started", worker="celery-dispatcher", broker=self.settings.broker_url.split("@")[-1])
        beat_at = 0.0
        while not self.stop_event.is_set():
            self.last_beat = time.time()
            if self.last_beat - beat_at >= 10:
                self.jobs.worker_beat(self.worker, "celery-dispatcher", f"{len(self.inflight)} in flight")
                beat_at = self.last_beat
            try:
                self._dispatch()
                self._collect()
            except Exception:  # noqa: BLE001 - broker hiccup: keep serving, try again
                log.error("celery.loop_error", exc_info=True)
            self.wake.wait(0.5)
            self.wake.clear()
        self.jobs.worker_stopped(self.worker)
        log.info("worker.stopped", worker="celery-dispatcher")
