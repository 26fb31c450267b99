"""The durable queue: transitions, idempotency, retries, dead letters, leases (unit level)."""
from __future__ import annotations

import random
import threading
import time

import pytest

from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs, backoff
from tests.conftest import fast_settings, wait_for


@pytest.fixture
def jobs() -> Jobs:
    return Jobs(fast_settings(max_attempts=3))


def statuses(jobs: Jobs, aid: str) -> list[str]:
    return [e["to_status"] for e in jobs.events(aid)]


def test_submit_is_idempotent_on_client_key_even_from_threads(jobs):
    ids: list[str] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            ids.append(jobs.submit_ref("videos/2026/01/01/a.mp4", {"climber": "Ana"}, client_key="double-click-1"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert len(set(ids)) == 1
    assert jobs.counts() == {"queued": 1}


def test_claim_complete_records_events(jobs):
    aid = jobs.submit_ref("k.mp4", {})
    job = jobs.claim("w1")
    assert job["analysis_id"] == aid and job["attempts"] == 1 and job["status"] == "running"
    assert jobs.claim("w2") is None  # leased
    assert jobs.heartbeat(aid, "w1", stage="pose", progress=0.5)
    assert jobs.complete(aid, "w1", {"performance_score": 70, "metrics": {"gie": 1.0}})
    rec = jobs.get(aid)
    assert rec["status"] == "completed" and rec["metrics"] == {"gie": 1.0} and rec["progress"] == 1.0
    assert statuses(jobs, aid) == ["queued", "running", "completed"]


def test_a_remote_workers_replay_is_stored_with_its_result_so_no_one_reads_it_completed_without(jobs):
    """A Celery worker renders the replay before it reports: the result and the replay are one
    write (two writes left a moment where the job read completed with no replay, and the Celery test
    read it in that moment once). Refused for someone else's lease, the replay is not stored either."""
    aid = jobs.submit_ref("k.mp4", {})
    jobs.claim("w1")
    assert not jobs.complete(aid, "w2", {"performance_score": 1}, replay_ref="s3://b/other.mp4")
    assert jobs.get(aid)["replay_ref"] is None
    assert jobs.complete(aid, "w1", {"performance_score": 70}, replay_ref="s3://b/replay.mp4")
    rec = jobs.get(aid)
    assert rec["status"] == "completed" and rec["replay_ref"] == "s3://b/replay.mp4"


def test_only_the_lease_owner_can_complete_so_duplicates_cannot_complete_twice(jobs):
    aid = jobs.submit_ref("k.mp4", {})
    jobs.claim("w1")
    assert not jobs.complete(aid, "someone-else", {"performance_score": 1})
    assert jobs.complete(aid, "w1", {"performance_score": 2})
    assert not jobs.complete(aid, "w1", {"performance_score": 3})  # a redelivery
    assert jobs.get(aid)["performance_score"] == 2
    assert statuses(jobs, aid).count("completed") == 1


def test_retryable_failure_backs_off_then_dead_letters_after_max_attempts(jobs):
    aid = jobs.submit_ref("k.mp4", {})
    for attempt in (1, 2, 3):
        job = None
        deadline = time.monotonic() + 10
        while job is None and time.monotonic() < deadline:  # wait for the backoff to pass
            job = jobs.claim("w")
            if job is None:
                row = jobs.get(aid)
                assert row["status"] == "queued" and row["next_run_at"] > time.time() - 0.01
                time.sleep(0.05)
        assert job and job["attempts"] == attempt
        status = jobs.fail(aid, "w", PipelineError(ErrorCode.STORAGE_UNAVAILABLE, "down"))
        assert status == ("queued" if attempt < 3 else "failed")
    rec = jobs.get(aid)
    assert rec["status"] == "failed" and rec["error_code"] == "STORAGE_UNAVAILABLE" and rec["attempts"] == 3


def test_non_retryable_fails_at_once(jobs):
    aid = jobs.submit_ref("k.mp4", {})
    jobs.claim("w")
    assert jobs.fail(aid, "w", PipelineError(ErrorCode.VIDEO_CORRUPT, "truncated")) == "failed"
    assert jobs.get(aid)["attempts"] == 1


def test_expired_lease_is_reclaimed_and_counted(jobs):
    jobs.settings = jobs.settings.model_copy(update={"lease_s": 0.2})
    aid = jobs.submit_ref("k.mp4", {})
    jobs.claim("dead-worker")
    assert jobs.claim("w2") is None
    job = wait_for(lambda: jobs.claim("w2"), timeout=5, what="the lease to lapse and the job to be reclaimed")
    assert job["analysis_id"] == aid and job["attempts"] == 2
    assert not jobs.heartbeat(aid, "dead-worker")
    codes = [e["error_code"] for e in jobs.events(aid)]
    assert "WORKER_CRASHED" in codes


def test_cancel_retry_and_retry_failed_by_code(jobs):
    a = jobs.submit_ref("a.mp4", {})
    assert jobs.cancel(a)
    assert jobs.get(a)["status"] == "cancelled"
    assert jobs.retry(a) and jobs.get(a)["status"] == "queued"
    b, c = jobs.submit_ref("b.mp4", {}), jobs.submit_ref("c.mp4", {})
    for aid, code in ((a, ErrorCode.VIDEO_CORRUPT), (b, ErrorCode.VIDEO_CORRUPT), (c, ErrorCode.NO_CLIMBER_DETECTED)):
        jobs.claim("w", aid)
        jobs.fail(aid, "w", PipelineError(code))
    assert sorted(jobs.retry_failed("VIDEO_CORRUPT")) == sorted([a, b])
    assert jobs.get(c)["status"] == "failed"
    assert jobs.get(a)["attempts"] == 0


def test_pause_switch_stops_claims(jobs):
    jobs.submit_ref("a.mp4", {})
    jobs.set_flag("queue_paused", True)
    assert jobs.claim("w") is None
    jobs.set_flag("queue_paused", False)
    assert jobs.claim("w") is not None


def test_backoff_grows_with_jitter():
    rng = random.Random(1)
    d = [backoff(a, 5.0, rng) for a in (1, 2, 3, 4)]
    assert 2.5 <= d[0] <= 7.5 and 20 <= d[3] <= 60
    assert backoff(30, 5.0, rng) <= 600


def test_queue_position_and_oldest_age(jobs):
    a = jobs.submit_ref("a.mp4", {})
    b = jobs.submit_ref("b.mp4", {})
    assert jobs.queue_position(a) == 1 and jobs.queue_position(b) == 2
    assert jobs.oldest_queued_age_s() >= 0
