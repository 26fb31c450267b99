"""Privacy and data lifecycle: consent, retention, export, complete deletion, backup and restore."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from core import api
from core import db as dbm
from core.config import get_settings, reset_settings
from core.jobs import Jobs
from core.ops import lifecycle
from core.pipeline import analyze
from core.storage import get_store
from tests.conftest import fast_settings

ROOT = Path(__file__).resolve().parents[1]


def _complete(short_climb: Path, climber: str, consent: bool) -> str:
    s = fast_settings()
    with open(short_climb, "rb") as f:
        aid = api.submit_upload(f, "clip.mp4", short_climb.stat().st_size, {"climber": climber, "consent": consent}, api.SYSTEM)
    jobs = Jobs(s)
    job = jobs.claim("t", aid)
    rec = analyze(job, s)
    rec["cost"] = {**rec["cost"], "request_hash": "abc123"}
    jobs.complete(aid, "t", rec)
    return aid


def test_consent_is_stored_and_videos_without_it_are_purged_after_completion(short_climb):
    keep = _complete(short_climb, "Ana", consent=True)
    drop = _complete(short_climb, "Ben", consent=False)
    assert api.get(keep, api.SYSTEM)["consent"] is True and api.get(drop, api.SYSTEM)["consent"] is False
    store = get_store()
    out = lifecycle.purge()
    assert out["videos_purged"] == 1
    assert store.exists(api.get(keep, api.SYSTEM)["video_ref"])
    assert not store.exists(api.get(drop, api.SYSTEM)["video_ref"])
    assert api.get(drop, api.SYSTEM)["status"] == "completed" and api.get(drop, api.SYSTEM)["key_frames"]  # the analysis stays


def test_retention_days_purge_old_videos_and_optionally_whole_analyses(short_climb, monkeypatch):
    aid = _complete(short_climb, "Ana", consent=True)
    db = dbm.connect(get_settings().db_path)
    db.conn.execute("update analyses set created_at='2020-01-01T00:00:00+00:00' where analysis_id=?", [aid])
    monkeypatch.setenv("PERFORMATE_RETENTION_DAYS", "30")
    reset_settings()
    assert lifecycle.purge()["videos_purged"] == 1
    assert not get_store().exists(api.get(aid, api.SYSTEM)["video_ref"])
    monkeypatch.setenv("PERFORMATE_RETENTION_WHOLE_ANALYSES", "true")
    reset_settings()
    assert lifecycle.purge()["analyses_deleted"] == 1
    assert api.get(aid, api.SYSTEM) is None


def test_a_video_two_analyses_share_is_purged_when_neither_keeps_it(short_climb, monkeypatch):
    """Two climbs of one video, each analysed on its own, share the stored video: the first past the
    retention days loses it (marked), but the file stays while the other, newer, keeps it; once the
    other is past them too, it goes."""
    aid = _complete(short_climb, "Ana", consent=True)
    jobs = Jobs(fast_settings())
    ref = jobs.get(aid)["video_ref"]
    other = jobs.submit_ref(ref, {"climber": "Ana", "consent": True}, choices={"climb_of": aid, "climb_at": 2.0})
    db = dbm.connect(get_settings().db_path)
    db.conn.execute("update analyses set created_at='2020-01-01T00:00:00+00:00' where analysis_id=?", [aid])
    db.conn.execute("update analyses set status='completed' where analysis_id=?", [other])
    monkeypatch.setenv("PERFORMATE_RETENTION_DAYS", "30")
    reset_settings()
    assert lifecycle.purge()["videos_purged"] == 0
    assert jobs.get(aid)["video_purged_at"] and not jobs.get(other)["video_purged_at"] and get_store().exists(ref)
    db.conn.execute("update analyses set created_at='2020-01-02T00:00:00+00:00' where analysis_id=?", [other])
    assert lifecycle.purge()["videos_purged"] == 1 and not get_store().exists(ref)


def test_export_and_complete_deletion_of_one_climber(short_climb):
    a = _complete(short_climb, "Ana", consent=True)
    b = _complete(short_climb, "Ben", consent=True)
    store = get_store()
    store.put_bytes(b"{}", "vision-cache/abc123.json")
    z = zipfile.ZipFile(io.BytesIO(lifecycle.export_climber("Ana")))
    names = z.namelist()
    assert "analyses.json" in names and "metrics.csv" in names
    assert any(n.startswith(f"key_frames/{a}/") for n in names)
    recs = json.loads(z.read("analyses.json"))
    assert [r["analysis_id"] for r in recs] == [a] and "lease_owner" not in recs[0]
    ana = api.get(a, api.SYSTEM)
    assert lifecycle.delete_climber("Ana") == 1
    assert api.get(a, api.SYSTEM) is None and api.events(a) == []
    assert not store.exists(ana["video_ref"]) and store.list(f"frames/{a}/") == []
    assert not store.exists(f"replays/{a}.mp4") and not store.exists("vision-cache/abc123.json")
    assert not (get_settings().work_dir / a).exists()
    assert api.get(b, api.SYSTEM) is not None  # nobody else's data


def test_backup_and_restore_round_trip(short_climb):
    aid = _complete(short_climb, "Ana", consent=True)
    ref = lifecycle.backup()
    assert ref.startswith("backups/performate-")
    api.delete_analysis(aid)
    assert api.get(aid, api.SYSTEM) is None
    r = subprocess.run([sys.executable, "-m", "core", "restore", "latest"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    dbm.forget_connections()
    assert api.get(aid, api.SYSTEM)["status"] == "completed"


def test_backups_kept_are_bounded(monkeypatch):
    monkeypatch.setenv("PERFORMATE_BACKUPS_KEPT", "2")
    reset_settings()
    Jobs().submit_ref("k.mp4", {})
    store = get_store()
    for i in range(4):
        store.put_bytes(b"old", f"backups/performate-2020010{i}T000000.db")
    lifecycle.backup()
    assert len(store.list("backups/")) == 2
