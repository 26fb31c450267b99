"""One attempt at one analysis, the same for every executor (inline child, Celery task, CLI).

    outcome = run_attempt(job, settings, report)

runs the pipeline, then the annotated replay, and turns every way an attempt can end into an
``Outcome`` with an error code: executors only move the outcome to where the job's state lives.
The result is reported through ``report.analysed`` before the replay is rendered, so an executor
that can store it at once (inline, CLI) never makes a climber wait for the replay.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.logs import get_logger
from core.pipeline.analyse import analyze
from core.pipeline.replay import render

log = get_logger("core.pipeline.attempt")
#: Progress is sent at most this often (plus on every stage change): heartbeats stay cheap.
PROGRESS_EVERY_S = 0.3


class Reporter(Protocol):
    def progress(self, stage: str, p: float) -> None: ...

    def analysed(self, result: dict[str, Any]) -> None: ...


@dataclass
class Outcome:
    """How an attempt ended: a result (and maybe a replay), or an error code with a detail."""

    result: dict[str, Any] | None = None
    replay_ref: str | None = None
    replay_error: str | None = None
    error_code: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is not None

    def error(self) -> PipelineError:
        return PipelineError(ErrorCode(self.error_code or ErrorCode.INTERNAL.value), self.detail)

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "replay_ref": self.replay_ref, "replay_error": self.replay_error,
                "error_code": self.error_code, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Outcome:
        return cls(d.get("result"), d.get("replay_ref"), d.get("replay_error"), d.get("error_code"), d.get("detail") or "")


class _Throttled:
    def __init__(self, report: Reporter) -> None:
        self.report = report
        self.last = 0.0
        self.stage: str | None = None

    def __call__(self, stage: str, p: float) -> None:
        now = time.monotonic()
        if stage != self.stage or now - self.last >= PROGRESS_EVERY_S:
            self.report.progress(stage, p)
            self.last, self.stage = now, stage


def run_attempt(job: dict[str, Any], settings: Settings, report: Reporter, *, replay: bool = True) -> Outcome:
    """Analyse ``job`` and render its replay; never raises for a failed analysis."""
    fresh = bool(job.get("canary"))  # the canary bypasses every cache
    try:
        result = analyze(job, settings, _Throttled(report), fresh=fresh)
    except PipelineError as exc:
        return Outcome(error_code=exc.code.value, detail=exc.detail)
    except MemoryError:
        return Outcome(error_code=ErrorCode.WORKER_CRASHED.value, detail=f"out of memory (limit {settings.job_memory_mb} MB)")
    except Exception as exc:  # noqa: BLE001 - a bug still ends coded, with its type only
        if "TimeLimit" in type(exc).__name__:  # Celery's soft time limit
            return Outcome(error_code=ErrorCode.TIMEOUT.value, detail=type(exc).__name__)
        log.error("attempt.internal_error", exc_info=True, analysis_id=job.get("analysis_id"))
        return Outcome(error_code=ErrorCode.INTERNAL.value, detail=f"{type(exc).__name__}: {str(exc)[:300]}")
    outcome = Outcome(result=result)
    report.analysed(result)
    if replay:
        # the replay comes after the result: a missing replay is not a failed analysis
        try:
            outcome.replay_ref = render(job["analysis_id"], settings)
        except Exception as exc:  # noqa: BLE001
            outcome.replay_error = type(exc).__name__
            log.warning("replay.failed", analysis_id=job.get("analysis_id"), detail=outcome.replay_error)
    return outcome
