"""The analysis stages after sampling: pose -> metrics -> feedback [-> vision]; key frames stored."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.analysis import camera
from core.analysis import metrics as M
from core.analysis import pose as P
from core.analysis.base import Measured, choose
from core.analysis.offline import OfflineAnalyzer, build_record
from core.config import Settings
from core.media.frames import pick_key_frames
from core.media.render import draw_pose, encode_jpeg
from core.pipeline import STAGES, Sampled, stage_start
from core.storage import get_store

Progress = Callable[[str, float], None]


def _pose(wd: Path, sampled: Sampled, settings: Settings, report: Progress) -> P.PoseResult:
    cache = wd / "poses.npz"
    n = len(sampled.frames)
    if cache.is_file():
        data = np.load(cache, allow_pickle=False)
        if data["landmarks"].shape[0] == n:
            return P.PoseResult(data["landmarks"], [str(s) for s in data["source"]])
    share = dict(STAGES)["pose"]
    start = stage_start("pose")
    res = P.estimate([sampled.path(i) for i in range(n)], [f["t"] for f in sampled.frames], settings.pose_workers,
                     progress=lambda f: report("pose", start + share * f))
    np.savez(cache, landmarks=res.landmarks, source=np.array(res.source))
    return res


def movement_signal(track: M.Track, fallback: list[float]) -> list[float]:
    """Per frame: hip + wrist + ankle speed (torso lengths/s); frame motion where there is no pose."""
    t = track.t
    total = np.zeros(len(t))
    for idx in (P.L_WRIST, P.R_WRIST, P.L_ANKLE, P.R_ANKLE):
        p = track.norm(track.point(idx))
        v = np.linalg.norm(np.gradient(np.nan_to_num(p), t, axis=0), axis=1) if len(t) > 1 else np.zeros(len(t))
        total += np.where(np.isnan(p[:, 0]), 0, v)
    out = [float(x) if track.found[i] else float(fallback[i]) / 10 for i, x in enumerate(total)]
    return out


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
        drawn = draw_pose(img, pose.landmarks[i], hips[lo:i + 1])
        data = encode_jpeg(drawn)
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


def run_analysis(job: dict[str, Any], sampled: Sampled, settings: Settings, report: Progress, wd: Path) -> dict[str, Any]:
    lang = job.get("language") or settings.language
    report("pose", stage_start("pose"))
    t_pose = time.perf_counter()
    pose = _pose(wd, sampled, settings, report)
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
    record["metrics"]["timings_s"] = {"pose": round(t_pose, 3), "metrics_feedback": round(time.perf_counter() - t_rest, 3),
                                      "pose_ms_per_frame": round(1000 * t_pose / max(1, len(sampled.frames)), 1),
                                      "pose_processes": settings.pose_workers, "frames_reused": sampled.reused}

    analyzer = choose(settings, job.get("analyzer"))
    measured = Measured(record, jpegs)
    if analyzer == "vision":
        report("vision", stage_start("vision"))
        from core.analysis.vision import VisionAnalyzer

        record = VisionAnalyzer().coach(measured, job, settings)
    else:
        record = OfflineAnalyzer().coach(measured, job, settings)
    report("persist", stage_start("persist"))
    _keep_health_reference(sampled, pose, settings)
    return record


def _keep_health_reference(sampled: Sampled, pose: P.PoseResult, settings: Settings) -> None:
    """The pose health check needs a real frame with a person: keep the clearest one we saw."""
    from core.health import health_dir, save_reference_person

    if (health_dir(settings) / "person.jpg").exists() or not pose.found.any():
        return
    vis = [P.torso_visibility(pose.landmarks[i]) if pose.found[i] else 0.0 for i in range(len(pose.found))]
    save_reference_person(settings, sampled.path(int(np.argmax(vis))))
