"""The in-process scheduler (started from the app's lifespan): health checks, alert evaluation,
retention purge and the nightly backup, each on its own period, in one daemon thread."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from core.config import Settings, get_settings
from core.logs import get_logger

log = get_logger("core.scheduler")


class Scheduler:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        s = self.settings
        self.tasks: list[tuple[str, float, Callable[[], Any]]] = [
            ("health", s.health_interval_s, self._health),
            ("alerts", 60.0, self._alerts),
        ]
        try:
            from core import lifecycle

            self.tasks += [("retention", 3600.0, lambda: lifecycle.purge(s)),
                           ("backup", 86400.0, lambda: lifecycle.backup(s))]
        except ImportError:
            pass
        self.next_run = {name: 0.0 for name, _, _ in self.tasks}
        self.next_run["backup"] = time.time() + 600  # not during start-up
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="performate-scheduler", daemon=True)
        self.health_runs = 0

    def _health(self) -> None:
        from core.health import run_checks

        run_checks(self.settings, canary=bool(self.settings.canary_video) and self.health_runs > 0)
        self.health_runs += 1

    def _alerts(self) -> None:
        from core.alerts import evaluate

        evaluate(self.settings)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            now = time.time()
            for name, period, fn in self.tasks:
                if now >= self.next_run.get(name, 0):
                    self.next_run[name] = now + period
                    try:
                        fn()
                    except Exception:  # noqa: BLE001 - a failing task must not stop the others
                        log.error("scheduler.task_failed", exc_info=True, task=name)
            self.stop_event.wait(1.0)


_SCHED: Scheduler | None = None


def get_scheduler() -> Scheduler:
    global _SCHED
    if _SCHED is None or not _SCHED.thread.is_alive() and _SCHED.stop_event.is_set():
        _SCHED = Scheduler()
    return _SCHED
