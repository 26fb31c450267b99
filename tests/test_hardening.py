"""Hardening suites: hostile input through the real pipeline, fuzzing, and the queue under it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from core import api
from core.config import get_settings
from core.jobs import Jobs
from core.runtime.inline import InlineExecutor
from tests.conftest import fast_settings, report, wait_for

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MB = 3072
EXPECTED = {"empty": {"VIDEO_CORRUPT"}, "not_video": {"UNSUPPORTED_CONTAINER", "VIDEO_CORRUPT"},
            "too_big": {"VIDEO_TOO_BIG"}, "too_small": {"VIDEO_TOO_SMALL"}, "high_fps": {"VIDEO_TOO_BIG"},
            "audio_only": {"METADATA_EXTRACTION_FAILED"}, "random": {"UNSUPPORTED_CONTAINER", "VIDEO_CORRUPT"}}


@pytest.fixture(scope="module")
def hostile(clips, tmp_path_factory):
    from tests.hostile import make_hostile

    return make_hostile(tmp_path_factory.mktemp("hostile"), clips)


def run_batch(files: list[Path], env: dict[str, str], children: int = 2) -> dict[int, dict]:
    """Feed the files to runner children (``children`` at once, each its share); restart a child
    after a crash, coding that file WORKER_CRASHED."""
    results: dict[int, dict] = {}
    shares = [list(range(k, len(files), children)) for k in range(children)]
    errors: list[BaseException] = []

    def feed(share: list[int]) -> None:
        try:
            results.update(_feed(files, share, env))
        except BaseException as exc:  # noqa: BLE001 (raised again below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(share,)) for share in shares]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if errors:
        raise errors[0]
    return results


def _feed(files: list[Path], todo: list[int], env: dict[str, str]) -> dict[int, dict]:
    results: dict[int, dict] = {}
    while todo:
        proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "hostile_runner.py")], cwd=ROOT, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdin and proc.stdout
        proc.stdin.write("".join(json.dumps([i, str(files[i])]) + "\n" for i in todo))
        proc.stdin.close()
        current = None
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("start"):
                current = msg["i"]
            else:
                results[msg["i"]] = msg
                current = None
        rc = proc.wait(600)
        if current is not None:  # the child died on this file: what the executor codes WORKER_CRASHED
            results[current] = {"i": current, "outcome": "failed", "code": "WORKER_CRASHED", "detail": f"exit {rc}"}
        todo = [i for i in todo if i not in results]
    return results


def test_hostile_inputs_each_end_coded_or_completed(hostile, tmp_path):
    assert len(hostile) >= 200
    data = tmp_path / "data"
    env = {**os.environ, "PERFORMATE_DATA_DIR": str(data), "PERFORMATE_ANALYSIS_FPS": "2", "PERFORMATE_POSE_PROCESSES": "1",
           "PERFORMATE_KEY_FRAMES": "2", "PERFORMATE_JOB_MEMORY_MB": str(MEMORY_MB), "PERFORMATE_ANALYZER": "offline"}
    t0 = time.monotonic()
    res = run_batch([p for _, p in hostile], env)
    by_kind: dict[str, Counter] = {}
    for i, (kind, _) in enumerate(hostile):
        r = res[i]
        by_kind.setdefault(kind, Counter())[r.get("code") or r["outcome"]] += 1
    total = Counter(r.get("code") or r["outcome"] for r in res.values())
    report(f"\nhostile input: {len(hostile)} files in {time.monotonic() - t0:.0f}s -> {dict(total)}")
    for kind, c in sorted(by_kind.items()):
        report(f"  {kind:<14} {dict(c)}")
    uncoded = [(hostile[i][1].name, r.get("detail")) for i, r in res.items() if r["outcome"] == "uncoded"]
    assert not uncoded, uncoded
    for i, (kind, p) in enumerate(hostile):
        if kind in EXPECTED:
            assert res[i].get("code") in EXPECTED[kind], (p.name, res[i])
        if kind == "wrong_ext":  # a valid video is judged by its bytes, not its name
            assert res[i]["outcome"] == "completed" or res[i]["code"] == "NO_CLIMBER_DETECTED", (p.name, res[i])
    peaks = [r["peak_mb"] for r in res.values() if "peak_mb" in r]
    report(f"  peak RSS of the child: {max(peaks):.0f} MB (limit {MEMORY_MB} MB)")
    assert max(peaks) < MEMORY_MB
    assert all(p.is_file() for _, p in hostile)  # inputs are kept: a coded failure can be retried


def test_fuzz_probe_and_sampler_with_hypothesis(clips):
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "fuzz_probe.py"), str(clips["h264"]), "150"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    report(f"\nfuzz: {summary}")
    assert summary["examples"] >= 100
    assert summary["outcomes"].get("decoded", 0) > 0  # some mutations still decode
    assert len(summary["outcomes"]) >= 3


def test_hostile_uploads_through_the_queue_while_it_keeps_serving(hostile):
    s = fast_settings(workers=2, analysis_fps=2, max_attempts=2, retry_base_s=0.1)
    picks = [p for kind, p in hostile if kind in ("cut", "bitflip", "nested", "metadata", "huge_dims", "timescale")][::6]
    picks += [p for kind, p in hostile if kind in ("empty", "wrong_ext", "not_video")][:6]
    ex = InlineExecutor(s)
    from core.runtime import executors

    executors._EXECUTOR = ex
    ex.start()
    slow: list[float] = []
    stop = threading.Event()

    def dashboard() -> None:
        while not stop.is_set():
            t = time.monotonic()
            api.queue_overview()
            api.recent(api.SYSTEM, 20)
            slow.append(time.monotonic() - t)
            stop.wait(0.1)

    reader = threading.Thread(target=dashboard)
    reader.start()
    try:
        ids = []
        for p in picks:
            with open(p, "rb") as f:
                try:
                    ids.append(api.submit_upload(f, p.name, p.stat().st_size, {"climber": "fuzz"}, api.SYSTEM))
                except api.PipelineError as exc:  # refused at the door (empty file): coded, nothing queued
                    assert exc.code.value == "VIDEO_CORRUPT"
        jobs = Jobs(s)
        wait_for(lambda: all(jobs.get(a)["status"] in ("completed", "failed") for a in ids), timeout=300, interval=0.5,
                 what="hostile uploads to finish")
    finally:
        stop.set()
        reader.join()
        ex.stop()
        executors._EXECUTOR = None
    recs = [jobs.get(a) for a in ids]
    assert all(r["status"] == "completed" or r["error_code"] for r in recs)
    assert all(s_.is_alive() is False for s_ in ex.supervisors)  # stopped cleanly, not crashed
    counts = Counter(r["error_code"] or "completed" for r in recs)
    report(f"\nhostile uploads through the queue: {len(recs)} -> {dict(counts)}; dashboard max {max(slow) * 1000:.0f} ms")
    assert max(slow) < 1.0
    for r in recs:  # the upload is kept so the job can be retried
        assert get_settings().data_dir.joinpath("blobs", r["video_ref"]).exists()
