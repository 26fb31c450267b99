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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis import camera, holds
from core.analysis import metrics as M
from core.analysis import pose as P
from core.analysis.base import Measured, choose
from core.analysis.blazepose import BlazePose, Roi
from core.analysis.drawing import draw_people, draw_pose, encode_jpeg, hip_path, trail
from core.analysis.identity import follow_one_body
from core.analysis.offline import OfflineAnalyzer, build_record
from core.analysis.people import (
    MIN_FRAMES,
    UNSURE_FACTOR,
    Follow,
    People,
    Person,
    choice_is_clear,
    climber,
    fill_back,
    link,
    on_the_wall,
    others_down,
    seen_far_longer,
)
from core.analysis.vision import VisionAnalyzer
from core.config import Settings
from core.errors import PipelineError
from core.media.frames import pick_key_frames
from core.pipeline.ingest import Sampled, ingest, reusable, work_dir
from core.pipeline.stages import SHARE, Progress, no_progress, stage_start
from core.storage import get_store

POSES = "poses.npz"  # the climber's landmarks, frame by frame (the replay draws them)
PEOPLE = "people.npz"  # everyone seen, with the person each belongs to (a pick re-runs from it)


def _people_key(analysis_id: str) -> str:
    return f"frames/{analysis_id}/{PEOPLE}"


def _load_people(wd: Path, n: int) -> People | None:
    cache = wd / PEOPLE
    if not cache.is_file():
        return None
    people = People.load(cache)
    return people if people.n_frames == n else None


def _stored_people(job: dict[str, Any], settings: Settings, wd: Path) -> bool:
    """Fetch everyone seen from the store into the work dir (a pick made where the work dir is
    not: another worker, after a clean-up; or another climb of a video analysed before, from that
    analysis); True when it is there now."""
    store = get_store(settings)
    key = _people_key(job["analysis_id"])
    try:
        if not store.exists(key) and job.get("climb_of"):
            key = _people_key(job["climb_of"])
        if not store.exists(key):
            return False
        wd.mkdir(parents=True, exist_ok=True)
        data = store.get_bytes(key)
        (wd / PEOPLE).write_bytes(data)
        if key != _people_key(job["analysis_id"]):  # its own copy: the other analysis may be deleted
            store.put_bytes(data, _people_key(job["analysis_id"]), content_type="application/octet-stream")
        return True
    except PipelineError:
        return False


def sample_and_track(job: dict[str, Any], settings: Settings, report: Progress, wd: Path) -> tuple[Sampled, People]:
    """Decode once: every sampled frame goes to the pose workers as it comes out of the decoder,
    which report everyone in it; they are linked into people over the whole clip."""
    frames_dir = wd / "frames"
    done = reusable(frames_dir, settings)
    if done is not None and (people := _load_people(wd, len(done.frames))) is not None:
        return done, people
    picked = job.get("person") or job.get("climb_at") is not None
    if picked and _stored_people(job, settings, wd):  # a pick: decode again, track nobody again
        sampled = done or ingest(job["video_ref"], frames_dir, settings, report, reuse=False)
        if (people := _load_people(wd, len(sampled.frames))) is not None:
            return sampled, people
        done = sampled
    expected = [1]
    start, share = stage_start("pose"), SHARE["pose"]

    def tracked(n: int) -> None:
        report("pose", start + share * min(1.0, n / max(expected[0], 1)))

    # the workers start (and load their models) before decoding begins, so they are ready for frame 1
    with P.PoseStream(settings.pose_workers, tracked) as stream:
        if done is not None:  # frames kept from an earlier attempt, people not: track from the JPEGs
            sampled = done
            expected[0] = len(done.frames)
            for i, f in enumerate(done.frames):
                stream.put(f["t"], done.image(i))
        else:
            sampled = ingest(job["video_ref"], frames_dir, settings, report, reuse=False,
                             on_frame=lambda fr: stream.put(fr.t, fr.image))
            expected[0] = len(sampled.frames)
        seen = stream.finish()
    people = link(People.from_frames(seen), [f["t"] for f in sampled.frames])
    people.save(wd / PEOPLE)
    with open(wd / PEOPLE, "rb") as fh:  # kept beside the frames, so a pick can run anywhere
        get_store(settings).put_bytes(fh.read(), _people_key(job["analysis_id"]), content_type="application/octet-stream")
    return sampled, people


