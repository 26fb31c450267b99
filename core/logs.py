"""Structured logs: one JSON object per line, stable event names, secrets redacted.

    log.info("analysis.completed", analysis_id=..., duration_ms=...)

Fields: time, level, event, plus analysis_id, stage, error_code, attempt, duration_ms when given.
Configured secrets and URL query strings (presigned signatures) never reach the output.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

from core.config import get_settings

_URL_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,})\b")
_configured = False


def redact(text: str) -> str:
    try:
        secrets = get_settings().secret_values()
    except Exception:  # noqa: BLE001 - settings may be invalid while reporting that
        secrets = []
    for s in secrets:
        if len(s) >= 4:
            text = text.replace(s, "[redacted]")
    text = _URL_QUERY.sub(r"\1?[redacted]", text)
    return _KEYLIKE.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, default=str, ensure_ascii=False))


class EventLogger:
    """``log.info("event.name", **fields)``: the event name is the message, fields are structured."""

    def __init__(self, name: str) -> None:
        self._log = logging.getLogger(name)

    def _emit(self, level: int, event: str, exc_info: bool = False, **fields: Any) -> None:
        if self._log.isEnabledFor(level):
            self._log.log(level, event, extra={"fields": fields}, exc_info=exc_info)

    def debug(self, event: str, **f: Any) -> None:
        self._emit(logging.DEBUG, event, **f)

    def info(self, event: str, **f: Any) -> None:
        self._emit(logging.INFO, event, **f)

    def warning(self, event: str, **f: Any) -> None:
        self._emit(logging.WARNING, event, **f)

    def error(self, event: str, exc_info: bool = False, **f: Any) -> None:
        self._emit(logging.ERROR, event, exc_info=exc_info, **f)


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)


def setup_logging(level: str | None = None, stream: Any = None) -> None:
    """Send the ``core`` loggers to stderr as JSON lines (idempotent)."""
    global _configured
    if _configured and stream is None:
        return
    lvl = level or get_settings().log_level
    root = logging.getLogger("core")
    for h in list(root.handlers):
        root.removeHandler(h)
    h = logging.StreamHandler(stream or sys.stderr)
    h.setFormatter(JsonFormatter())
    root.addHandler(h)
    root.setLevel(lvl.upper())
    root.propagate = False
    _configured = True
