"""The queue with real processes: kill -9 mid-job, concurrency, a storage outage."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import boto3

from core.config import reset_settings
from core.jobs import Jobs
from core.runtime.inline import InlineExecutor
from core.storage import get_store
from tests.conftest import fast_settings, free_port, job_env, wait_for

ROOT = Path(__file__).resolve().parents[1]


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def test_kill_9_worker_mid_job_then_another_worker_completes_it_once(short_climb, tmp_path):
    data = os.environ["PERFORMATE_DATA_DIR"]
    env = job_env(PERFORMATE_DATA_DIR=data)
    jobs = Jobs(fast_settings())
    aid = jobs.submit_ref(str(short_climb), {"climber": "Ana"})
    w1 = subprocess.Popen([sys.executable, "-m", "core", "worker"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (jobs.get(aid) or {}).get("stage") in ("sample", "pose", "metrics"), timeout=90,
                 what="the job to be mid-pipeline")
        kids = _children_of(w1.pid)
        assert kids, "the attempt runs in a child process"
        os.kill(w1.pid, signal.SIGKILL)
        w1.wait(10)
        # the orphaned attempt dies with its parent (PR_SET_PDEATHSIG): nothing left running
        wait_for(lambda: not any(Path(f"/proc/{k}").exists() for k in kids), timeout=20, what="child to exit")
        assert jobs.get(aid)["status"] == "running"  # until the lease lapses
    finally:
        if w1.poll() is None:
            w1.kill()
    w2 = subprocess.Popen([sys.executable, "-m", "core", "worker"], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: jobs.get(aid)["status"] in ("completed", "failed"), timeout=120, what="completion")
    finally:
        w2.send_signal(signal.SIGTERM)
        w2.wait(30)
    rec = jobs.get(aid)
    assert rec["status"] == "completed", rec.get("error_detail")
    assert rec["attempts"] == 2
    ev = jobs.events(aid)
    assert [e["to_status"] for e in ev].count("completed") == 1
    assert any(e["error_code"] == "WORKER_CRASHED" and "reclaimed" in (e["detail"] or "") for e in ev)
    assert w2.returncode == 0


def test_twenty_jobs_from_threads_two_workers_all_complete_once(short_climb):
    s = fast_settings(workers=2)
    jobs = Jobs(s)
    ex = InlineExecutor(s)
    ex.start()
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        try:
            for i in range(n):
                aid = Jobs(s).submit_ref(str(short_climb), {"climber": f"c{i}"})
                with lock:
                    ids.append(aid)
                ex.notify()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    stop_reading = threading.Event()

    def read() -> None:  # a dashboard polling while it runs
        try:
            while not stop_reading.is_set():
                Jobs(s).counts()
                Jobs(s).oldest_queued_age_s()
                stop_reading.wait(0.05)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(5,)) for _ in range(4)] + [threading.Thread(target=read)]
    [t.start() for t in threads]
    [t.join() for t in threads[:4]]
    try:
        wait_for(lambda: jobs.counts().get("completed", 0) + jobs.counts().get("failed", 0) >= 20, timeout=420,
                 interval=0.5, what="20 jobs to finish")
    finally:
        stop_reading.set()
        threads[-1].join()
        ex.stop()
    assert not errors, errors
    assert len(set(ids)) == 20
    assert jobs.counts() == {"completed": 20}
    for aid in ids:
        assert [e["to_status"] for e in jobs.events(aid)].count("completed") == 1
    workers = {e["detail"] for aid in ids for e in jobs.events(aid) if e["to_status"] == "running"}
    assert len(workers) == 2  # both supervisors took work


def test_storage_outage_jobs_back_off_and_complete_when_it_returns(short_climb, clips, monkeypatch):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="outage2")
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", "outage2")
    monkeypatch.setenv("PERFORMATE_S3_ENDPOINT_URL", endpoint)
    reset_settings()
    s = fast_settings(workers=2, max_attempts=8, retry_base_s=0.3)
    store = get_store(s)
    good = [store.put(short_climb, f"videos/2026/02/0{i}/ok.mp4") for i in range(3)]
    bad = store.put(clips["truncated"], "videos/2026/02/09/bad.mp4")
    jobs = Jobs(s)
    server.stop()
    ids = [jobs.submit_ref(r, {}) for r in good]
    bad_id = jobs.submit_ref(bad, {})
    ex = InlineExecutor(s)
    ex.start()
    try:
        wait_for(lambda: all(any(e["error_code"] == "STORAGE_UNAVAILABLE" for e in jobs.events(a)) for a in ids),
                 timeout=120, what="every job to hit the outage and back off")
        assert all(jobs.get(a)["status"] in ("queued", "running") for a in ids)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        wait_for(lambda: all(jobs.get(a)["status"] in ("completed", "failed") for a in ids + [bad_id]),
                 timeout=300, interval=0.5, what="jobs to finish after the outage")
    finally:
        ex.stop()
        server.stop()
    for a in ids:
        rec = jobs.get(a)
        assert rec["status"] == "completed", (rec["error_code"], rec["error_detail"])
        assert rec["attempts"] >= 2
    bad_rec = jobs.get(bad_id)
    assert bad_rec["status"] == "failed" and bad_rec["error_code"] == "VIDEO_CORRUPT"
    # the corrupt video failed at once once storage was back (no retries spent on it)
    assert [e["error_code"] for e in jobs.events(bad_id) if e["to_status"] == "failed"] == ["VIDEO_CORRUPT"]


def test_max_attempts_then_failed_while_storage_stays_down(monkeypatch):
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", "nowhere")
    monkeypatch.setenv("PERFORMATE_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    reset_settings()
    s = fast_settings(workers=1, max_attempts=2, retry_base_s=0.1)
    jobs = Jobs(s)
    aid = jobs.submit_ref("videos/2026/03/01/x.mp4", {})
    ex = InlineExecutor(s)
    ex.start()
    try:
        wait_for(lambda: jobs.get(aid)["status"] == "failed", timeout=120, what="dead letter")
    finally:
        ex.stop()
    rec = jobs.get(aid)
    assert rec["attempts"] == 2 and rec["error_code"] == "STORAGE_UNAVAILABLE"
