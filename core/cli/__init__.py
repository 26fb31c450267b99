"""The CLI behind ``python -m core``: one parser, one printer. JSON on stdout; exit 0 ok, 1 a failed
analysis (or an unhealthy check), 2 bad input.

    python -m core probe|frames|analyze|submit|status|retry|worker       videos and analyses
    python -m core health|sli|eval|backup|restore|purge|export-climber|delete-climber   operations
    python -m core users add|list|link|remove                                  accounts

Unexpected errors are printed as coded INTERNAL errors without a traceback; ``--debug`` (or
PERFORMATE_RAISE_ERRORS=1, which the test suite sets) lets them raise.
"""
from __future__ import annotations

import argparse
import os

from core.cli import analyses, ops, users
from core.cli.printer import error
from core.errors import ErrorCode, PipelineError
from core.logs import setup_logging

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="Performate command line")
    p.add_argument("--debug", action="store_true", help="let unexpected errors raise with a traceback")
    sub = p.add_subparsers(dest="cmd", required=True)
    analyses.register(sub)
    ops.register(sub)
    users.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except PipelineError as exc:
        return error(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: coded, no traceback for users
        if args.debug or os.environ.get("PERFORMATE_RAISE_ERRORS") == "1":
            raise
        return error(PipelineError(ErrorCode.INTERNAL, type(exc).__name__))
