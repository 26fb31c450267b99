"""AppTest for every page: empty database, and one with completed, failed, degraded and running
analyses; the admin gate; admin buttons that call the API and change state."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import api
from core.config import reset_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs
from core.pipeline import analyze
from tests.conftest import fast_settings

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/upload.py", "pages/results.py", "pages/compare.py", "pages/admin.py"]
ADMIN_PW = "pages-admin-pw"


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    return at


def render_all(at: AppTest) -> dict[str, AppTest]:
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
    return {}


def test_every_page_renders_on_an_empty_database():
    at = app()
    assert not at.exception
    render_all(at)


@pytest.fixture
def seeded(short_climb, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("PERFORMATE_ADMIN_PASSWORD", ADMIN_PW)
    reset_settings()
    s = fast_settings()
    jobs = Jobs(s)
    ids = {}
    for name, degraded in (("completed", False), ("degraded", True)):
        aid = jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": f"R-{name}", "grade": "6a"})
        job = jobs.claim("t", aid)
        rec = analyze(job, s)
        if degraded:
            rec.update(degraded=True, degraded_reason="VISION_UNAVAILABLE")
        jobs.complete(aid, "t", rec)
        ids[name] = aid
    ids["failed"] = jobs.submit_ref("videos/2026/01/01/gone.mp4", {"climber": "Ben"})
    jobs.claim("t", ids["failed"])
    jobs.fail(ids["failed"], "t", PipelineError(ErrorCode.VIDEO_CORRUPT, "truncated"))
    ids["running"] = jobs.submit_ref(str(short_climb), {"climber": "Cy"})
    jobs.claim("t", ids["running"])
    jobs.heartbeat(ids["running"], "t", stage="pose", progress=0.4)
    ids["queued"] = jobs.submit_ref(str(short_climb), {"climber": "Di"})
    return ids


def test_every_page_renders_with_every_state(seeded):
    at = app()
    render_all(at)
    for state in ("completed", "degraded", "failed", "running", "queued"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.query_params["id"] = seeded[state]
        at.run()
        at.switch_page("pages/results.py")
        at.run()
        assert not at.exception, state
        if state in ("completed", "degraded"):
            assert any("/100" in str(m.value) for m in at.metric)
            assert at.get("plotly_chart"), state
        if state == "degraded":
            assert any("coaching model was unavailable" in w.value for w in at.warning)
        if state == "failed":
            assert any("damaged or incomplete" in e.value for e in at.error)
        if state == "running":
            assert any("Tracking your body" in str(p.proto.text) for p in at.get("progress"))


def test_upload_page_lists_recent_uploads_and_live_status(seeded):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["id"] = seeded["running"]
    at.run()
    assert not at.exception
    text = " ".join(str(m.value) for m in at.markdown)
    assert "Ana" in text and "Ben" in text and "Cy" in text
    assert at.get("progress")  # the live status of the analysis in the URL


def test_admin_gate_then_retry_and_rerun_vision_change_state(seeded):
    at = app()
    at.switch_page("pages/admin.py")
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    at.text_input[0].input(ADMIN_PW)
    at.button[0].click()
    at.run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Retry this analysis" in labels and "Re-run vision" in labels
    next(b for b in at.button if b.label == "Retry this analysis").click()
    at.run()
    assert not at.exception
    assert api.get(seeded["failed"])["status"] == "queued"
    assert [e["to_status"] for e in api.events(seeded["failed"])][-1] == "queued"
    next(b for b in at.button if b.label == "Re-run vision").click()
    at.run()
    assert api.get(seeded["degraded"])["status"] == "queued"
    assert api.get(seeded["degraded"])["analyzer"] == "vision"


def test_compare_side_by_side_with_two_completed(seeded):
    at = app()
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    assert at.get("plotly_chart")
    assert at.table  # the metric deltas
