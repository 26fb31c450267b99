"""The in-process scheduler (started from the app's lifespan): periodic tasks in one daemon thread.

It knows nothing of what it runs: the web layer passes the tasks in (health checks, alert
evaluation, retention purge, nightly backup), each with its own period and first run.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.logs import get_logger

log = get_logger("core.scheduler")


@dataclass
class Task:
    name: str
    period_s: float
    run: Callable[[], Any]
    first_after_s: float = 0.0  # delay before the first run (e.g. no backup during start-up)


class Scheduler:
    def __init__(self, tasks: list[Task]) -> None:
        self.tasks = list(tasks)
        now = time.time()
        self.next_run = {t.name: now + t.first_after_s for t in self.tasks}
        self.last_run: dict[str, float] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="performate-scheduler", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every task that is due; returns their names (a failing task does not stop the others)."""
        now = time.time() if now is None else now
        ran = []
        for task in self.tasks:
            if now >= self.next_run.get(task.name, 0):
                self.next_run[task.name] = now + task.period_s
                try:
                    task.run()
                except Exception:  # noqa: BLE001
                    log.error("scheduler.task_failed", exc_info=True, task=task.name)
                self.last_run[task.name] = time.time()
                ran.append(task.name)
        return ran

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            self.run_due()
            self.stop_event.wait(1.0)
