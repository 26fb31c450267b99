"""Which executor runs queued jobs in this process: ``inline`` (default) or ``celery`` (scale-out).

Both keep SQLite as the truth; the web process starts one from its lifespan, the ``worker``
command starts an inline one in the foreground.
"""
from __future__ import annotations

import threading
from typing import Protocol

from core.config import Settings, get_settings
from core.runtime.celery_app import CeleryExecutor
from core.runtime.inline import InlineExecutor


class Executor(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...

    def notify(self) -> None: ...


_EXECUTOR: Executor | None = None
_LOCK = threading.Lock()


def get_executor(settings: Settings | None = None) -> Executor:
    """The process-wide executor, created on first use from the settings."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            s = settings or get_settings()
            _EXECUTOR = CeleryExecutor(s) if s.executor == "celery" else InlineExecutor(s)
        return _EXECUTOR


def current_executor() -> Executor | None:
    return _EXECUTOR


def notify() -> None:
    """Wake this process' executor (a job was queued): no waiting for its next poll."""
    if _EXECUTOR is not None:
        _EXECUTOR.notify()


def stop_executor() -> None:
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is not None:
            _EXECUTOR.stop()
            _EXECUTOR = None
