"""Start the dashboard as a real server process for a test, and stop it cleanly."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]


def up(base: str) -> bool:
    try:
        return urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serve(data: Path, env: dict[str, str], command: str | None = None, port: int | None = None,
          args: tuple[str, ...] = ()) -> Iterator[tuple[str, Path]]:
    """`streamlit run app.py` (or ``command`` with $PORT) on a free port (or ``port``) with a clean
    PERFORMATE_* environment plus ``env`` and extra Streamlit ``args``; yields (base URL, log path)
    once /_stcore/health answers."""
    port = port or free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("PERFORMATE_")}
    full.update({"PERFORMATE_DATA_DIR": str(data), "PERFORMATE_SECRETS_FILE": str(data / "none.toml"), "PORT": str(port)})
    full.update(env)
    data.mkdir(parents=True, exist_ok=True)
    log_path = data / "server.log"
    argv = ["bash", "-c", command] if command else [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", *args]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=full, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: up(base), timeout=90, what="the server to answer /_stcore/health")
            yield base, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