def _follower(sampled: Sampled, elsewhere: np.ndarray) -> Follow:
    """Follows a body back through ``sampled``'s frames (see pose.follow_back), with the pose models
    loaded in this process when first needed (run it inside ``P.quiet_stderr``); not into a view the
    clip cut away to (``elsewhere``, per frame: see camera.elsewhere)."""
    models: list[BlazePose] = []

    def follow(start: int, roi: np.ndarray, frames: range) -> Iterator[tuple[int, P.Candidate]]:
        if not models:
            models.append(BlazePose())
        away = [f for f in frames if elsewhere[f]]
        if away:
            frames = range(frames.start, away[0], frames.step)
        return P.follow_back(models[0], sampled.image, start, Roi(*(float(v) for v in roi)), frames)
    return follow


def the_climber(job: dict[str, Any], sampled: Sampled, people: People, cam: camera.CameraMotion,
                wd: Path) -> tuple[P.PoseResult, list[Person], int, str]:
    """The climber's landmarks (one body: leaps to someone else and joints out of reach dropped),
    everyone with their time on the wall, who was chosen and how. The views the clip begins or ends
    in that were never found on the wall are placed on it by the climber's body (``cam``, in place:
    see camera.anchor)."""
    times = [f["t"] for f in sampled.frames]
    persons = on_the_wall(people, times, cam.transforms, sampled.width, sampled.height)
    asked = int(job.get("person") or 0)
    if 1 <= asked <= people.count:
        chosen, how = asked, "picked"
    else:
        chosen, how = climber(persons), "longest on the wall"
    # the tracker followed everyone forward: the climber is also followed back from where they were
    # found (late, or again after a gap), and everyone's time on the wall is measured again
    with P.quiet_stderr():  # LiteRT's messages (see quiet_stderr)
        added = fill_back(people, chosen, _follower(sampled, cam.elsewhere)) if chosen else 0
    if added:
        persons = on_the_wall(people, times, cam.transforms, sampled.width, sampled.height)
    pose = people.of(chosen, times)
    # a view the clip begins or ends in, never found on the wall, is placed on it by this body
    camera.anchor(cam, pose.landmarks, times)
    # one body: frames that leap to someone else and joints out of a limb's reach are dropped here,
    # so nothing downstream (metrics, key frames, replay) measures or draws them
    landmarks, _ = follow_one_body(pose.landmarks, times, cam.transforms)
    pose = P.PoseResult(landmarks, pose.source)
    np.savez(wd / POSES, landmarks=pose.landmarks, source=np.array(pose.source), elsewhere=cam.elsewhere,
             transforms=cam.transforms, view=cam.view)
    return pose, persons, chosen, how


