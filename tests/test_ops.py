"""Operations: health checks that fail for real, SLIs, alerts with a webhook receiver."""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from core import db as dbm
from core.config import get_settings, reset_settings
from core.ops import alerts, health, sli
from core.runtime.inline import InlineExecutor
from core.storage.local import LocalStore
from tests.conftest import free_port, need
from tests.openai_stub import Stub

ROOT = Path(__file__).resolve().parents[1]


def statuses(rep: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in rep["checks"]}


def test_all_checks_pass_on_a_working_local_setup():
    ex = InlineExecutor(get_settings(), workers=1)
    from core.runtime import executors

    executors._EXECUTOR = ex
    ex.start()
    try:
        rep = health.run_checks()
    finally:
        ex.stop()
        executors._EXECUTOR = None
    st = statuses(rep)
    assert rep["status"] == "healthy", rep
    assert st["database"] == st["storage"] == st["decode"] == st["pose"] == st["workers"] == "ok"
    assert st["vision"] == "skipped"
    assert health.latest()["at"] == rep["at"]  # kept in the history


def test_s3_stopped_makes_storage_fail_and_the_service_unhealthy(monkeypatch):
    from moto.server import ThreadedMotoServer

    port = free_port()
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    srv.start()
    boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1").create_bucket(Bucket="health-check")
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", "health-check")
    monkeypatch.setenv("PERFORMATE_S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    reset_settings()
    assert statuses(health.run_checks(record=False))["storage"] == "ok"
    srv.stop()
    rep = health.run_checks()
    assert statuses(rep)["storage"] == "fail" and "STORAGE_UNAVAILABLE" in rep["checks"][1]["detail"]
    assert rep["status"] == "unhealthy"


@pytest.fixture
def full_disk(tmp_path) -> Iterator[Path]:
    """A real 96 KB filesystem, filled up: writes there fail with ENOSPC from the kernel."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mnt)], capture_output=True, text=True)
    need("tmpfs mount", r.returncode == 0, f"cannot mount a small filesystem: {r.stderr.strip()}")
    try:
        with open(mnt / "filler", "wb") as f:
            try:
                f.write(b"\0" * (200 * 1024))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_disk_at_the_storage_layer_fails_storage(full_disk):
    rep = health.run_checks(store=LocalStore(full_disk / "blobs"))
    storage = next(c for c in rep["checks"] if c["name"] == "storage")
    assert storage["status"] == "fail" and storage["detail"].startswith("STORAGE_FULL"), storage
    assert rep["status"] == "unhealthy"


def test_the_health_check_keeps_stderr_to_json_log_lines():
    """The pose check loads the models in the calling process; LiteRT's own C++ messages must not
    land between the JSON log lines a log shipper parses."""
    r = subprocess.run([sys.executable, "-m", "core", "health", "--json"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PERFORMATE_LOG_LEVEL": "info"})
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["event"] for line in lines), lines[:5]


def test_corrupt_decode_clip_fails_decode():
    d = health.health_dir(get_settings())
    (d / "decode-check.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    rep = health.run_checks(record=False)
    assert statuses(rep)["decode"] == "fail" and rep["status"] == "unhealthy"


def test_fresh_install_is_healthy_from_the_cli(capsys):
    """No worker has run and nothing waits: `python -m core health` exits 0 with the pose check
    passing on the reference frame kept in the repo."""
    from core.cli import main

    assert main(["health", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    st = statuses(rep)
    assert rep["status"] == "healthy" and st["pose"] == "ok" and st["workers"] == "ok", rep


def test_what_the_checks_found_reads_in_the_admins_language_and_stays_english_in_the_report():
    """Seen at 390 px in German: the admin's health table said "read back what was written",
    "person found (torso visibility 0.83)", "data disk 41% used". The report (/health, the logs)
    keeps English; the page renders each check's words in the reader's language, numbers its way."""
    from core import api, i18n

    rep = health.run_checks(record=False)
    found = {c["name"]: c for c in rep["checks"]}
    assert found["database"]["detail"] == "read back what was written"
    assert re.fullmatch(r"person found \(torso visibility [01]\.\d\d\)", found["pose"]["detail"]), found["pose"]
    assert found["disk"]["detail"].startswith("data disk ") and found["disk"]["detail"].endswith("% used")
    i18n.set_language("de")
    try:
        assert api.check_detail(found["database"]) == "Geschriebenes wieder gelesen"
        assert re.fullmatch(r"Person gefunden \(Sichtbarkeit des Rumpfs [01],\d\d\)", api.check_detail(found["pose"]))
        assert re.fullmatch(r"Datenplatte zu \d+\s% belegt", api.check_detail(found["disk"])), api.check_detail(found["disk"])
        assert [api.check_name(n) for n in ("database", "vision", "disk")] == ["Datenbank", "Coaching-Modell", "Festplatte"]
        # an error's own text, and a check recorded before its words were kept, as recorded
        assert api.check_detail({"name": "storage", "detail": "STORAGE_FULL: no space"}) == "STORAGE_FULL: no space"
        figure = api.charts.health_figure([rep])
        assert list(figure.data[0].y)[0] == "Datenbank"
    finally:
        i18n.set_language("en")
    assert api.check_detail(found["database"]) == "read back what was written"


def test_the_canary_runs_the_whole_pipeline_through_the_queue_and_stays_out_of_the_slis(short_climb, monkeypatch):
    """The canary: a real clip through the queue and a worker, caches bypassed; what it found in
    words, and the analysis tagged so the users' SLIs do not count it."""
    from core import api, i18n
    from core.jobs import Jobs
    from core.runtime import executors

    monkeypatch.setenv("PERFORMATE_CANARY_VIDEO", str(short_climb))
    reset_settings()
    ex = InlineExecutor(get_settings(), workers=1)
    executors._EXECUTOR = ex
    ex.start()
    try:
        rep = health.run_checks(canary=True, record=False, notify=ex.notify)
    finally:
        ex.stop()
        executors._EXECUTOR = None
    canary = next(c for c in rep["checks"] if c["name"] == "canary")
    assert canary["status"] == "ok", canary
    assert re.fullmatch(r"\d+ ms, score \d+, \d+ contacts", canary["detail"]), canary["detail"]
    i18n.set_language("de")
    try:
        assert re.fullmatch(r"\d+ ms, Leistungswert \d+, \d+ Kontakte", api.check_detail(canary))
    finally:
        i18n.set_language("en")
    runs = [r for r in Jobs(get_settings()).db.conn.execute("select canary, status from analyses").fetchall()]
    assert runs and all(r[0] == 1 for r in runs) and runs[-1][1] == "completed", runs
    assert sli.compute()["windows"]["1h"]["finished"] == 0  # a canary is not a user's analysis


def test_workers_are_judged_from_their_heartbeats_in_the_database():
    from core.jobs import Jobs

    jobs = Jobs(get_settings())
    db = jobs.db
    jobs.worker_beat("w-live", "inline")
    assert statuses(health.run_checks(record=False))["workers"] == "ok"
    jobs.worker_beat("w-stale", "inline")
    db.conn.execute("update workers set beat_at = beat_at - 300 where worker = 'w-stale'")
    assert statuses(health.run_checks(record=False))["workers"] == "degraded"
    jobs.worker_stopped("w-live")
    assert statuses(health.run_checks(record=False))["workers"] == "fail"  # the only one left stopped beating
    db.conn.execute("update workers set beat_at = beat_at - 7200 where worker = 'w-stale'")  # long gone
    assert statuses(health.run_checks(record=False))["workers"] == "ok"  # idle, nothing waiting
    aid = jobs.submit_ref("videos/2026/01/01/x.mp4", {})
    db.conn.execute("update analyses set queued_at = '2000-01-01T00:00:00+00:00' where analysis_id = ?", [aid])
    check = next(c for c in health.run_checks(record=False)["checks"] if c["name"] == "workers")
    assert check["status"] == "fail" and "waited" in check["detail"]


def test_broken_database_fails_database(tmp_path, monkeypatch):
    data = tmp_path / "broken"
    (data / "performate.db").mkdir(parents=True)  # a directory where the database file should be
    monkeypatch.setenv("PERFORMATE_DATA_DIR", str(data))
    reset_settings()
    rep = health.run_checks(record=False)
    assert statuses(rep)["database"] == "fail" and rep["status"] == "unhealthy"


def test_corrupted_pose_model_fails_pose(tmp_path):
    """A mediapipe install whose pose model file is corrupted (the package found first on the path)."""
    import mediapipe

    real = Path(mediapipe.__file__).parent
    shadow = tmp_path / "shadow" / "mediapipe"
    shadow.mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name != "modules":
            (shadow / entry.name).symlink_to(entry)
    mods = shadow / "modules"
    mods.mkdir()
    for entry in (real / "modules").iterdir():
        if entry.name != "pose_landmark":
            (mods / entry.name).symlink_to(entry)
    shutil.copytree(real / "modules" / "pose_landmark", mods / "pose_landmark")
    (mods / "pose_landmark" / "pose_landmark_full.tflite").write_bytes(b"corrupted model")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'shadow'}:{ROOT}"}
    r = subprocess.run([sys.executable, "-m", "core", "health", "--json"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    rep = json.loads(r.stdout)
    assert statuses(rep)["pose"] == "fail", rep
    assert r.returncode == 2 and rep["status"] == "unhealthy"


def test_vision_down_fails_the_vision_check_but_only_degrades(monkeypatch):
    stub = Stub().start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-health-check-key")
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("PERFORMATE_VISION_MODEL", "stub-vision")
    reset_settings()
    assert statuses(health.run_checks(record=False))["vision"] == "ok"
    stub.default = "401"
    rep = health.run_checks(record=False)
    assert statuses(rep)["vision"] == "fail" and "VISION_AUTH_FAILED" in json.dumps(rep)
    stub.stop()
    rep = health.run_checks(record=False)
    assert statuses(rep)["vision"] == "fail"
    # analyses still complete (degraded) without the model, so the service is degraded, not down
    assert rep["status"] in ("degraded", "unhealthy") and "sk-health-check-key" not in json.dumps(rep)


# --- SLIs -------------------------------------------------------------------------------------
def _insert(n: int, status: str, *, code: str | None = None, degraded: bool = False, reason: str | None = None,
            duration: float = 30.0, age_s: float = 60.0, canary: bool = False) -> None:
    db = dbm.connect(get_settings().db_path)
    at = (datetime.now(UTC) - timedelta(seconds=age_s)).isoformat(timespec="milliseconds")
    db["analyses"].insert_all([{
        "analysis_id": uuid.uuid4().hex, "status": status, "error_code": code, "degraded": int(degraded),
        "degraded_reason": reason, "duration_s": duration if status == "completed" else None, "created_at": at,
        "queued_at": at, "finished_at": at, "canary": int(canary), "attempts": 1} for _ in range(n)])


def test_sli_availability_excludes_user_input_failures_and_canaries():
    _insert(196, "completed", duration=40)
    _insert(2, "completed", degraded=True, reason="VISION_UNAVAILABLE", duration=100)
    _insert(1, "failed", code="STORAGE_UNAVAILABLE")
    _insert(5, "failed", code="VIDEO_CORRUPT")  # the user's file: not our failure
    _insert(3, "failed", code="TIMEOUT", canary=True)  # canaries do not count
    w = sli.compute()["windows"]["1h"]
    assert w["finished"] == 204 and w["failed_user_input"] == 5
    assert w["availability"] == pytest.approx(198 / 199, abs=1e-4)
    assert w["quality"] == pytest.approx(196 / 198, abs=1e-4)
    assert w["latency_p50_s"] == 40 and w["latency_p95_s"] == 40
    assert w["failures_by_code"] == {"STORAGE_UNAVAILABLE": 1, "VIDEO_CORRUPT": 5}
    assert w["degraded_by_reason"] == {"VISION_UNAVAILABLE": 2}
    assert w["error_budget_left"] == pytest.approx(1 - 1 / (0.005 * 199), abs=1e-3)
    assert w["burn_rate"] == pytest.approx((1 / 199) / 0.005, abs=1e-2)


def test_sli_cli_prints_json():
    _insert(3, "completed")
    r = subprocess.run([sys.executable, "-m", "core", "sli", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert json.loads(r.stdout)["windows"]["24h"]["completed"] == 3


# --- alerts -------------------------------------------------------------------------------------
class Receiver:
    def __init__(self) -> None:
        self.posts: list[dict] = []
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):  # noqa: ANN002
                pass

            def do_POST(self):  # noqa: N802
                rec.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/hook"


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    r = Receiver()
    monkeypatch.setenv("PERFORMATE_ALERT_WEBHOOK", r.url)
    reset_settings()
    yield r
    r.srv.shutdown()


QUIET = {"oldest_queued_age_s": None, "disk_used": 0.1, "canary_failing": 0.0}


@pytest.mark.parametrize("rule,inject,ctx", [
    ("failure_rate", lambda: (_insert(10, "completed"), _insert(2, "failed", code="STORAGE_UNAVAILABLE")), {}),
    ("frame_extraction_failed", lambda: _insert(1, "failed", code="FRAME_EXTRACTION_FAILED"), {}),
    ("timeout_rate", lambda: (_insert(10, "completed"), _insert(2, "failed", code="TIMEOUT")), {}),
    ("degraded_rate", lambda: (_insert(5, "completed"), _insert(3, "completed", degraded=True, reason="x")), {}),
    ("burn_rate", lambda: (_insert(20, "completed"), _insert(2, "failed", code="INTERNAL")), {}),
    ("queue_age", lambda: None, {"oldest_queued_age_s": 900.0}),
    ("disk", lambda: None, {"disk_used": 0.85}),
    ("canary", lambda: None, {"canary_failing": 1.0}),
])
def test_each_rule_fires_and_resolves_with_one_post_per_transition(receiver, rule, inject, ctx):
    inject()
    states = {s["name"]: s for s in alerts.evaluate(ctx={**QUIET, **ctx})}
    assert states[rule]["firing"], states[rule]
    alerts.evaluate(ctx={**QUIET, **ctx})  # still firing: no second post
    mine = [p for p in receiver.posts if p["alert"] == rule]
    assert [p["status"] for p in mine] == ["firing"]
    # resolve: events age out of every window, the context recovers
    dbm.connect(get_settings().db_path).conn.execute("update analyses set finished_at = '2000-01-01T00:00:00+00:00'")
    states = {s["name"]: s for s in alerts.evaluate(ctx=QUIET)}
    assert not states[rule]["firing"]
    mine = [p for p in receiver.posts if p["alert"] == rule]
    assert [p["status"] for p in mine] == ["firing", "resolved"]
    assert "Runbook" in mine[0]["text"]


def test_one_bad_upload_at_a_quiet_gym_does_not_page(receiver):
    _insert(1, "completed")
    _insert(1, "failed", code="INTERNAL")
    states = {s["name"]: s for s in alerts.evaluate(ctx=QUIET)}
    assert not states["failure_rate"]["firing"] and not states["burn_rate"]["firing"]
    assert receiver.posts == []
