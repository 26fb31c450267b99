"""resolve(ref): the root cause of RCA 2025-10-23, fixed at the boundary and proven here."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from core.config import get_settings, reset_settings
from core.errors import ErrorCode, PipelineError
from core.pipeline import ingest
from core.storage import get_store, redact_url, resolve, split_ref
from tests.conftest import free_port, report

ROOT = Path(__file__).resolve().parents[1]
SEED_KEY = "videos/2025/10/09/abc-123.mp4"  # the key from the report


def tmp_files() -> list[Path]:
    d = get_settings().data_dir / "tmp"
    return sorted(d.iterdir()) if d.exists() else []


def test_split_ref_classifies_the_four_forms(tmp_path):
    f = tmp_path / "a.mp4"
    f.write_bytes(b"x")
    assert split_ref(str(f)) == ("path", str(f))
    assert split_ref("s3://b/videos/x.mp4")[0] == "s3"
    assert split_ref(SEED_KEY) == ("key", SEED_KEY)
    assert split_ref("https://h/x.mp4?X-Amz-Signature=abc")[0] == "http"


def test_local_path_used_as_is(clips):
    with resolve(str(clips["h264"])) as p:
        assert p == clips["h264"].resolve()
    assert clips["h264"].exists()


def test_user_supplied_path_must_be_inside_data_dir(clips):
    with pytest.raises(PipelineError) as e:
        with resolve(str(clips["h264"]), from_user=True):
            pass
    assert e.value.code is ErrorCode.VIDEO_NOT_FOUND


def test_bare_key_on_local_store(clips):
    store = get_store()
    store.put(clips["h264"], SEED_KEY)
    with resolve(SEED_KEY) as p:
        assert p.read_bytes() == clips["h264"].read_bytes()
    assert tmp_files() == []


def test_seed_regression_bare_s3_key_reaches_the_decoder_as_a_local_file(s3, clips):
    """The old system passed this key to cv2.VideoCapture and died with METADATA_EXTRACTION_FAILED."""
    get_store().put(clips["hevc_rot"], SEED_KEY)
    sampled = ingest(SEED_KEY, get_settings().work_dir / "seed" / "frames", get_settings())
    assert sampled.info.codec == "hevc"
    assert (sampled.info.width, sampled.info.height) == (480, 640)  # portrait after rotation
    assert sampled.decoded == 60
    assert len(sampled.frames) == 16  # 2 s at 8 fps
    assert sampled.height > sampled.width  # frames come upright
    assert tmp_files() == []


def test_s3_url_form_and_presigned_http(s3, clips):
    store = get_store()
    ref = store.put(clips["h264"], "videos/2026/01/02/x.mp4")
    assert ref == f"s3://{s3['bucket']}/videos/2026/01/02/x.mp4"
    with resolve(ref) as p:
        assert p.stat().st_size == clips["h264"].stat().st_size
        assert p.parent == get_settings().data_dir / "tmp"
    url = store.url("videos/2026/01/02/x.mp4")
    with resolve(url) as p:
        assert p.read_bytes() == clips["h264"].read_bytes()
    assert tmp_files() == []


def test_missing_s3_key_is_video_not_found_and_leaves_no_temp(s3):
    with pytest.raises(PipelineError) as e:
        with resolve("videos/2025/10/09/nope.mp4"):
            pass
    assert e.value.code is ErrorCode.VIDEO_NOT_FOUND
    assert not e.value.retryable
    assert tmp_files() == []


def test_temp_file_removed_when_consumer_fails(s3, clips):
    get_store().put(clips["h264"], SEED_KEY)
    seen = []
    with pytest.raises(RuntimeError):
        with resolve(SEED_KEY) as p:
            seen.append(p)
            assert p.exists()
            raise RuntimeError("consumer crashed")
    assert not seen[0].exists()
    assert tmp_files() == []


def test_s3_outage_is_retryable_storage_unavailable_within_seconds(clips, monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="outage")
    monkeypatch.setenv("PERFORMATE_S3_BUCKET", "outage")
    monkeypatch.setenv("PERFORMATE_S3_ENDPOINT_URL", endpoint)
    reset_settings()
    get_store().put(clips["h264"], SEED_KEY)
    server.stop()
    t0 = time.monotonic()
    with pytest.raises(PipelineError) as e:
        with resolve(SEED_KEY):
            pass
    elapsed = time.monotonic() - t0
    assert e.value.code is ErrorCode.STORAGE_UNAVAILABLE
    assert e.value.retryable
    assert elapsed < 15, elapsed
    assert tmp_files() == []


def test_http_404_and_redaction(moto_server):
    url = f"{moto_server}/no-bucket/x.mp4?X-Amz-Signature=supersecret"
    with pytest.raises(PipelineError) as e:
        with resolve(url):
            pass
    assert e.value.code in (ErrorCode.VIDEO_NOT_FOUND, ErrorCode.STORAGE_ACCESS_DENIED)
    assert "supersecret" not in str(e.value)
    assert redact_url(url).endswith("/no-bucket/x.mp4")


_CHILD = r"""
import json, re, sys
from pathlib import Path
from core.storage import resolve
with resolve(sys.argv[1]) as p:
    size = p.stat().st_size
# VmHWM belongs to this address space; ru_maxrss would carry the forking pytest's peak over exec
hwm = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"size": size, "maxrss_kb": hwm}))
"""


def test_resolve_memory_stays_flat_from_20_to_200_mb(s3):
    """Peak RSS of a resolving child process must not grow with the object size."""
    store = get_store()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    peaks = {}
    for mb in (20, 200):
        key = f"videos/2026/01/03/big{mb}.mp4"
        with open(get_settings().data_dir.parent / f"big{mb}", "wb") as f:
            chunk = os.urandom(1024 * 1024)
            for _ in range(mb):
                f.write(chunk)
        store.put(Path(f.name), key)
        Path(f.name).unlink()
        out = subprocess.run([sys.executable, "-c", _CHILD, key], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        res = json.loads(out.stdout)
        assert res["size"] == mb * 1024 * 1024
        peaks[mb] = res["maxrss_kb"] / 1024
        store.delete(key)
    report(f"resolve peak RSS: 20 MB object -> {peaks[20]:.0f} MB, 200 MB object -> {peaks[200]:.0f} MB")
    assert peaks[200] - peaks[20] < 40, peaks
    assert tmp_files() == []


def test_cli_analyze_on_a_bare_s3_key_completes_end_to_end(s3, short_climb):
    """The report's failing path, whole: a bare key in the bucket, analysed by the CLI."""
    get_store().put(short_climb, SEED_KEY)
    env = {**os.environ, "PERFORMATE_ANALYSIS_FPS": "6", "PERFORMATE_POSE_PROCESSES": "1"}
    r = subprocess.run([sys.executable, "-m", "core", "analyze", SEED_KEY, "--climber", "Ana"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rec = json.loads(r.stdout)
    assert rec["status"] == "completed" and rec["performance_score"] is not None
    assert rec["key_frames"][0]["ref"].startswith(f"s3://{s3['bucket']}/frames/")
    assert rec["replay_ref"].startswith(f"s3://{s3['bucket']}/replays/")
    assert tmp_files() == []
