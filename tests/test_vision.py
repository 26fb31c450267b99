"""Vision coaching against a local OpenAI-compatible stub over real HTTP, with the real SDK."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.analysis.base import Measured
from core.analysis.vision import VisionAnalyzer, breaker_open, gate
from core.config import Settings
from core.jobs import Jobs
from core.logs import setup_logging
from core.pipeline import analyze
from core.storage import get_store
from tests.conftest import fast_settings
from tests.openai_stub import Stub

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-test-SECRET-4242424242"


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub().start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def measured_base(short_climb: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[tuple[float, bytes]]]:
    s = Settings(data_dir=tmp_path_factory.mktemp("vision-base"), analyzer="offline", analysis_fps=6, pose_processes=1)
    rec = analyze({"analysis_id": "vbase", "video_ref": str(short_climb)}, s)
    store = get_store(s)
    return rec, [(k["time"], store.get_bytes(k["key"])) for k in rec["key_frames"]]


def vsettings(stub: Stub, **kw: object) -> Settings:
    return fast_settings(analyzer="vision", openai_api_key=KEY, openai_base_url=stub.base_url,
                         vision_model="stub-vision", vision_timeout_s=1.0, vision_max_images=4, **kw)


def coach(stub: Stub, measured_base, job: dict | None = None, **kw: object) -> dict:
    rec, jpegs = measured_base
    return VisionAnalyzer().coach(Measured(rec, jpegs), {"analysis_id": "v1", "climber": "Ana", **(job or {})},
                                  vsettings(stub, **kw))


def test_one_request_low_detail_images_strict_schema_and_measured_numbers(stub, measured_base):
    out = coach(stub, measured_base)
    reqs = stub.chat_requests()
    assert len(reqs) == 1
    body = reqs[0]["body"]
    content = body["messages"][1]["content"]
    images = [p for p in content if p["type"] == "image_url"]
    assert 1 <= len(images) <= 4
    assert all(p["image_url"]["detail"] == "low" for p in images)
    assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"]
    facts = json.loads(content[0]["text"].split("\n", 1)[1].split("\n\nKey frames")[0])
    rec = measured_base[0]
    for k, v in facts["metrics"].items():
        assert rec["metrics"][k] == v
    # numbers stay measured, words come from the model
    assert [p["score"] for p in out["technique_points"]] == [p["score"] for p in rec["technique_points"]]
    assert out["performance_score"] == rec["performance_score"]
    assert out["summary"].startswith("Solid start")
    assert out["analyzers_used"] == ["offline", "vision:stub-vision"]
    assert out["cost"]["tokens_in"] == 1200 and out["cost"]["tokens_out"] == 350 and out["cost"]["usd"] > 0
    assert out["route_analysis"]["difficulty_estimated"]["grade"] == "V3-V4"
    assert not out.get("degraded")


def test_same_request_is_cached_another_climber_pays_again(stub, measured_base):
    a = coach(stub, measured_base)
    b = coach(stub, measured_base)
    assert len(stub.chat_requests()) == 1
    assert b["cost"]["cached"] and b["cost"]["usd"] == 0 and b["summary"] == a["summary"]
    coach(stub, measured_base, job={"climber": "Ben"})
    assert len(stub.chat_requests()) == 2


def test_429_twice_then_success(stub, measured_base):
    stub.script = ["429", "429", "ok"]
    out = coach(stub, measured_base)
    assert len(stub.chat_requests()) == 3  # the SDK's own two retries, honouring Retry-After
    assert not out.get("degraded")


@pytest.mark.parametrize("mode,reason,requests", [
    ("500", "VISION_UNAVAILABLE", 3),
    ("429", "VISION_RATE_LIMITED", 3),
    ("hang", "VISION_TIMEOUT", 3),
    ("malformed", "VISION_BAD_RESPONSE", 2),
    ("schema", "VISION_BAD_RESPONSE", 2),
    ("refusal", "VISION_BAD_RESPONSE", 1),
    ("401", "VISION_AUTH_FAILED", 1),
])
def test_failures_complete_degraded_with_reason(stub, measured_base, mode, reason, requests):
    stub.default = mode
    stub.hang_s = 3.0
    out = coach(stub, measured_base)
    assert out["degraded"] and out["degraded_reason"] == reason
    assert len(stub.chat_requests()) == requests
    rec = measured_base[0]
    assert out["summary"] == rec["summary"]  # the offline feedback stands in
    assert out["performance_score"] == rec["performance_score"]
    assert KEY not in json.dumps(out)


def test_malformed_then_repaired(stub, measured_base):
    stub.script = ["malformed", "ok"]
    out = coach(stub, measured_base)
    assert not out.get("degraded") and len(stub.chat_requests()) == 2
    assert out["vision_call"]["requests"] == 2


def test_no_key_or_image_data_in_logs_or_errors(stub, measured_base):
    buf = io.StringIO()
    setup_logging("DEBUG", stream=buf)
    try:
        stub.default = "500"
        out = coach(stub, measured_base)
    finally:
        setup_logging("INFO", stream=sys.stderr)
    text = buf.getvalue() + json.dumps(out)
    assert "vision.failed" in buf.getvalue()
    assert KEY not in text
    assert "base64" not in text and "/9j/" not in text  # no JPEG data
    headers = {k.lower(): v for k, v in stub.chat_requests()[0]["headers"].items()}
    assert headers["authorization"] == f"Bearer {KEY}"  # it was sent, only to the endpoint


def _run(jobs: Jobs, s: Settings, aid: str) -> dict:
    job = jobs.claim("t", aid)
    assert job is not None
    jobs.complete(aid, "t", analyze(job, s))
    return jobs.get(aid)


def test_breaker_opens_after_failures_and_later_jobs_make_no_request(stub, short_climb):
    stub.default = "500"
    s = vsettings(stub)
    jobs = Jobs(s)
    for i in range(3):
        rec = _run(jobs, s, jobs.submit_ref(str(short_climb), {"climber": f"c{i}"}))
        assert rec["degraded"] and rec["degraded_reason"] == "VISION_UNAVAILABLE"
    n = len(stub.chat_requests())
    assert n == 9 and breaker_open(jobs.db)
    rec = _run(jobs, s, jobs.submit_ref(str(short_climb), {"climber": "later"}))
    assert rec["status"] == "completed" and rec["degraded_reason"] == "circuit_open"
    assert len(stub.chat_requests()) == n  # no request while open
    # the admin re-runs vision once the model is back: the breaker lets the retry through later
    stub.default = "ok"
    jobs.db.conn.execute("update vision_calls set at = '2000-01-01T00:00:00+00:00'")
    assert gate(jobs.db, s, paused=False) is None


def test_paused_vision_and_daily_budget(stub, short_climb):
    s = vsettings(stub, vision_daily_budget_usd=0.0)
    jobs = Jobs(s)
    rec = _run(jobs, s, jobs.submit_ref(str(short_climb), {}))
    assert rec["degraded_reason"] == "daily_budget" and len(stub.chat_requests()) == 0
    s2 = vsettings(stub)
    jobs2 = Jobs(s2)
    jobs2.set_flag("vision_paused", True)
    rec = _run(jobs2, s2, jobs2.submit_ref(str(short_climb), {}))
    assert rec["degraded_reason"] == "paused" and len(stub.chat_requests()) == 0


def test_same_video_twice_one_request_and_rerun_vision_reuses(stub, short_climb):
    s = vsettings(stub)
    jobs = Jobs(s)
    a = _run(jobs, s, jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": "R1"}))
    b = _run(jobs, s, jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": "R1"}))
    assert len(stub.chat_requests()) == 1
    assert a["cost"]["usd"] > 0 and b["cost"]["cached"]
    assert jobs.retry(a["analysis_id"], vision_only=True)
    again = _run(jobs, s, a["analysis_id"])
    assert again["status"] == "completed" and len(stub.chat_requests()) == 1  # a retried job pays nothing


def test_cli_analyze_with_vision_against_any_compatible_endpoint(stub, short_climb):
    env = {**os.environ, "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": stub.base_url, "PERFORMATE_VISION_MODEL": "stub-vision",
           "PERFORMATE_ANALYSIS_FPS": "6", "PERFORMATE_POSE_PROCESSES": "1"}
    r = subprocess.run([sys.executable, "-m", "core", "analyze", str(short_climb), "--analyzer", "vision", "--no-replay"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rec = json.loads(r.stdout)
    assert rec["analyzers_used"] == ["offline", "vision:stub-vision"]
    assert rec["cost"]["tokens_in"] == 1200
    assert len(stub.chat_requests()) == 1
    assert KEY not in r.stderr and KEY not in r.stdout
