"""The one printer of the CLI: JSON on stdout, coded errors in the same shape everywhere."""
from __future__ import annotations

import json
from typing import Any

from core.errors import PipelineError


def emit(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False), flush=True)


def error(exc: PipelineError) -> int:
    """Print a coded error; exit status 2 (bad input or a failed operation)."""
    emit({"error_code": exc.code.value, "message": exc.user_message, "detail": exc.detail, "stage": exc.stage})
    return 2
