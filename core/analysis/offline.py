"""The offline analyser: pose -> camera -> metrics -> technique -> the full record, no network."""
from __future__ import annotations

from typing import Any

import numpy as np

from core.analysis import catalog, technique
from core.analysis import metrics as M
from core.analysis.base import Analyzer, Measured
from core.analysis.camera import CameraMotion
from core.analysis.pose import PoseResult, torso_visibility
from core.config import Settings
from core.errors import ErrorCode, PipelineError


class OfflineAnalyzer(Analyzer):
    name = "offline"

    def coach(self, measured: Measured, job: dict[str, Any], settings: Settings) -> dict[str, Any]:
        return dict(measured.record)


#: Below this share of steady tracking the result is flagged low-confidence (someone else may have
#: been followed for a while).
CONTINUITY_LOW = 0.85


def _norm(x: float, y: float, w: int, h: int) -> tuple[float, float]:
    return round(x / w, 4), round(y / h, 4)


def build_record(pose: PoseResult, cam: CameraMotion, track: M.Track, m: M.Metrics, lang: str,
                 frame_w: int, frame_h: int) -> dict[str, Any]:
    """The measured record. Raises NO_CLIMBER_DETECTED below the quality gate."""
    found = pose.found
    if found.sum() < 4 or m.coverage < M.QUALITY_GATE_FAIL:
        raise PipelineError(
            ErrorCode.NO_CLIMBER_DETECTED,
            f"pose coverage {m.coverage:.0%} of the climb ({int(found.sum())}/{len(found)} sampled frames), "
            f"gate {M.QUALITY_GATE_FAIL:.0%}",
        )
    vis = float(np.mean([torso_visibility(pose.landmarks[i]) for i in np.flatnonzero(found)]))
    cam_factor = 1.0 if not cam.moving else (0.9 if cam.reliable else 0.6)
    # measured agreement: the body seen (coverage, landmark visibility), followed steadily (no jumps),
    # in wall coordinates (camera), inside a window found from the floor or a clear rise
    confidence = round(min(1.0, m.coverage) * m.continuity * vis * cam_factor * (1.0 if m.window_certain else 0.8), 3)
    seen_badly = m.coverage < M.QUALITY_GATE_LOW or (cam.moving and not cam.reliable) or m.continuity < CONTINUITY_LOW
    low_conf = seen_badly or not m.window_certain

    again = technique.reread(track, m)  # how far each score moves when the pose is read again
    points = technique.assess(m, lang, again)
    score = technique.performance_score(points)
    segs = technique.segments(m, lang)
    v = m.values

    contacts = [
        {"time": round(c.start, 2), "x": _norm(c.x, c.y, frame_w, frame_h)[0], "y": _norm(c.x, c.y, frame_w, frame_h)[1],
         "hold_type": c.hold_type, "limb": c.limb, "duration_s": round(c.end - c.start, 2), "order": k + 1}
        for k, c in enumerate(m.contacts)
    ]
    hip_px = track.hip()
    down, _ = M.down_axis(track)  # heights along the body's "up" (a sideways phone), else the picture's
    if not m.values["up_from_body"]:
        down = np.array([0.0, 1.0])
    climbed = []
    height0 = None
    sp = dict(zip(np.round(m.hip_t, 3).tolist(), m.hip_speed.tolist()))
    for i, t in enumerate(track.t):
        if np.isnan(hip_px[i, 0]):
            continue
        x, y = _norm(hip_px[i, 0], hip_px[i, 1], frame_w, frame_h)
        h = -float(hip_px[i] @ down) / track.torso_px
        height0 = h if height0 is None else height0
        climbed.append({"time": round(float(t), 2), "x": x, "y": y, "height": round(float(h - height0), 3),
                        "speed": round(float(sp[round(float(t), 3)]), 3) if round(float(t), 3) in sp else None,
                        "in_climb": bool(m.window[0] <= t <= m.window[1])})

    assessed = [p for p in points if p.assessed and p.score is not None]
    ranked = sorted(assessed, key=lambda p: p.score or 0, reverse=True)
    if v["vertical_progress"] is not None:
        summary = [catalog.say("summary", duration=float(v["duration_s"]), moves=int(v["moves"]),
                               gain=float(v["vertical_progress"]), score=score if score is not None else "-")]
    else:  # no "up" from the body (a roof): the height is not claimed
        summary = [catalog.say("summary.no_height", duration=float(v["duration_s"]), moves=int(v["moves"]),
                               score=score if score is not None else "-"),
                   catalog.say("summary.height_unsure" if m.window[2] == M.UP_UNSURE else "summary.height_unknown")]
    if v.get("moves_down"):  # the count above leaves them out (the labelling rules): said, not hidden
        summary.append(catalog.say("summary.climbed_down", n=int(v["moves_down"])))
    good = [p for p in ranked if (p.score or 0) >= technique.GOOD_SCORE]
    weak = [p for p in reversed(ranked) if (p.score or 0) < technique.GOOD_SCORE]
    if good:
        summary.append(catalog.say("summary.best", best=catalog.say(f"area.{good[0].area}")))
    if weak:
        summary.append(catalog.say("summary.worst", worst=catalog.say(f"area.{weak[0].area}")))
    if cam.moving:
        summary.append(catalog.say("summary.moving_camera" if cam.reliable else "summary.moving_camera_failed"))
    # a broadcast or an edit cutting away from the wall during the climb (the climber not measured
    # then), or opening or ending on another camera (measured, placed on the wall by the body)
    inside = (track.t >= m.window[0] - 1e-6) & (track.t <= m.window[1] + 1e-6)
    step = float(np.median(np.diff(track.t))) if len(track.t) > 1 else 0.0
    shown: dict[str, float] = {}
    for key, frames, name in (("summary.cut_away", cam.elsewhere, "away"), ("summary.other_camera", cam.by_body, "other")):
        idx = np.flatnonzero(inside & frames)
        shown[name] = len(idx) * step
        if len(idx):
            summary.append(catalog.say(key, **{name: round(shown[name], 1)}, at=round(float(track.t[idx[0]]), 1)))
    # an area is either a strength or something to work on, never both
    strengths = [catalog.say("item", area=catalog.say(f"area.{p.area}"), text=p.said) for p in good]
    recommendations = [catalog.say("item", area=catalog.say(f"area.{p.area}"), text=p.drill_said) for p in weak[:3]]
    phrases = {"summary": summary, "strengths": strengths, "recommendations": recommendations}

    metrics = dict(v)
    metrics["pauses_detail"] = m.pauses
    metrics["camera"] = {"moving": cam.moving, "compensated": cam.moving and cam.reliable,
                         "max_shift": cam.max_shift, "failed_pairs": cam.failed_pairs,
                         "cut_away_s": round(shown["away"], 2), "other_camera_s": round(shown["other"], 2)}
    metrics["pose_sources"] = {s: pose.source.count(s) for s in set(pose.source) if s}
    metrics["landmark_visibility"] = round(vis, 3)
    metrics["confidence_by_area"] = technique.reliability(m)
    metrics["score_spread"] = {**{p.area: p.basis.get("spread") for p in points},
                               "performance": technique.performance_spread(points, again)}
    metrics["value_spread"] = {k: technique.spread(v, 4) for k, v in again.values.items()}
    metrics["reread"] = again.judged  # the measures the labels judge, per reading (see technique.JUDGED)
    # why the analysis is flagged, for the page's warning: the climber hard to see, or only the window
    # unsure: which way is up (a turned picture, no floor in view), or when the climb began,
    # or which of two attempts the video is meant for
    why = ("hard_to_see" if seen_badly else "up" if m.window[2] == M.UP_UNSURE else
           "attempt" if v["attempt_unsure"] else "window")
    metrics["low_confidence_why"] = why if low_conf else None
    # which way is down for everyone else in view (picture x, y), where they agree: what confirms a
    # turned picture's "up" when no floor is in view
    metrics["others_down"] = [float(x) for x in track.others_down] if track.others_down is not None else None
    return {
        "performance_score": score,
        "confidence": confidence,
        "low_confidence": low_conf,
        "moving_camera": cam.moving,
        "analyzers_used": ["offline"],
        "degraded": False,
        "degraded_reason": None,
        "route_analysis": {
            "route_detected": sum(1 for c in m.contacts if c.hold_type == "hand") >= 2,
            "total_moves": v["moves"],
            "difficulty_estimated": None,
            "ideal_route": contacts,  # old field name; holds the route as climbed (ordered contacts)
            "climbed_path": climbed,
            "performance_segments": segs,
            "climb_window": {"start": round(m.window[0], 2), "end": round(m.window[1], 2), "how": m.window[2]},
            "height_basis": "body" if m.values["up_from_body"] else "picture",
            "frame_size": [frame_w, frame_h],
        },
        "metrics": metrics,
        "technique_points": [p.to_dict(lang) for p in points],
        # the words in the analysis' language, and the phrases to render them in the reader's
        "summary": " ".join(catalog.render(lang, p) for p in summary),
        "strengths": [catalog.render(lang, p) for p in strengths],
        "recommendations": [catalog.render(lang, p) for p in recommendations],
        "phrases": phrases,
    }
