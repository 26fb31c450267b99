from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core import db as dbmod
from core import i18n
from core.config import Settings, reset_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# moto accepts any credentials; session-scoped fixtures run before the per-test environment
for _k, _v in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing-secret-key"),
               ("AWS_DEFAULT_REGION", "us-east-1")):
    os.environ[_k] = _v
BUCKET = "performate-test"


def need(service: str, ok: bool, why: str) -> None:
    """Skip with a reason on a laptop; fail under CI=true, where every service must be there."""
    if ok:
        return
    msg = f"{service} unavailable: {why}"
    if IN_CI:
        pytest.fail(msg + " (required under CI=true)")
    pytest.skip(msg)


def wait_for(pred: Callable[[], object], timeout: float = 30.0, interval: float = 0.05, what: str = "condition") -> object:
    """Poll ``pred`` until truthy or raise after ``timeout`` seconds (no sleeps as synchronisation)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data dir and no ambient secrets or S3 settings."""
    for k in list(os.environ):
        if k.startswith("PERFORMATE_") or k in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PERFORMATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PERFORMATE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("PERFORMATE_RAISE_ERRORS", "1")  # the CLI lets unexpected errors raise under test
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()
    i18n.set_language("en")
    yield
    dbmod.forget_connections()
    reset_settings()
    i18n.set_language("en")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.media import make_clips

    return make_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto S3 server over HTTP on 127.0.0.1; yields its endpoint URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover
        need("moto server", False, str(exc))
        raise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Configure S3 storage against the moto server with a fresh bucket."""
    import boto3

    bucket = f"{BUCKET}-{os.urandom(4).hex()}"
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", bucket)
    monkeypatch.setenv("PERFORMATE_S3_ENDPOINT_URL", moto_server)
    reset_settings()
    yield {"bucket": bucket, "endpoint": moto_server}
    reset_settings()


logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def short_climb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5 s of the real fixed-camera clip (climber on the wall), 540x720, no audio: a fast real job."""
    from tests.media import REAL_FIXED, ffmpeg

    out = tmp_path_factory.mktemp("short") / "short_climb.mp4"
    ffmpeg("-ss", "1.5", "-t", "5", "-i", str(REAL_FIXED), "-an", "-vf", "scale=540:720", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    return out


def job_env(**extra: str) -> dict[str, str]:
    """Environment for worker subprocesses: fast jobs, short leases."""
    env = {k: v for k, v in os.environ.items()}
    env.update({"PERFORMATE_ANALYSIS_FPS": "6", "PERFORMATE_POSE_PROCESSES": "1", "PERFORMATE_KEY_FRAMES": "4",
                "PERFORMATE_LEASE_S": "4", "PERFORMATE_RETRY_BASE_S": "0.2", "PERFORMATE_ANALYZER": "offline",
                "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    env.update(extra)
    return env


def fast_settings(**kw: object) -> Settings:
    base = dict(analysis_fps=6, pose_processes=1, key_frames=4, lease_s=4, retry_base_s=0.2, analyzer="offline")
    base.update(kw)
    return Settings(**base)  # data dir from the per-test environment


_REPORTS: list[str] = []


def report(text: str) -> None:
    """Counts and figures a suite wants in the CI output (shown in the terminal summary)."""
    print(text)
    _REPORTS.append(text.strip("\n"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ANN001
    if _REPORTS:
        terminalreporter.section("suite counts")
        for line in _REPORTS:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_sign_in_lockouts() -> Iterator[None]:
    """Failed sign-ins are counted per browser in the process; every test starts with none."""
    from core.api import auth

    auth._failures.clear()
    yield
    auth._failures.clear()


@pytest.fixture
def seeded_completed(short_climb):
    """One completed offline analysis (analysed in English) owned by a climber: (id, climber)."""
    from core.jobs import Jobs
    from core.pipeline import analyze
    from tests.accounts import make_user

    reset_settings()
    s = fast_settings()
    user = make_user("lang@test.example")
    jobs = Jobs(s)
    aid = jobs.submit_ref(str(short_climb), {"climber": "Lena", "route_name": "Gelb 3", "language": "en",
                                             "owner_id": user.id})
    job = jobs.claim("t", aid)
    jobs.complete(aid, "t", analyze(job, s))
    return aid, user


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001
    """Keep each phase's report on the test item, so a fixture can act on a failed call."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
