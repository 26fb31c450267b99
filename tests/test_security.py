"""Security: names and fields from users never become paths, keys, markup or leaks."""
from __future__ import annotations

import io
import json
import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core import api
from core.config import get_settings, reset_settings
from tests.conftest import free_port, report, wait_for
from tests.serve import serve

ROOT = Path(__file__).resolve().parents[1]
KEY_RE = re.compile(r"^videos/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.(mp4|mov|webm|mkv|bin)$")
SECRETS = {"OPENAI_API_KEY": "sk-secret-openai-7f3a9c1e", "PERFORMATE_API_TOKEN": "api-secret-token-88",
           "AWS_SECRET_ACCESS_KEY": "aws-secret-key-0000"}


@pytest.mark.parametrize("name", ["../../../etc/passwd.mp4", "..\\..\\win.mp4", "/abs/path/clip.mp4", "clip\u202eexe.mp4",
                                  "🧗 climb ÄÖÜ.MOV", "a" * 500 + ".mp4", "CON.mp4", "clip.mp4\x00.txt", "name with spaces.webm"])
def test_upload_names_never_reach_paths_or_keys(name, clips):
    if name.lower().rsplit(".", 1)[-1] not in api.ACCEPTED_TYPES:
        with pytest.raises(api.PipelineError):
            api.submit_upload(io.BytesIO(clips["h264"].read_bytes()), name, 10, {}, api.SYSTEM)
        return
    aid = api.submit_upload(io.BytesIO(clips["h264"].read_bytes()), name, clips["h264"].stat().st_size,
                            {"climber": "<b>x</b>", "notes": "../../etc"}, api.SYSTEM)
    rec = api.get(aid, api.SYSTEM)
    assert KEY_RE.match(rec["video_ref"]), rec["video_ref"]
    blobs = get_settings().data_dir / "blobs"
    stored = [p for p in blobs.rglob("*") if p.is_file()]
    assert stored and all(blobs in p.parents for p in stored)
    assert "/" not in rec["video_name"] and len(rec["video_name"]) <= 200


def test_an_empty_file_is_said_to_be_empty_and_nothing_is_queued():
    with pytest.raises(api.PipelineError) as e:
        api.submit_upload(io.BytesIO(b""), "clip.mp4", 0, {"climber": "Ana"}, api.SYSTEM)
    assert e.value.code is api.ErrorCode.VIDEO_CORRUPT
    assert "empty (0 bytes)" in e.value.user_message and "Choose the video file itself" in e.value.user_message
    api.use_language("de")
    assert "leer" in api._(e.value.user_message)  # in the reader's language, too
    api.use_language("en")
    assert api.recent(api.SYSTEM, 10) == []


def test_api_refs_cannot_name_local_files_or_other_buckets(monkeypatch):
    with pytest.raises(api.PipelineError):
        api.submit_ref("/etc/passwd", {})
    with pytest.raises(api.PipelineError):
        api.submit_ref("file:///etc/passwd", {})
    with pytest.raises(api.PipelineError):
        api.submit_ref("../../etc/passwd", {})
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", "ours")
    reset_settings()
    with pytest.raises(api.PipelineError) as e:
        api.submit_ref("s3://someone-elses-bucket/videos/x.mp4", {})
    assert e.value.code.value == "STORAGE_ACCESS_DENIED"


def test_admin_page_shows_and_does_nothing_without_signing_in():
    from streamlit.testing.v1 import AppTest

    from tests.accounts import make_user

    make_user("admin@test.example", "admin")
    aid = api.jobs().submit_ref("videos/2026/01/01/x.mp4", {"climber": "victim"})
    api.jobs().claim("w", aid)
    api.jobs().fail(aid, "w", api.PipelineError(api.ErrorCode.VIDEO_CORRUPT))
    at = AppTest.from_file(str(ROOT / "pages" / "admin.py"), default_timeout=60)  # the address /admin, opened directly
    at.run()
    assert not at.exception
    text = " ".join(str(e.value) for e in at.markdown) + " ".join(str(e.value) for e in at.text)
    assert "VIDEO_CORRUPT" not in text and "victim" not in text
    assert [b.label for b in at.button] == ["Sign in"]  # the sign-in form and nothing else
    at.text_input[0].input("admin@test.example")
    at.text_input[1].input("wrong")
    at.button[0].click()
    at.run()
    assert any("Wrong email or password" in str(e.value) for e in at.error)
    assert api.jobs().get(aid)["status"] == "failed"  # nothing was retried


def test_no_secret_in_pages_logs_records_or_errors(short_climb, tmp_path):
    data = tmp_path / "data"
    env = {**SECRETS, "PERFORMATE_ANALYZER": "offline", "PERFORMATE_ANALYSIS_FPS": "6", "PERFORMATE_POSE_PROCESSES": "1",
           "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "PERFORMATE_LOG_LEVEL": "DEBUG"}
    seen: list[str] = []
    with serve(data, env) as (base, log_path):
        def get(path: str, token: str | None = None, body: dict | None = None) -> str:
            req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None,
                                         method="POST" if body else "GET", headers={"Content-Type": "application/json"})
            if token:
                req.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    text = r.read().decode(errors="replace")
            except urllib.error.HTTPError as e:
                text = e.read().decode(errors="replace")
            seen.append(text)
            return text

        dst = data / "blobs" / "videos/2026/07/01/sec.mp4"
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(short_climb.read_bytes())
        get("/")
        get("/api/analyses", token="wrong-token", body={"video_ref": "x"})
        aid = json.loads(get("/api/analyses", token=SECRETS["PERFORMATE_API_TOKEN"],
                             body={"video_ref": "videos/2026/07/01/sec.mp4", "climber": "S"}))["analysis_id"]
        wait_for(lambda: json.loads(get(f"/api/analyses/{aid}", token=SECRETS["PERFORMATE_API_TOKEN"]))["status"]
                 in ("completed", "failed"), timeout=180, interval=1, what="analysis")
        wait_for(lambda: "checks" in get("/health/analysis-pipeline"), timeout=60, what="a health check")
        get("/metrics")
    dump = "\n".join(sqlite3.connect(data / "performate.db").iterdump())
    outputs = {"server log": log_path.read_text(), "http responses": "\n".join(seen), "database": dump}
    for where, text in outputs.items():
        for name, secret in SECRETS.items():
            assert secret not in text, f"{name} leaked into the {where}"
    report(f"\nsecret scan: {len(SECRETS)} secrets, {sum(len(t) for t in outputs.values())} characters of logs, "
          f"responses and records scanned, 0 found")