def overview(analysis_id: str, sampled: Sampled, people: People, persons: list[Person], chosen: int,
             settings: Settings) -> dict[str, Any] | None:
    """The frame where the most people are seen, each boxed with their number (the chosen one in the
    accent colour); stored for the results page, where the climber can pick another person."""
    offered = [p.number for p in persons if p.frames >= MIN_FRAMES]
    if len(offered) < 2:
        return None
    counts = np.zeros(people.n_frames, int)
    for n in offered:
        counts[np.unique(people.frame[people.person == n])] += 1
    i = int(np.argmax(counts))  # the first frame with the most of them
    img = sampled.image(i)
    if img is None:
        return None
    boxes = {}
    for n in offered:
        ks = np.flatnonzero(people.person == n)
        k = ks[np.argmin(np.abs(people.frame[ks] - i))]  # this frame, or the nearest one they are in
        boxes[n] = P.bbox(people.landmarks[k])
    data = encode_jpeg(draw_people(img, boxes, chosen))
    key = f"frames/{analysis_id}/people.jpg"
    ref = get_store(settings).put_bytes(data, key, content_type="image/jpeg")
    w, h = sampled.width, sampled.height
    return {"time": sampled.frames[i]["t"], "ref": ref, "key": key,
            "boxes": {str(n): [round(b[0] / w, 4), round(b[1] / h, 4), round(b[2] / w, 4), round(b[3] / h, 4)]
                      for n, b in boxes.items()}}


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
               settings: Settings, cam: camera.CameraMotion) -> tuple[list[dict[str, Any]], list[tuple[float, bytes]]]:
    """Choose key frames by movement inside the climb, draw skeleton + hip trail (its path on the
    wall, not from frames before a cut-away: see drawing.trail), store them."""
    store = get_store(settings)
    times = [f["t"] for f in sampled.frames]
    a, b, _ = m.window
    idx = [i for i, t in enumerate(times) if a - 0.5 <= t <= b + 0.5] or list(range(len(times)))
    move = movement_signal(track, [f["motion"] for f in sampled.frames])
    chosen = [idx[j] for j in pick_key_frames([times[i] for i in idx], [move[i] for i in idx], settings.key_frames)]
    hips, leaps = hip_path(pose.landmarks, cam.transforms)
    out, jpegs = [], []
    for n, i in enumerate(chosen):
        img = sampled.image(i)
        if img is None:
            continue
        data = encode_jpeg(draw_pose(img, pose.landmarks[i], trail(i, 24, hips, cam.transforms, cam.elsewhere, cam.view, leaps)))
        key = f"frames/{analysis_id}/key_{n:02d}.jpg"
        out.append({"time": times[i], "ref": store.put_bytes(data, key, content_type="image/jpeg"), "key": key,
                    "overlay": True, "movement": round(move[i], 3)})
        jpegs.append((times[i], data))
    return out, jpegs


def wall_and_holds(analysis_id: str, sampled: Sampled, people: People, cam: camera.CameraMotion, track: M.Track,
                   m: M.Metrics, settings: Settings) -> tuple[dict[str, Any], list[dict[str, Any]], list[int | None]]:
    """The wall with nobody on it (in wall coordinates, where the route is drawn), stored as the
    route's wall frame; the holds used, in the order first touched; each contact's hold number."""
    times = [f["t"] for f in sampled.frames]
    first = next((i for i, t in enumerate(times) if t >= m.window[0] - 1e-6), 0)
    boxes = people.boxes()
    used_frames = [i for i in holds.plate_frames(len(times)) if cam.on_wall[i]]
    box = holds.extent([cam.transforms[i] for i in used_frames], sampled.width, sampled.height)
    pl = holds.plate(((img, cam.transforms[i], boxes[i]) for i in used_frames
                      if (img := sampled.image(i)) is not None), sampled.width, sampled.height, box)
    found = holds.detect(pl, track.torso_px)
    on, order = holds.route(m.contacts, track.lm, track.t, found, track.torso_px)
    number = {h: k + 1 for k, h in enumerate(order)}
    w, h = sampled.width, sampled.height
    used = []
    for h_i in order:
        hd = found[h_i]
        cs = [c for c, o in zip(m.contacts, on) if o == h_i]
        used.append({"number": number[h_i], "box": [round(hd.box[0] / w, 4), round(hd.box[1] / h, 4),
                                                   round(hd.box[2] / w, 4), round(hd.box[3] / h, 4)],
                     "colour": hd.colour, "first_s": round(min(c.start for c in cs), 2),
                     "limbs": sorted({c.limb for c in cs}), "hand": any(c.hold_type == "hand" for c in cs)})
    key = f"frames/{analysis_id}/wall.jpg"
    # stored at the plate's own size: the charts stretch it over the frame's coordinates
    ref = get_store(settings).put_bytes(encode_jpeg(pl.image), key, content_type="image/jpeg")
    # the part of the wall it shows, in the frame's proportions (0-1; beyond them where the camera
    # moved on from the first frame's view)
    wall = {"time": times[first] if times else 0.0, "ref": ref, "key": key, "plate": True,
            "box": [round(pl.box[0] / w, 4), round(pl.box[1] / h, 4), round(pl.box[2] / w, 4), round(pl.box[3] / h, 4)],
            "uncovered": round(pl.seen_share, 3), "holds_found": len(found)}
    return wall, used, [number.get(o) if o is not None else None for o in on]


