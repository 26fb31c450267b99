"""The ASGI side of the single web service: extra HTTP routes and the lifespan.

Background work (inline workers, scheduled health checks, alert evaluation) starts here, in the
app's lifespan, so it runs after a deploy before anyone opens a page, and stops on SIGTERM with
in-flight jobs released back to the queue.
"""
from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    try:
        from core.http import routes as http_routes
    except ImportError:
        return []
    return http_routes()


def start_background() -> list[Any]:
    """Start the executor and the schedulers; returns what to stop."""
    from core.executor import get_executor

    started: list[Any] = []
    ex = get_executor()
    ex.start()
    started.append(ex)
    try:
        from core.scheduler import get_scheduler
    except ImportError:
        return started
    sched = get_scheduler()
    sched.start()
    started.append(sched)
    return started


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    import asyncio

    from core.logs import get_logger, setup_logging

    setup_logging()
    log = get_logger("core.web")
    started = await asyncio.to_thread(start_background)
    log.info("service.started", background=[type(s).__name__ for s in started])
    try:
        yield {}
    finally:
        for s in reversed(started):
            await asyncio.to_thread(s.stop)
        from core import executor

        executor._EXECUTOR = None
        log.info("service.stopped")
