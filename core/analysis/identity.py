"""One climber, one body: pose frames and joints that cannot belong to the person followed are
dropped before anything is measured or drawn.

MediaPipe's single-person tracker can slip to someone walking past the lens or climbing beside, or
stretch one limb to another person's leg. Two rules that hold on any wall and camera:

- a hip that leaps away from where the neighbouring frames put it, and back, is another person
  (frame dropped): people do not teleport, and a real fast move is seen in the frames around it;
- a joint further from the torso than a limb can reach is not this body's (dropped, not drawn).
  Reach is measured in the climber's own torso length (the larger of this frame's and the median):
  a torso seen end-on looks short while the limbs do not.

- a limb end that leaps away faster than a limb can move and comes back to where it was within a
  second was never there (the model put the hand or foot on something else for a moment): those
  samples are dropped. A hand moved for real stays where it arrived.

(The torso's length itself is no test: under a roof it shrinks to half when the body swings.)
"""
from __future__ import annotations

import numpy as np

from core.analysis import pose as P

#: How far (torso lengths, from the torso's centre) each joint can be: the hand of an arm stretched
#: overhead is about 2 torso lengths away, the foot of a straight leg about 2.5.
REACH = {**{j: 1.4 for j in range(0, 11)},  # head
         P.L_ELBOW: 1.7, P.R_ELBOW: 1.7, P.L_WRIST: 2.4, P.R_WRIST: 2.4,
         **{j: 2.5 for j in (17, 18, 19, 20, 21, 22)},  # hands
         P.L_KNEE: 2.0, P.R_KNEE: 2.0, P.L_ANKLE: 2.9, P.R_ANKLE: 2.9, **{j: 3.1 for j in (29, 30, 31, 32)}}
#: Neighbours within this time decide where the hip should be; one further than JUMP_TORSOS torso
#: lengths from their median is a leap to another person.
NEIGHBOUR_S = 0.5
JUMP_TORSOS = 1.5
#: No hand or foot moves faster than this (torso lengths per second: 15 is about 7.5 m/s, beyond a
#: hand catching a dyno, 3-4 m/s, or an arm swung into a jump start, ~6 m/s); an excursion that
#: starts faster and returns within EXCURSION_S to within RETURN_TORSOS of where it began is dropped.
LIMB_SPEED = 15.0
EXCURSION_S = 1.0
RETURN_TORSOS = 0.3
LIMB_ENDS = (P.L_ELBOW, P.R_ELBOW, P.L_WRIST, P.R_WRIST, 17, 18, 19, 20, 21, 22,
             P.L_KNEE, P.R_KNEE, P.L_ANKLE, P.R_ANKLE, 29, 30, 31, 32)


def _torso(lm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sh = (lm[:, P.L_SHOULDER, :2] + lm[:, P.R_SHOULDER, :2]) / 2
    hp = (lm[:, P.L_HIP, :2] + lm[:, P.R_HIP, :2]) / 2
    return (sh + hp) / 2, np.linalg.norm(sh - hp, axis=1)


def follow_one_body(landmarks: np.ndarray, times: list[float] | np.ndarray,
                    transforms: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """A copy of ``landmarks`` (n, 33, 3) with the frames and joints of other bodies removed (NaN),
    and counts of what was removed. ``transforms`` (n, 2, 3: frame -> wall, the camera's motion)
    let a limb's "came back to where it was" be judged on the wall, not in a moving picture."""
    lm = landmarks.copy()
    t = np.asarray(times, dtype=float)
    found = ~np.isnan(lm[:, P.L_HIP, 0])
    stats = {"frames_leap": 0, "joints_out_of_reach": 0, "limb_excursions": 0}
    if found.sum() < 3:
        return lm, stats
    centre, torso = _torso(lm)
    median_torso = float(np.nanmedian(torso[found]))
    if not median_torso > 0:
        return lm, stats
    # 1. leaps of the hip away from where the neighbouring frames put it
    hip = (lm[:, P.L_HIP, :2] + lm[:, P.R_HIP, :2]) / 2
    leap = np.zeros(len(t), bool)
    for i in np.flatnonzero(found):
        near = found & (np.abs(t - t[i]) <= NEIGHBOUR_S)
        near[i] = False
        if near.sum() >= 2:
            d = np.linalg.norm(hip[i] - np.median(hip[near], axis=0))
            leap[i] = d > JUMP_TORSOS * median_torso
    stats["frames_leap"] = int(leap.sum())
    lm[leap] = np.nan
    found &= ~leap
    # 2. joints out of a limb's reach from this frame's torso centre
    scale = np.maximum(np.nan_to_num(torso), median_torso)
    for j, reach in REACH.items():
        d = np.linalg.norm(lm[:, j, :2] - centre, axis=1)
        out = found & (d > reach * scale)
        stats["joints_out_of_reach"] += int(out.sum())
        lm[out, j, 2] = 0.0  # invisible: not measured, not drawn
    # 3. limb ends that leap away impossibly fast and come back (judged on the wall)
    wall = lm[:, :, :2].copy()
    if transforms is not None and len(transforms) == len(lm):
        wall = np.einsum("nij,nkj->nki", transforms[:, :, :2], lm[:, :, :2]) + transforms[:, None, :, 2]
    for j in LIMB_ENDS:
        stats["limb_excursions"] += _drop_excursions(lm, wall[:, j], t, j, median_torso)
    return lm, stats


def _drop_excursions(lm: np.ndarray, xy: np.ndarray, t: np.ndarray, j: int, torso: float,
                     min_vis: float = 0.5) -> int:
    """Set joint ``j`` of ``lm`` invisible where its positions ``xy`` (n, 2) leapt away faster than
    LIMB_SPEED and came back to within RETURN_TORSOS of where they left within EXCURSION_S; returns
    how many excursions were dropped."""
    seen = np.flatnonzero(~np.isnan(xy[:, 0]) & (lm[:, j, 2] >= min_vis))
    dropped = 0
    k = 1
    while k < len(seen):
        a, b = seen[k - 1], seen[k]
        home = xy[a]
        if np.linalg.norm(xy[b] - home) <= LIMB_SPEED * (t[b] - t[a]) * torso:
            k += 1
            continue
        back = next((m for m in range(k + 1, len(seen)) if t[seen[m]] - t[b] <= EXCURSION_S
                     and np.linalg.norm(xy[seen[m]] - home) <= RETURN_TORSOS * torso), None)
        if back is None:
            k += 1
            continue
        lm[seen[k:back], j, 2] = 0.0
        dropped += 1
        k = back + 1
    return dropped