def analyze(job: dict[str, Any], settings: Settings, progress: Progress | None = None,
            *, fresh: bool = False) -> dict[str, Any]:
    """Run every stage for ``job`` and return the record's result fields. Raises PipelineError."""
    report = progress or no_progress
    wd = work_dir(settings, job["analysis_id"])
    if fresh and wd.exists():
        shutil.rmtree(wd)
    lang = job.get("language") or settings.language
    t_pose = time.perf_counter()
    sampled, people = sample_and_track(job, settings, report, wd)
    t_pose = time.perf_counter() - t_pose

    report("metrics", stage_start("metrics"))
    t_rest = time.perf_counter()
    cam = camera.estimate(sampled.thumbs(), people.bodies(), sampled.width)
    if cam.elsewhere.any() or cam.cuts:  # the clip cut away and back: who is who, read without what
        # it cut to; or it cut to (or from) a view not placed on the wall: who is who, across it, by look
        people = link(people.without(cam.elsewhere), [f["t"] for f in sampled.frames], cam.cuts)
    pose, persons, chosen, how = the_climber(job, sampled, people, cam, wd)
    track = M.build_track([f["t"] for f in sampled.frames], pose.landmarks, cam.transforms, sampled.width, sampled.height)
    track.others_down = others_down(persons, chosen)
    track.cuts = tuple(float(sampled.frames[i]["t"]) for i in range(1, len(cam.view)) if cam.view[i] != cam.view[i - 1])
    trim = job.get("trim") or {}
    m = M.compute(track, (trim.get("start"), trim.get("end")) if trim else None, job.get("climb_at"))

    report("feedback", stage_start("feedback"))
    record = build_record(pose, cam, track, m, lang, sampled.width, sampled.height)
    kf, jpegs = key_frames(job["analysis_id"], sampled, pose, track, m, settings, cam)
    record["key_frames"] = kf
    wall, used, on = wall_and_holds(job["analysis_id"], sampled, people, cam, track, m, settings)
    record["route_analysis"]["wall_frame"] = wall
    record["route_analysis"]["holds"] = used
    for c, n in zip(record["route_analysis"]["ideal_route"], on):
        c["hold"] = n
    clear = choice_is_clear(persons, chosen, how)
    record["people"] = {"count": sum(1 for p in persons if p.frames >= MIN_FRAMES), "chosen": chosen, "how": how,
                        "certain": clear, "list": [p.to_dict() for p in persons if p.frames >= MIN_FRAMES],
                        "overview": overview(job["analysis_id"], sampled, people, persons, chosen, settings)}
    if not clear:  # two climbers on the wall about as long: the right one may be the other
        record["confidence"] = round(record["confidence"] * UNSURE_FACTOR, 3)
    if seen_far_longer(persons, chosen, how):  # someone else seen all along: which is the climber is a guess
        record["confidence"] = round(record["confidence"] * UNSURE_FACTOR, 3)
        record["low_confidence"] = True
        record["metrics"]["low_confidence_why"] = "person"
    record["video"] = sampled.info.to_dict()
    record["video_sha256"] = sampled.video_sha256
    record["metrics"]["sampled_frames"] = len(sampled.frames)
    record["metrics"]["decoded_frames"] = sampled.decoded
    record["metrics"]["analysis_fps"] = settings.analysis_fps
    record["language"] = lang
    record["cost"] = {"tokens_in": 0, "tokens_out": 0, "usd": 0.0}
    record["metrics"]["timings_s"] = {"sample_and_pose": round(t_pose, 3),
                                      "metrics_feedback": round(time.perf_counter() - t_rest, 3),
                                      "pose_processes": settings.pose_workers, "frames_reused": sampled.reused,
                                      "poses_reused": people.reused}

    measured = Measured(record, jpegs)
    if choose(settings, job.get("analyzer")) == "vision":
        report("vision", stage_start("vision"))
        record = VisionAnalyzer().coach(measured, job, settings)
    else:
        record = OfflineAnalyzer().coach(measured, job, settings)
    report("persist", stage_start("persist"))
    return record
