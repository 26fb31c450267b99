"""The Celery executor with the machine's Redis and a real worker process, against S3 (moto)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import get_settings, reset_settings
from core.errors import PipelineError
from core.jobs import Jobs
from core.storage import get_store
from tests.conftest import job_env, need, wait_for
from tests.media import REAL_FIXED

ROOT = Path(__file__).resolve().parents[1]
BROKER = "redis://127.0.0.1:6379/13"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_celery_executor_refuses_local_storage():
    from core.runtime.celery_app import CeleryExecutor

    with pytest.raises(PipelineError) as e:
        CeleryExecutor(get_settings())
    assert "S3" in e.value.detail


@pytest.fixture
def celery_env(s3, monkeypatch, tmp_path):
    need("redis", redis_up(), "no Redis on 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    monkeypatch.setenv("PERFORMATE_EXECUTOR", "celery")
    monkeypatch.setenv("PERFORMATE_BROKER_URL", BROKER)
    for k, v in job_env().items():
        if k.startswith("PERFORMATE_"):
            monkeypatch.setenv(k, v)
    monkeypatch.setenv("PERFORMATE_LEASE_S", "20")
    monkeypatch.setenv("PERFORMATE_JOB_TIMEOUT_S", "120")
    reset_settings()
    # the worker has its own disk: it can only reach the video through S3
    env = {**os.environ, "PERFORMATE_DATA_DIR": str(tmp_path / "worker-disk"), "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core.runtime.celery_app", "worker", "--concurrency", "1", "--pool", "prefork",
         "-l", "warning", "-n", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "w"), start_new_session=True)
    worker.log_path = tmp_path / "worker.log"  # type: ignore[attr-defined]
    yield worker
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


def _pool_children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_celery_job_completes_with_visible_progress_and_survives_a_killed_worker(celery_env):
    from core.runtime.celery_app import CeleryExecutor

    s = get_settings()
    store = get_store(s)
    jobs = Jobs(s)
    ex = CeleryExecutor(s)
    ex.start()
    try:
        # the 15 s clip runs long enough for the collector (0.5 s polls) to see progress every time
        ref = store.put(REAL_FIXED, "videos/2026/04/01/celery.mp4")
        aid = jobs.submit_ref(ref, {"climber": "Remote"})
        ex.notify()
        seen = wait_for(lambda: (jobs.get(aid) or {}).get("progress", 0) > 0 and jobs.get(aid)["status"] == "running"
                        and jobs.get(aid), timeout=200, interval=0.02, what="progress from the remote worker")
        assert seen["stage"] in ("resolve", "probe", "validate", "sample", "pose", "metrics", "feedback", "persist")
        wait_for(lambda: jobs.get(aid)["status"] in ("completed", "failed"), timeout=240, what="completion")
        rec = jobs.get(aid)
        assert rec["status"] == "completed", rec.get("error_detail")
        assert rec["key_frames"] and store.exists(rec["key_frames"][0]["key"])  # written to S3 by the worker
        assert rec["replay_ref"] and rec["replay_ref"].startswith("s3://")

        # a worker killed mid-task: its task goes back on the queue and is redelivered (the 15 s clip
        # keeps the task busy long enough that the kill lands while it runs)
        aid2 = jobs.submit_ref(ref, {"climber": "Remote2"})
        ex.notify()
        wait_for(lambda: jobs.get(aid2)["stage"] in ("sample", "pose") and jobs.get(aid2)["progress"] < 0.6,
                 timeout=120, interval=0.02, what="task running")
        kids = _pool_children(celery_env.pid)
        assert kids
        for k in kids:
            os.kill(k, signal.SIGKILL)
        wait_for(lambda: jobs.get(aid2)["status"] in ("completed", "failed"), timeout=300, what="redelivered completion")
        rec2 = jobs.get(aid2)
        assert rec2["status"] == "completed", rec2.get("error_detail")
        assert [e["to_status"] for e in jobs.events(aid2)].count("completed") == 1
        starts = [line for line in celery_env.log_path.read_text().splitlines()
                  if "celery.task_started" in line and aid2 in line]
        assert len(starts) >= 2, starts  # the task really ran again after the kill
    finally:
        ex.stop()
