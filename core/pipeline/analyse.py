"""One analysis, top to bottom: ingest with pose streamed alongside, then measure, coach and store.

``analyze(job, settings, progress)`` is pure with respect to the database: it takes the job's
inputs (a dict with analysis_id, video_ref and the climber's details), writes frames, poses and key
frames under the analysis id (work dir and store) and returns the record's result fields. It raises
PipelineError. The caller (see ``core.pipeline.attempt``) records progress and the outcome, so
remote workers never write SQLite. Stages are idempotent per analysis id: frames and poses already
in the work dir are reused, so a retry does not download, decode or track again.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis import camera
from core.analysis import metrics as M
from core.analysis import pose as P
from core.analysis.base import Measured, choose
from core.analysis.drawing import draw_pose, encode_jpeg
from core.analysis.identity import follow_one_body
from core.analysis.offline import OfflineAnalyzer, build_record
from core.analysis.vision import VisionAnalyzer
from core.config import Settings
from core.media.frames import pick_key_frames
from core.pipeline.ingest import Sampled, ingest, reusable, work_dir
from core.pipeline.stages import SHARE, Progress, no_progress, stage_start
from core.storage import get_store

POSES = "poses.npz"


def _load_poses(wd: Path, n: int) -> P.PoseResult | None:
    cache = wd / POSES
    if not cache.is_file():
        return None
    data = np.load(cache, allow_pickle=False)
    if data["landmarks"].shape[0] != n:
        return None
    return P.PoseResult(data["landmarks"], [str(s) for s in data["source"]])


def sample_and_track(job: dict[str, Any], settings: Settings, report: Progress, wd: Path) -> tuple[Sampled, P.PoseResult]:
    """Decode once: every sampled frame goes to the pose workers as it comes out of the decoder."""
    frames_dir = wd / "frames"
    done = reusable(frames_dir, settings)
    if done is not None and (pose := _load_poses(wd, len(done.frames))) is not None:
        return done, pose
    expected = [1]
    start, share = stage_start("pose"), SHARE["pose"]

    def tracked(n: int) -> None:
        report("pose", start + share * min(1.0, n / max(expected[0], 1)))

    # the workers start (and load their models) before decoding begins, so they are ready for frame 1
    with P.PoseStream(settings.pose_workers, tracked) as stream:
        if done is not None:  # frames kept from an earlier attempt, poses not: track from the JPEGs
            sampled = done
            expected[0] = len(done.frames)
            for i, f in enumerate(done.frames):
                stream.put(f["t"], done.image(i))
        else:
            sampled = ingest(job["video_ref"], frames_dir, settings, report, reuse=False,
                             on_frame=lambda fr: stream.put(fr.t, fr.image))
            expected[0] = len(sampled.frames)
        pose = stream.finish()
    # one body: frames that leap to someone else and joints out of a limb's reach are dropped here,
    # so nothing downstream (metrics, key frames, replay) measures or draws them
    landmarks, _ = follow_one_body(pose.landmarks, [f["t"] for f in sampled.frames])
    pose = P.PoseResult(landmarks, pose.source)
    np.savez(wd / POSES, landmarks=pose.landmarks, source=np.array(pose.source))
    return sampled, pose


def movement_signal(track: M.Track, fallback: list[float]) -> list[float]:
    """Per frame: hip + wrist + ankle speed (torso lengths/s); frame motion where there is no pose."""
    t = track.t
    total = np.zeros(len(t))
    for idx in (P.L_WRIST, P.R_WRIST, P.L_ANKLE, P.R_ANKLE):
        p = track.norm(track.point(idx))
        v = np.linalg.norm(np.gradient(np.nan_to_num(p), t, axis=0), axis=1) if len(t) > 1 else np.zeros(len(t))
        total += np.where(np.isnan(p[:, 0]), 0, v)
    return [float(x) if track.found[i] else float(fallback[i]) / 10 for i, x in enumerate(total)]


def key_frames(analysis_id: str, sampled: Sampled, pose: P.PoseResult, track: M.Track, m: M.Metrics,
               settings: Settings) -> tuple[list[dict[str, Any]], list[tuple[float, bytes]], dict[str, Any]]:
    """Choose key frames by movement inside the climb, draw skeleton + hip trail, store them."""
    store = get_store(settings)
    times = [f["t"] for f in sampled.frames]
    a, b, _ = m.window
    idx = [i for i, t in enumerate(times) if a - 0.5 <= t <= b + 0.5] or list(range(len(times)))
    move = movement_signal(track, [f["motion"] for f in sampled.frames])
    chosen = [idx[j] for j in pick_key_frames([times[i] for i in idx], [move[i] for i in idx], settings.key_frames)]
    hips = np.array([P.hip_centre(l) if not np.isnan(l[0, 0]) else [np.nan, np.nan] for l in pose.landmarks])
    out, jpegs = [], []
    for n, i in enumerate(chosen):
        img = sampled.image(i)
        if img is None:
            continue
        lo = max(0, i - 24)
        data = encode_jpeg(draw_pose(img, pose.landmarks[i], hips[lo:i + 1]))
        key = f"frames/{analysis_id}/key_{n:02d}.jpg"
        out.append({"time": times[i], "ref": store.put_bytes(data, key, content_type="image/jpeg"), "key": key,
                    "overlay": True, "movement": round(move[i], 3)})
        jpegs.append((times[i], data))
    # the wall frame for the route plot: first frame of the climb, no overlay
    w_i = idx[0]
    wall = sampled.image(w_i)
    wall_key = f"frames/{analysis_id}/wall.jpg"
    wall_ref = store.put_bytes(encode_jpeg(wall), wall_key, content_type="image/jpeg") if wall is not None else None
    return out, jpegs, {"time": times[w_i], "ref": wall_ref, "key": wall_key}


def analyze(job: dict[str, Any], settings: Settings, progress: Progress | None = None,
            *, fresh: bool = False) -> dict[str, Any]:
    """Run every stage for ``job`` and return the record's result fields. Raises PipelineError."""
    report = progress or no_progress
    wd = work_dir(settings, job["analysis_id"])
    if fresh and wd.exists():
        shutil.rmtree(wd)
    lang = job.get("language") or settings.language
    t_pose = time.perf_counter()
    sampled, pose = sample_and_track(job, settings, report, wd)
    t_pose = time.perf_counter() - t_pose

    report("metrics", stage_start("metrics"))
    t_rest = time.perf_counter()
    cam = camera.estimate(sampled.thumbs(), pose.landmarks, sampled.width)
    track = M.build_track([f["t"] for f in sampled.frames], pose.landmarks, cam.transforms, sampled.width, sampled.height)
    trim = job.get("trim") or {}
    m = M.compute(track, (trim.get("start"), trim.get("end")) if trim else None)

    report("feedback", stage_start("feedback"))
    record = build_record(pose, cam, track, m, lang, sampled.width, sampled.height)
    kf, jpegs, wall = key_frames(job["analysis_id"], sampled, pose, track, m, settings)
    record["key_frames"] = kf
    record["route_analysis"]["wall_frame"] = wall
    record["video"] = sampled.info.to_dict()
    record["video_sha256"] = sampled.video_sha256
    record["metrics"]["sampled_frames"] = len(sampled.frames)
    record["metrics"]["decoded_frames"] = sampled.decoded
    record["metrics"]["analysis_fps"] = settings.analysis_fps
    record["language"] = lang
    record["cost"] = {"tokens_in": 0, "tokens_out": 0, "usd": 0.0}
    record["metrics"]["timings_s"] = {"sample_and_pose": round(t_pose, 3),
                                      "metrics_feedback": round(time.perf_counter() - t_rest, 3),
                                      "pose_processes": settings.pose_workers, "frames_reused": sampled.reused}

    measured = Measured(record, jpegs)
    if choose(settings, job.get("analyzer")) == "vision":
        report("vision", stage_start("vision"))
        record = VisionAnalyzer().coach(measured, job, settings)
    else:
        record = OfflineAnalyzer().coach(measured, job, settings)
    report("persist", stage_start("persist"))
    return record
