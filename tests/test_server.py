"""The service as Render starts it: render.yaml's start command with a PORT, then its routes."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.serve import serve

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "api-token-for-tests-123456"


def start_command() -> str:
    text = (ROOT / "render.yaml").read_text()
    return re.search(r"startCommand:\s*(.+)", text).group(1).strip()


def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict | str]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read().decode(), e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, short_climb: Path) -> Iterator[dict]:
    data = tmp_path_factory.mktemp("service")
    env = {"PERFORMATE_API_TOKEN": TOKEN, "PERFORMATE_ANALYZER": "offline", "PERFORMATE_ANALYSIS_FPS": "6",
           "PERFORMATE_POSE_PROCESSES": "1"}
    with serve(data, env, command=start_command()) as (base, log):
        yield {"base": base, "data": data, "short": short_climb}
    text = log.read_text()
    assert "service.stopped" in text  # lifespan ran its shutdown on SIGTERM
    assert TOKEN not in text


def test_liveness_and_real_routes(service):
    base = service["base"]
    assert http("GET", base + "/_stcore/health")[0] == 200
    # a plain `streamlit run` would answer any path with 200 and HTML; these are real routes
    status, body = http("GET", base + "/health/analysis-pipeline")
    wait_for(lambda: http("GET", base + "/health/analysis-pipeline")[0] in (200, 503)
             and isinstance(http("GET", base + "/health/analysis-pipeline")[1], dict)
             and http("GET", base + "/health/analysis-pipeline")[1].get("checks"), timeout=60,
             what="the first scheduled health check")
    status, body = http("GET", base + "/health/analysis-pipeline")
    assert isinstance(body, dict) and {c["name"] for c in body["checks"]} >= {"database", "storage", "decode", "pose"}
    critical = {c["name"]: c["status"] for c in body["checks"] if c["name"] in ("database", "storage", "decode", "pose", "workers")}
    assert critical == dict.fromkeys(critical, "ok") and len(critical) == 5, body  # a working service is healthy
    assert status == 200 and body["status"] != "unhealthy"
    status, text = http("GET", base + "/metrics")
    assert status == 200 and "analysis_completed_total" in text and "# TYPE analysis_duration_seconds histogram" in text
    assert http("GET", base + "/api/analyses/nope")[0] == 401


def test_api_rejects_bad_tokens_and_works_with_the_right_one(service):
    base = service["base"]
    assert http("POST", base + "/api/analyses", {"video_ref": "x"})[0] == 401
    assert http("POST", base + "/api/analyses", {"video_ref": "x"}, token="wrong")[0] == 401
    assert http("POST", base + "/api/analyses/abc/retry", token="wrong")[0] == 401
    status, body = http("POST", base + "/api/analyses", {"video_ref": "/etc/passwd"}, token=TOKEN)
    assert status == 400 and body["error_code"] == "VIDEO_NOT_FOUND"
    status, body = http("POST", base + "/api/analyses", {"video_ref": "videos/2026/01/01/missing.mp4"}, token=TOKEN)
    assert status == 400 and body["error_code"] == "VIDEO_NOT_FOUND"
    assert http("GET", base + "/api/analyses/nope", token=TOKEN)[0] == 404


def _counter(text: str, name: str) -> float:
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_metrics_move_with_a_real_analysis_submitted_through_the_api(service):
    base = service["base"]
    before = http("GET", base + "/metrics")[1]
    key = "videos/2026/05/01/api-upload.mp4"
    dst = service["data"] / "blobs" / key
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(service["short"].read_bytes())
    status, body = http("POST", base + "/api/analyses", {"video_ref": key, "climber": "API", "grade": "6a"}, token=TOKEN)
    assert status == 201, body
    aid = body["analysis_id"]
    wait_for(lambda: http("GET", f"{base}/api/analyses/{aid}", token=TOKEN)[1]["status"] in ("completed", "failed"),
             timeout=180, interval=0.5, what="the API-submitted analysis")
    status, rec = http("GET", f"{base}/api/analyses/{aid}", token=TOKEN)
    assert rec["status"] == "completed" and rec["performance_score"] is not None and "lease_owner" not in rec
    after = http("GET", base + "/metrics")[1]
    assert _counter(after, "analysis_completed_total") == _counter(before, "analysis_completed_total") + 1
    assert _counter(after, "analysis_started_total") == _counter(before, "analysis_started_total") + 1
    assert _counter(after, "analysis_duration_seconds_count") == _counter(before, "analysis_duration_seconds_count") + 1
    assert http("POST", f"{base}/api/analyses/{aid}/retry", token=TOKEN)[0] == 409  # completed: nothing to retry
