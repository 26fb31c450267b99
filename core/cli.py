"""The CLI behind ``python -m core``. JSON on stdout; exit 0 ok, 1 failed analysis, 2 bad input."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.config import get_settings
from core.errors import ErrorCode, PipelineError


def _print(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


def _error(exc: PipelineError) -> int:
    _print({"error_code": exc.code.value, "message": exc.user_message, "detail": exc.detail, "stage": exc.stage})
    return 2


def cmd_probe(a: argparse.Namespace) -> int:
    from core.media.probe import probe
    from core.storage import resolve

    s = get_settings()
    with resolve(a.ref, s) as path:
        info = probe(path, allowed_containers=s.containers)
    _print(info.to_dict())
    return 0


def cmd_frames(a: argparse.Namespace) -> int:
    from core.pipeline import ingest

    s = get_settings()
    if a.fps:
        s = s.model_copy(update={"analysis_fps": a.fps})
    out = Path(a.out)
    sampled = ingest(a.ref, out, s, reuse=False)
    _print({
        "out": str(out), "written": len(sampled.frames), "decoded_frames": sampled.decoded,
        "last_t": sampled.last_t, "size": [sampled.width, sampled.height], "video": sampled.info.to_dict(),
        "files": [f["file"] for f in sampled.frames],
    })
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="Performate command line")
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("probe", help="probe a video reference (path, s3://, bare key, URL)")
    sp.add_argument("ref")
    sp.set_defaults(fn=cmd_probe)
    sp = sub.add_parser("frames", help="write sampled JPEG frames of a video reference")
    sp.add_argument("ref")
    sp.add_argument("--out", required=True)
    sp.add_argument("--fps", type=float, default=None)
    sp.set_defaults(fn=cmd_frames)
    _extend(sub)
    return p


def _extend(sub: Any) -> None:
    """Commands of the later modules register here (kept separate so `probe` stays light)."""
    try:
        from core import cli_more
    except ImportError:
        return
    cli_more.register(sub)


def main(argv: list[str] | None = None) -> int:
    from core.logs import setup_logging

    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except PipelineError as exc:
        return _error(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: coded, no traceback for users
        if "PYTEST_CURRENT_TEST" in __import__("os").environ or "--debug" in sys.argv:
            raise
        return _error(PipelineError(ErrorCode.INTERNAL, type(exc).__name__))
