"""The ASGI side of the single web service: extra HTTP routes and the lifespan.

Background work (inline workers, scheduled health checks, alert evaluation) starts here, in the
app's lifespan, so it runs after a deploy before anyone opens a page, and stops on SIGTERM.
"""
from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    from core.logs import get_logger, setup_logging

    setup_logging()
    log = get_logger("core.web")
    log.info("service.started")
    try:
        yield {}
    finally:
        log.info("service.stopped")
