"""Probe and policy: every generated oddity gets the right probe or the right coded error."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.media.policy import validate
from core.media.probe import probe, sniff_container
from core.storage import get_store
from tests.media import REAL_FIXED, REAL_HANDHELD

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    r = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, timeout=120,
                       cwd=ROOT, env={**os.environ, **(env or {})})
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return r.returncode, json.loads(r.stdout)


def test_h264(clips):
    i = probe(clips["h264"])
    assert (i.container, i.codec, i.width, i.height, i.rotation) == ("mp4", "h264", 640, 480, 0)
    assert i.fps == pytest.approx(30, abs=0.1)
    assert i.duration_s == pytest.approx(3.0, abs=0.05)
    assert not i.has_audio


def test_hevc_with_rotation_flag_is_portrait(clips):
    i = probe(clips["hevc_rot"])
    assert i.codec == "hevc"
    assert i.container == "mov" or i.container == "mp4"
    assert i.rotation in (90, 270)
    assert (i.width, i.height) == (480, 640)


def test_vfr_webm_duration_from_timestamps(clips):
    i = probe(clips["vfr_webm"])
    assert (i.container, i.codec) == ("webm", "vp8")
    # 4 s source, frames dropped unevenly: fewer packets than 4 s x 30 fps, duration still ~4 s
    assert i.packets < 100
    assert 3.0 <= i.duration_s <= 4.1
    assert i.fps == pytest.approx(i.packets / i.duration_s, rel=0.01)


def test_5994(clips):
    i = probe(clips["fps5994"])
    assert i.fps == pytest.approx(59.94, abs=0.05)


def test_eleven_minutes_is_too_long(clips):
    i = probe(clips["long"])
    assert i.duration_s == pytest.approx(660, abs=1)
    with pytest.raises(PipelineError) as e:
        validate(i, Settings())
    assert e.value.code is ErrorCode.VIDEO_TOO_LONG


@pytest.mark.parametrize("name,code", [
    ("zero", ErrorCode.VIDEO_CORRUPT),
    ("truncated", ErrorCode.VIDEO_CORRUPT),
    ("text", ErrorCode.UNSUPPORTED_CONTAINER),
    ("png", ErrorCode.UNSUPPORTED_CONTAINER),
])
def test_bad_files_get_their_code(clips, name, code):
    with pytest.raises(PipelineError) as e:
        probe(clips[name])
    assert e.value.code is code
    assert e.value.user_message


def test_sniff_ignores_extension(clips):
    assert sniff_container(clips["png"].read_bytes()[:64]) == "png"
    assert sniff_container(clips["vfr_webm"].read_bytes()[:64]) == "webm"


@pytest.mark.parametrize("kw,code", [
    ({"max_upload_mb": 1}, ErrorCode.FILE_TOO_LARGE),
    ({"min_duration_s": 20}, ErrorCode.VIDEO_TOO_SHORT),
    ({"max_side_px": 320}, ErrorCode.VIDEO_TOO_BIG),
    ({"max_fps": 24}, ErrorCode.VIDEO_TOO_BIG),
    ({"min_side_px": 1100}, ErrorCode.VIDEO_TOO_SMALL),
    ({"allowed_codecs": "hevc"}, ErrorCode.UNSUPPORTED_CODEC),
])
def test_policy_limits_are_configurable(kw, code):
    with pytest.raises(PipelineError) as e:
        validate(probe(REAL_FIXED), Settings(**kw))
    assert e.value.code is code


@pytest.mark.parametrize("path,size,frames,dur,depth", [
    (REAL_FIXED, (1080, 1440), 377, 15.08, 8),
    (REAL_HANDHELD, (1080, 1920), 180, 7.2, 10),
])
def test_real_clips_match_sources_md(path, size, frames, dur, depth):
    i = probe(path)
    assert (i.width, i.height) == size
    assert i.packets == frames
    assert i.duration_s == pytest.approx(dur, abs=0.05)
    assert i.fps == pytest.approx(25, abs=0.05)
    assert i.bit_depth == depth
    assert i.has_audio
    validate(i, Settings())


def test_cli_probe_ok_and_coded_error(clips):
    rc, out = cli("probe", str(clips["h264"]))
    assert rc == 0 and out["codec"] == "h264"
    rc, out = cli("probe", str(clips["text"]))
    assert rc == 2
    assert out["error_code"] == "UNSUPPORTED_CONTAINER" and out["message"]


def test_cli_probe_bare_s3_key_rotated_hevc_is_portrait(s3, clips):
    key = "videos/2025/10/09/abc-123.mp4"
    get_store().put(clips["hevc_rot"], key)
    rc, out = cli("probe", key)
    assert rc == 0, out
    assert (out["width"], out["height"], out["codec"]) == (480, 640, "hevc")
    rc, out = cli("probe", "videos/2025/10/09/missing.mp4")
    assert (rc, out["error_code"]) == (2, "VIDEO_NOT_FOUND")
    assert not list((get_settings().data_dir / "tmp").glob("*"))
