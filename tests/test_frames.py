"""One-pass sampling: timestamps, counts, early ends, movement-chosen key frames, the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import ErrorCode, PipelineError
from core.media import frames as framing
from tests.media import REAL_HANDHELD, ffmpeg
from tests.media import testsrc as source  # (a name pytest does not collect)

ROOT = Path(__file__).resolve().parents[1]


def test_sampling_by_timestamp_counts_every_frame(clips):
    st = framing.SampleStats()
    out = list(framing.sample(clips["h264"], 8, 320, st))
    assert st.decoded == 90  # 3 s x 30 fps, all grabbed once
    assert len(out) == 24
    dts = np.diff([f.t for f in out])
    assert dts.min() >= 0.099 and dts.max() <= 0.17
    assert max(out[0].image.shape[:2]) == 320


def test_vfr_webm_real_frame_count(clips):
    st = framing.SampleStats()
    out = list(framing.sample(clips["vfr_webm"], 8, 320, st))
    from core.media.probe import probe

    assert st.decoded == probe(clips["vfr_webm"]).packets
    assert out[-1].t > 3.0  # timestamps, not frame numbers: the clip still spans ~4 s
    assert all(b.t > a.t for a, b in zip(out, out[1:]))


def test_rotated_hevc_frames_come_upright(clips):
    out = list(framing.sample(clips["hevc_rot"], 4, 640, None))
    h, w = out[0].image.shape[:2]
    assert (w, h) == (480, 640)


def test_10bit_real_clip(clips):
    st = framing.SampleStats()
    out = list(framing.sample(REAL_HANDHELD, 8, 480, st))
    assert st.decoded == 180
    assert len(out) == pytest.approx(58, abs=2)
    assert out[0].image.dtype == np.uint8 and out[0].image.mean() > 5


def test_file_ending_early_ends_sampling(tmp_path):
    src = tmp_path / "faststart.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(src))
    cut = tmp_path / "cut.mp4"
    data = src.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    st = framing.SampleStats()
    out = list(framing.sample(cut, 8, 320, st))
    assert 0 < st.decoded < 100
    assert len(out) >= 5 and st.last_t < 3.9


def test_no_frames_is_frame_extraction_failed(clips):
    with pytest.raises(PipelineError) as e:
        list(framing.sample(clips["text"], 8, 320))
    assert e.value.code is ErrorCode.FRAME_EXTRACTION_FAILED


def test_key_frames_follow_movement_not_even_spacing():
    times = [i * 0.125 for i in range(80)]
    movement = [0.0] * 80
    for peak in (11, 13, 47, 70):
        movement[peak] = 10.0 + peak
    chosen = framing.pick_key_frames(times, movement, 6)
    assert chosen[0] == 0 and chosen[-1] == 79
    assert {47, 70} <= set(chosen)
    assert len(chosen) == 6
    assert chosen == sorted(chosen)
    assert not ({11, 13} <= set(chosen))  # too close to each other to both be shown


def test_frames_cli_writes_jpegs(clips, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "core", "frames", str(clips["h264"]), "--out", str(out), "--fps", "4"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["written"] == 12 and res["decoded_frames"] == 90
    assert len(list(out.glob("*.jpg"))) == 12


def _segments() -> set[str]:
    from pathlib import Path

    return {p.name for p in Path("/dev/shm").glob("psm_*")}


def test_pose_stream_releases_every_frame_segment_while_the_process_lives_on():
    """A long-lived worker (Celery, a batch) runs many analyses: the shared memory each block of
    frames travels in is unlinked when its pose comes back, and when a worker dies mid-stream."""
    import os
    import signal

    import numpy as np

    from core.analysis.pose import BLOCK, PoseStream

    before = _segments()
    frames = [np.full((240, 320, 3), i, np.uint8) for i in range(3 * BLOCK)]
    with PoseStream(1) as ps:
        for i, f in enumerate(frames):
            ps.put(i / 8, f)
        result = ps.finish()
    assert len(result) == len(frames) and result == [[] for _ in frames]  # everyone, frame by frame: nobody here
    assert _segments() - before == set()
    with PoseStream(1) as ps:
        ps.put(0.0, frames[0])
        os.kill(ps.procs[0].pid, signal.SIGKILL)
        with pytest.raises(PipelineError) as e:
            for i, f in enumerate(frames):
                ps.put(i / 8, f)
            ps.finish()
        assert e.value.code == ErrorCode.POSE_MODEL_FAILED
    assert _segments() - before == set()  # released on the way out as well


@pytest.mark.parametrize("mode,expected", [("late", "gone"), ("early", "exists"), ("stream", "1")])
def test_frame_segments_outlive_the_pose_worker_that_read_them(mode, expected):
    """Python 3.11 gives a worker forked before its parent's resource tracker started a tracker of
    its own, which unlinks every segment the worker read when the worker ends, sometimes before the
    parent has read that block's result (seen: INTERNAL, FileNotFoundError '/psm_...'). Forked late,
    the segment is lost; after ``pose.share_tracker()`` it stays; a real PoseStream runs with one
    tracker, its own, shared by its workers (two without the fix)."""
    import subprocess
    import sys
    from pathlib import Path

    probe = Path(__file__).with_name("shm_probe.py")
    r = subprocess.run([sys.executable, str(probe), mode], capture_output=True, text=True, timeout=120)
    assert r.stdout.split()[-1] == expected, (r.stdout, r.stderr[-1000:])
    assert "Traceback" not in r.stderr or mode == "late", r.stderr[-2000:]


def test_an_av1_clip_is_decoded_and_comes_upright(clips, tmp_path):
    """OpenCV's build decodes AV1 only in hardware: not one frame here. The clip is decoded through
    PyAV instead, as many frames at the same times, turned upright by its display rotation as
    OpenCV turns the HEVC one (the same test picture, coded landscape, shown portrait)."""
    plain = tmp_path / "av1-plain.mp4"
    ffmpeg(*source("640x480", "30", 2), "-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "log-level=0",
           "-pix_fmt", "yuv420p", str(plain))
    av1 = tmp_path / "av1_rotated.mp4"
    ffmpeg("-display_rotation:v:0", "-90", "-i", str(plain), "-c", "copy", str(av1))
    cap = cv2.VideoCapture(str(av1), cv2.CAP_FFMPEG)
    assert not (cap.grab() and cap.retrieve()[0])  # (what OpenCV alone makes of it)
    cap.release()
    st = framing.SampleStats()
    out = list(framing.sample(av1, 4, 640, st))
    ref = list(framing.sample(clips["hevc_rot"], 4, 640, None))
    assert st.decoded == 60 and [f.t for f in out] == [f.t for f in ref]
    assert out[0].image.shape == ref[0].image.shape == (640, 480, 3)
    assert float(np.mean(cv2.absdiff(out[0].image, ref[0].image))) < 12
    # turned the other way round, the picture would not match
    assert float(np.mean(cv2.absdiff(cv2.rotate(out[0].image, cv2.ROTATE_180), ref[0].image))) > 30


@pytest.mark.parametrize("codec", ["libx264", "libsvtav1"])
@pytest.mark.parametrize("turned", [False, True])
def test_frames_stored_with_non_square_pixels_come_as_shown(codec, turned, tmp_path):
    """A 320x240 picture stored 160 pixels wide, each pixel twice as wide as high (sample aspect
    ratio 2:1: an anamorphic encode, a broadcast capture): the frames come 4:3 as a player shows
    them (and the probe says 320x240), not squeezed to 2:3 (a body read squeezed or stretched 1.43 times began the fixed clip's
    climb at 0.0 s for 1.4), by OpenCV (H.264) and by PyAV (AV1) alike; shown turned a quarter,
    the stored width is the upright height. Only ever shrunk: 160 by 120, nothing made up."""
    stored = tmp_path / "anamorphic.mp4"
    params = ["-preset", "12", "-svtav1-params", "log-level=0"] if codec == "libsvtav1" else ["-preset", "ultrafast"]
    ffmpeg(*source("320x240", "25", 1), "-vf", "scale=160:240,setsar=2", "-c:v", codec, *params, "-pix_fmt", "yuv420p",
           str(stored))
    if turned:
        shown = tmp_path / "turned.mp4"
        ffmpeg("-display_rotation:v:0", "-90", "-i", str(stored), "-c", "copy", str(shown))
        stored = shown
    out = list(framing.sample(stored, 4, 640, None))
    h, w = out[0].image.shape[:2]
    assert (w, h) == ((120, 160) if turned else (160, 120)), (w, h)
    from core.media.probe import probe

    info = probe(stored)  # the size a player shows, which the upload policy's limits read
    assert (info.width, info.height) == ((240, 320) if turned else (320, 240))
    assert framing.square_pixels(1.0, turned) == (1.0, 1.0)
    assert framing.square_pixels(0.5, turned) == ((1.0, 0.5) if turned else (0.5, 1.0))  # stored too wide
    assert framing.square_pixels(1000.0, turned) == (1.0, 1.0)  # no camera's: a broken header, not a sliver
