"""The ASGI side of the single web service: extra HTTP routes and the lifespan.

Background work (inline workers, scheduled health checks, alert evaluation, retention, backups)
starts here, in the app's lifespan, so it runs after a deploy before anyone opens a page, and stops
on SIGTERM with in-flight jobs released back to the queue.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.routing import BaseRoute

from core.config import Settings, get_settings
from core.http import routes as http_routes
from core.logs import get_logger, setup_logging
from core.ops import alerts, health, lifecycle
from core.runtime import executors
from core.runtime.scheduler import Scheduler, Task

log = get_logger("core.web")


def routes() -> list[BaseRoute]:
    return http_routes()


def scheduled_tasks(s: Settings) -> list[Task]:
    """What the scheduler runs in the web process, and how often."""
    runs = {"health": 0}

    def check() -> None:
        # the canary needs a worker: not on the very first run, while the workers are starting
        health.run_checks(s, canary=bool(s.canary_video) and runs["health"] > 0, notify=executors.notify)
        runs["health"] += 1

    return [
        Task("health", s.health_interval_s, check),
        Task("alerts", 60.0, lambda: alerts.evaluate(s)),
        Task("retention", 3600.0, lambda: lifecycle.purge(s)),
        Task("backup", 86400.0, lambda: lifecycle.backup(s), first_after_s=600.0),
    ]


def start_background(settings: Settings | None = None) -> Scheduler:
    """Start this process' executor and the scheduler; returns the scheduler."""
    s = settings or get_settings()
    executors.get_executor(s).start()
    sched = Scheduler(scheduled_tasks(s))
    sched.start()
    return sched


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    setup_logging()
    sched = await asyncio.to_thread(start_background)
    log.info("service.started", tasks=[t.name for t in sched.tasks])
    try:
        yield {}
    finally:
        await asyncio.to_thread(sched.stop)
        await asyncio.to_thread(executors.stop_executor)  # in-flight jobs go back to the queue
        log.info("service.stopped")
