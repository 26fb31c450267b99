"""Movement metrics from a pose track. Every threshold is here, named, with where it comes from.

Units: positions in torso lengths (median shoulder-to-hip distance of the climber), so figures do
not depend on resolution or distance to the wall; time in seconds. Image y grows downwards; the
"height" reported is upwards (negative y).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from core.analysis import pose as P
from core.analysis.identity import LIMB_SPEED

# --- thresholds -------------------------------------------------------------------------------
#: Moving-average window before any derivative: noise lengthens the path and inflates GIE and jerk.
SMOOTH_WINDOW_S = 0.5
#: Jerk differentiates three times, so it gets its own heavier smoothing: two passes of this window
#: (a triangular kernel); measured on synthetic climbs, 3 px jitter on a 100 px torso then moves
#: log10(jerk) by < 0.5 instead of > 1.
JERK_SMOOTH_S = 1.0
#: A movement (for smoothness) is at least this long; SPARC counts its speed spectrum up to this
#: frequency (below the Nyquist frequency of every sampling rate we use, 6 fps and up).
MOVE_MIN_S = 0.75
SPARC_FC_HZ = 2.5
SPARC_SMOOTH_S = 0.25
#: Holes in the hip track shorter than this are interpolated; longer ones stay gaps.
MAX_GAP_FILL_S = 0.75
#: Hip speed under this is "immobile" (torso lengths/s; ~0.1 m/s for a 0.5 m torso, the order of
#: the hip-velocity thresholds used for immobility in Seifert et al. 2014 and Orth et al. 2018).
IMMOBILE_SPEED = 0.2
#: An immobile stretch at least this long is a pause.
PAUSE_MIN_S = 1.0
#: A wrist or ankle that stays within this radius (torso lengths, ~10 cm for a 50 cm torso) of where
#: it is, in wall coordinates, ...
CONTACT_RADIUS = 0.22
#: ... for at least this long is a contact (a hold in use). DESIGN.md: >= 0.3 s. Stillness is
#: judged as spread around the median over the span, not as frame-to-frame speed: pose jitter of a
#: few pixels per frame is a large speed at 8 fps but a small spread, and the same span in seconds
#: means the same at 6 or 12 fps. And in three samples at least: a swing's turning point is two
#: samples alike at any rate (either side of it), which from a 6 fps source already span 0.33 s.
CONTACT_MIN_S = 0.3
#: Between two tracked samples the hip moves at most this far (torso lengths, plus per second of gap)
#: for the tracking to count as steady: a fast dyno moves about 2 torso lengths a second.
JUMP_TORSOS = 0.4
JUMP_PER_S = 3.0
#: A landmark is used only with at least this visibility.
MIN_VISIBILITY = 0.5
#: A joint the model places with less confidence than MIN_VISIBILITY but at least this is hardly seen
#: (behind the body): its place still tells whether it moved (see _still_barely_seen).
LOW_VISIBILITY = 0.3
#: Elbow angle counted as a straight arm (Beltran Beltran et al. 2023: >= 150 degrees).
STRAIGHT_ARM_DEG = 150.0
#: A foot contact starting within this time after the same foot's previous contact, and within
#: this distance of it, is a re-placement (the foot was lifted and put back: an imprecise placement).
REPLACE_WITHIN_S = 1.0
REPLACE_DIST = 0.4
#: A hand contact further than this from the same hand's previous contact is a move to a new hold
#: (twice the contact radius: two spans of one grip, split by jitter, are not a move).
NEW_HOLD_DIST = 0.45
#: A hand's first hold taken later than this after the climb began from the floor may be a move (the
#: start holds are taken while still standing, and settle a moment after; see compute). A climb that
#: begins where the climber is first seen (on the wall from the clip's start) has no such moment: a
#: hand seen elsewhere first has moved.
FIRST_HOLD_GRACE_S = 0.5
#: ... and it is a move only if the hand was seen elsewhere in the REACH_SEEN_S before (a reach).
REACH_SEEN_S = 1.0
#: A hand on a spot for less than this, then back on the hold it left, never moved on (two moves undone).
BRIEF_TOUCH_S = 0.5
#: ... nor on a spot that far off its way to the hold it takes next, within REACH_SEEN_S: the way
#: through it at least this many times the way from the hold it left (a hand's way is about straight; an
#: intermediate hold bumped on the way lies near it; a hand read for a moment on the crowd below a
#: roof, opposite the hold it goes to, makes the way three times as long).
DETOUR = 2.0
#: Slack around the outermost contacts when testing whether the hip is over the support (torso lengths).
SUPPORT_MARGIN = 0.15
#: Hip speed above this (torso lengths/s) with no hand on a hold is a flight phase (dyno, lunge).
DYNO_SPEED = 1.2
#: Both feet leaving the wall (after at least FEET_ON_BEFORE_S on it) and staying off at least
#: FEET_OFF_MIN_S is a cut loose (the body swings on the hands): a dynamic move.
FEET_OFF_MIN_S = 0.3
FEET_ON_BEFORE_S = 0.5
#: A foot leaving its hold moves at least FEET_TOGETHER_DIST torso lengths within FEET_TOGETHER_S.
FEET_TOGETHER_S = 0.25
FEET_TOGETHER_DIST = 0.5
#: Dynamic-move events this close together are one move: a body swinging on its hands (about 1.5 m
#: from hands to hips) swings out and back in half a pendulum period, pi * sqrt(1.5 / 9.81) = 1.2 s,
#: and the feet brushing the wall at the far end of the swing does not start another one.
ONE_SWING_S = 1.5
#: ... and a swing comes back: events later than ONE_SWING_S but within a whole period (2.5 s) are
#: the same move while the hip has not come to rest between them (below IMMOBILE_SPEED for REST_S;
#: the turning point of a swing is still for an instant only).
SWING_S = 2.5
REST_S = 0.25
#: The last foot leaving and no foot on a hold for this long is a cut loose (see cut_loose_gaps).
CUT_LOOSE_GAP_S = 1.0
#: A flight moves the hip at least this far (torso lengths) over consecutive fast samples.
FLIGHT_MIN_DIST = 0.4
#: A body swinging from both hands (see hip_swings) swings its hip out at least this far (torso
#: lengths) within ONE_SWING_S, at DYNO_SPEED or faster, and back at least half of it.
SWING_AMP = 0.5
#: Feet leaving the wall this close to the end of the climb are the climber getting off, not a move
#: (nor feet off the wall: see compute).
DISMOUNT_S = 0.75
#: Climb start: the hip has risen this far above its starting level; end: it fell this far below its top.
#: (Used when no floor is in view.)
START_RISE = 0.3
END_DROP = 0.6
#: ... and without a certain "up", only a drop that fast (seconds; falling from rest takes 0.25 s to
#: drop 0.6 torso lengths, ~30 cm) is a fall off the wall.
DROP_S = 0.5
#: The floor: the lowest level (along "down") where a foot stands still for FLOOR_MIN_S, within the
#: first or last EDGE_SHARE of the clip; a foot within FLOOR_BAND torso lengths of it is on the floor
#: (soft mats, perspective). A climb is at least MIN_CLIMB_S off the floor.
FLOOR_MIN_S = 1.0
FLOOR_BAND = 0.4
#: Back on the floor between two stretches off it, on the way to the top, is on it at least this
#: long: a climber stepping down stands a moment before starting again; a foot in the band for less
#: is on one of the lowest footholds (a few inches off the mat, within the band's allowance for
#: perspective). After the top, any return to the floor ends the climb.
BACK_ON_FLOOR_S = 0.5
EDGE_SHARE = 0.15
MIN_CLIMB_S = 1.0
#: Another attempt in the clip (seen from the floor and back to it) at least this share as long as
#: the longest may be the one meant: the send after a fall, or the fall before the send. Which climb
#: the video is of is then not certain, and the page asks the climber to pick, not to trust it.
ATTEMPT_RIVAL_SHARE = 0.5
#: "Down" from the body is certain when the torso lies within UPRIGHT_DEG of it in UPRIGHT_SHARE of frames.
UPRIGHT_DEG = 45.0
UPRIGHT_SHARE = 0.7
#: A hand further than this many torso lengths from the hip reaches (arms hanging at the sides of
#: someone standing are nearer); the hands say which way the hip hangs once there are this many.
REACH_TORSOS = 1.5
MIN_REACHES = 8
#: A reaching hand holds the hip "below" it when the hip lies within this angle of straight down from
#: it: wider than UPRIGHT_DEG, since a hand reaching sideways at shoulder height (a traverse) still
#: holds the hip below it, about 50 degrees off straight down.
HANG_DEG = 60.0
#: How the climb window was found (the third of climb_window's answers; the others are below):
FROM_FLOOR = "feet off the floor"  # from the floor line: nothing resting on it (feet, or a seat)
FROM_HIP = "detected"  # no floor in view: from the hip's rise and its drop from the top
TRIMMED = "manual trim"  # the part of the video the climber chose
WHOLE_CLIP = "whole clip"  # too little of the climber seen to tell
NO_PROGRESS = "no vertical progress: whole track"  # seen standing, never rising: every frame seen
#: How the window was found when the climber was seen only hanging on the wall (see _window_from_hip);
#: not counted as time on the wall when choosing the climber: a spectator sitting on the floor has
#: the feet no lower than the hips either.
ON_THE_WALL_THROUGHOUT = "on the wall throughout"
#: A window that starts where the hip first rose after a long while neither standing nor rising: the
#: body may have been on the wall all along (hanging still) or sitting on the mat (a sit start);
#: nothing in the pose tells the two apart, so the start is not certain.
START_UNSURE = "rise after a hang or a sit"
#: A window found from the hip along a "down" that only the body gave and that is not the picture's
#: own (a phone held sideways or upside down, no floor in view): a body misread lying across the
#: picture (a far climber read across a crowd) gives the same certain, turned "down", and then a
#: rise along it is no climb. Unless something else in view confirms which way is up, the window is
#: not certain. (A turned picture with the floor in view is confirmed by the floor line; one where
#: the other people in it, standing by or climbing, are turned the same way, by them; the picture's
#: own "down" agreeing with the body's is two readings agreeing.)
UP_UNSURE = "rise along a turned picture"
#: ... a while at least this share of the climb after it: how far the two readings (on the wall from
#: the first frame, or from the rise) differ in what is measured over the climb. A low start's
#: crouch of a second or two before a long climb changes little; a body hanging still as long as it
#: then climbs halves every share (feet off, time immobile).
UNSURE_BEFORE_SHARE = 0.5
#: Standing, the lower foot is at least this many torso lengths below the hip (legs are about 1.7).
STAND_DROP = 0.75
#: The model now and then names the feet the wrong way round for a few frames (legs seen from
#: behind and from the front look alike). A reading is taken as swapped when swapping the lower legs
#: makes the ankles' way from where each foot was just seen (the median of its last SWAP_HISTORY
#: sightings in the REACH_SEEN_S before) less than SWAP_RATIO of the way as read, and that way is
#: over SWAP_MIN_TORSOS: two feet close together say nothing, and a foot stepping past the other
#: moves one step at a time.
SWAP_HISTORY = 3
SWAP_RATIO = 0.5
SWAP_MIN_TORSOS = 0.3
#: The lower legs' landmarks, left and right: knee, ankle, heel, toe.
LEGS = ((P.L_KNEE, P.R_KNEE), (P.L_ANKLE, P.R_ANKLE), (P.L_HEEL, P.R_HEEL), (P.L_TOE, P.R_TOE))
#: Quality gates over the frames of the climb: below FAIL the clip is NO_CLIMBER_DETECTED, below
#: LOW the result is marked low_confidence. Denominator: sampled frames inside the climb window.
QUALITY_GATE_FAIL = 0.25
QUALITY_GATE_LOW = 0.6
LIMBS = {"left_hand": P.L_WRIST, "right_hand": P.R_WRIST, "left_foot": P.L_ANKLE, "right_foot": P.R_ANKLE}
KNEES = {"left_foot": P.L_KNEE, "right_foot": P.R_KNEE}
OTHER_HAND = {"left_hand": "right_hand", "right_hand": "left_hand"}


# --- primitives on paths ---------------------------------------------------------------------
def smooth(x: np.ndarray, t: np.ndarray, window_s: float = SMOOTH_WINDOW_S) -> np.ndarray:
    """Centred moving average over ``window_s`` (edges use the available samples)."""
    if len(x) < 3:
        return x.copy()
    dt = float(np.median(np.diff(t))) or 0.125
    k = max(1, int(round(window_s / dt)))
    if k % 2 == 0:
        k += 1
    if k <= 1:
        return x.copy()
    kern = np.ones(k)
    pad = k // 2
    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        xp = np.pad(x[:, j], pad, mode="edge")
        out[:, j] = np.convolve(xp, kern / k, mode="valid")
    return out


def path_length(xy: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()) if len(xy) > 1 else 0.0


def gie(xy: np.ndarray) -> float:
    """Geometric index of entropy ln(2L/c) (Cordier et al. 1994): L path length, c hull perimeter.
    0 for a straight line; larger for a more tortuous path. Scale and translation invariant."""
    L = path_length(xy)
    if L <= 1e-9:
        return 0.0
    # the hull in float32 (OpenCV's): centred and in path lengths first, so a short path far from
    # the origin keeps its digits
    unit = (xy - xy.mean(axis=0)) / L
    hull = cv2.convexHull(unit.astype(np.float32).reshape(-1, 1, 2))
    c = float(cv2.arcLength(hull, True)) * L
    if c <= 1e-9:
        return 0.0
    return max(0.0, math.log(2 * L / c))


def dimensionless_jerk(xy: np.ndarray, t: np.ndarray) -> float:
    """sqrt(T^5 / L^2 * integral |jerk|^2 dt) on a uniformly resampled path (Hogan & Sternad 2009
    form, with path length L as the amplitude). Near 0 for constant velocity."""
    if len(xy) < 6:
        return 0.0
    T = float(t[-1] - t[0])
    L = path_length(xy)
    if T <= 0 or L <= 1e-9:
        return 0.0
    dt = T / (len(t) - 1)
    tu = np.linspace(t[0], t[-1], len(t))
    u = np.column_stack([np.interp(tu, t, xy[:, j]) for j in range(2)])
    j3 = np.diff(u, n=3, axis=0) / dt**3
    integral = float((j3**2).sum(axis=1).sum() * dt)
    return math.sqrt(T**5 / L**2 * integral)


def sparc(v: np.ndarray, fs: float, fc: float = SPARC_FC_HZ, amp_th: float = 0.05, pad: int = 4) -> float:
    """Spectral arc length of a speed profile (Balasubramanian et al. 2012, 2015): the length of its
    normalised Fourier magnitude spectrum up to ``fc`` (or where the spectrum falls below ``amp_th``).
    About -1.6 for one minimum-jerk movement; more negative for halting, multi-peaked movement. It
    uses no derivative beyond speed, so pose jitter moves it little; a common ``fc`` below every
    sampling rate's Nyquist frequency keeps it the same at 6, 8 or 12 fps."""
    n = len(v)
    if n < 4 or not np.any(v > 0):
        return float("nan")
    nfft = int(2 ** (math.ceil(math.log2(n)) + pad))
    f = np.arange(nfft) * fs / nfft
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / mag.max()
    keep = f <= min(fc, fs / 2)
    f, mag = f[keep], mag[keep]
    above = np.flatnonzero(mag >= amp_th)
    f, mag = f[above[0]:above[-1] + 1], mag[above[0]:above[-1] + 1]
    if len(f) < 2 or f[-1] <= f[0]:
        return 0.0
    return float(-np.sum(np.sqrt((np.diff(f) / (f[-1] - f[0])) ** 2 + np.diff(mag) ** 2)))


def movement_smoothness(v: np.ndarray, t: np.ndarray) -> tuple[float | None, int]:
    """Smoothness per movement, so it means the same for a 4 s and a 40 s clip and with pauses or
    an idle tail: SPARC of each movement's speed profile (hip speed at or above IMMOBILE_SPEED for
    at least MOVE_MIN_S, a sample of stillness added on each side), combined as a duration-weighted
    median. Returns (value, movements measured)."""
    if len(v) < 4:
        return None, 0
    fs = 1.0 / _dt(t)
    values, weights = [], []
    for s0, e0 in runs(v >= IMMOBILE_SPEED):
        a, b = max(0, s0 - 1), min(len(t), e0 + 1)
        if t[b - 1] - t[a] < MOVE_MIN_S or b - a < 4:
            continue
        x = sparc(v[a:b], fs)
        if not math.isnan(x):
            values.append(x)
            weights.append(float(t[b - 1] - t[a]))
    if not values:
        return None, 0
    order = np.argsort(values)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(values)[order][int(np.searchsorted(cum, cum[-1] / 2))]), len(values)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where ``mask`` is true."""
    out = []
    i = 0
    n = len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def fill_gaps(x: np.ndarray, t: np.ndarray, max_gap_s: float = MAX_GAP_FILL_S) -> np.ndarray:
    """Linear interpolation over NaN holes no longer than ``max_gap_s``."""
    x = x.copy()
    bad = np.isnan(x[:, 0])
    for a, b in runs(bad):
        if a == 0 or b == len(x):
            continue
        if t[b] - t[a - 1] <= max_gap_s:
            for j in range(x.shape[1]):
                x[a:b, j] = np.interp(t[a:b], [t[a - 1], t[b]], [x[a - 1, j], x[b, j]])
    return x


def speed(xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    if len(xy) < 2:
        return np.zeros(len(xy))
    v = np.gradient(xy, t, axis=0)
    return np.linalg.norm(v, axis=1)


def angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle at b in degrees."""
    v1, v2 = a - b, c - b
    d = np.linalg.norm(v1) * np.linalg.norm(v2)
    if d <= 1e-9:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(v1, v2) / d, -1, 1))))


# --- the track in wall coordinates ------------------------------------------------------------
@dataclass
class Track:
    t: np.ndarray  # (n,)
    lm: np.ndarray  # (n, 33, 3) wall-coordinate pixels + visibility (NaN where missing)
    torso_px: float
    frame_w: int
    frame_h: int
    found: np.ndarray  # (n,) bool
    #: which way is down for everyone else in the picture, where they agree (see people.others_down);
    #: None where nobody else was read clearly
    others_down: np.ndarray | None = None
    #: when the video cut to another camera's view (the first frame of each; see camera.CameraMotion.view)
    cuts: tuple[float, ...] = ()

    def norm(self, xy: np.ndarray) -> np.ndarray:
        """Pixels -> torso lengths."""
        return xy / self.torso_px

    def point(self, idx: int) -> np.ndarray:
        """(n, 2) pixel positions of landmark ``idx`` with NaN where invisible."""
        p = self.lm[:, idx, :2].copy()
        p[~(self.lm[:, idx, 2] >= MIN_VISIBILITY)] = np.nan
        return p

    def hip(self) -> np.ndarray:
        return (self.lm[:, P.L_HIP, :2] + self.lm[:, P.R_HIP, :2]) / 2

    def leg_seen(self, limb: str) -> np.ndarray:
        """(n,) bool: is the knee above foot ``limb`` seen (True for a hand)? A foot read with its
        knee hidden (behind the body, round the arete) is the model's guess at where it is."""
        if limb not in KNEES:
            return np.ones(len(self.t), bool)
        return np.asarray(self.lm[:, KNEES[limb], 2] >= MIN_VISIBILITY)


def build_track(t: list[float], landmarks: np.ndarray, transforms: np.ndarray, frame_w: int, frame_h: int) -> Track:
    lm = landmarks.copy()
    for i in range(len(lm)):
        if not np.isnan(lm[i, 0, 0]):
            m = transforms[i]
            lm[i, :, :2] = lm[i, :, :2] @ m[:, :2].T + m[:, 2]
    found = ~np.isnan(lm[:, P.L_HIP, 0])
    # measured where everything else is, on the wall: a camera zooming in makes the body larger in
    # the picture, not on the wall
    torsos = [P.torso_length(lm[i]) for i in np.flatnonzero(found)]
    torso = float(np.median(torsos)) if torsos else float("nan")
    if torsos:
        unswap_feet(lm, np.asarray(t, dtype=float), torso)
    return Track(np.asarray(t, dtype=float), lm, torso, frame_w, frame_h, found)


def unswap_feet(lm: np.ndarray, t: np.ndarray, torso_px: float) -> int:
    """Swap back, in place, the lower legs of the frames whose feet read the wrong way round
    against where each foot was just seen (in the REACH_SEEN_S before; see SWAP_RATIO); returns
    how many frames were swapped. A contact broken by a swap reads as that foot leaving its hold,
    and both feet swapped as both leaving: a cut loose that never was."""
    seen: dict[int, list[tuple[float, np.ndarray]]] = {P.L_ANKLE: [], P.R_ANKLE: []}
    swapped = 0
    for i in range(len(lm)):
        ok = {k: bool(lm[i, k, 2] >= MIN_VISIBILITY and not np.isnan(lm[i, k, 0])) for k in seen}
        recent = {k: [xy for ts, xy in v[-SWAP_HISTORY:] if t[i] - ts <= REACH_SEEN_S + 1e-6] for k, v in seen.items()}
        if all(ok.values()) and all(recent.values()):
            was_l = np.median(recent[P.L_ANKLE], axis=0)
            was_r = np.median(recent[P.R_ANKLE], axis=0)
            left, right = lm[i, P.L_ANKLE, :2], lm[i, P.R_ANKLE, :2]
            direct = float(np.linalg.norm(left - was_l) + np.linalg.norm(right - was_r))
            crossed = float(np.linalg.norm(left - was_r) + np.linalg.norm(right - was_l))
            if direct > SWAP_MIN_TORSOS * torso_px and crossed < SWAP_RATIO * direct:
                for a, b in LEGS:
                    lm[i, [a, b]] = lm[i, [b, a]]
                swapped += 1
        for k in seen:
            if ok[k]:
                seen[k].append((float(t[i]), lm[i, k, :2].copy()))
    return swapped


# --- the climb window -------------------------------------------------------------------------
def down_axis(track: Track) -> tuple[np.ndarray, bool]:
    """Unit vector pointing down, from the body: the median shoulder-to-hip direction, snapped to the
    nearest image axis, and whether it is certain (the torso within UPRIGHT_DEG of it in at least
    UPRIGHT_SHARE of the frames). Phones are held sideways and broadcast walls run across the frame,
    so the image's y axis is only the fallback when the body gives no consistent direction."""
    sh = (track.lm[:, P.L_SHOULDER, :2] + track.lm[:, P.R_SHOULDER, :2]) / 2
    hp = track.hip()
    d = hp - sh
    n = np.linalg.norm(d, axis=1)
    ok = ~np.isnan(n) & (n > 1e-6)
    if ok.sum() < 4:
        return np.array([0.0, 1.0]), False
    u = d[ok] / n[ok, None]
    m = np.median(u, axis=0)
    if np.linalg.norm(m) < 0.5:  # the torso points every which way (a roof, a tumbling clip)
        return np.array([0.0, 1.0]), False
    # climbers lean, so the torso only says which way the camera was turned: snap to the nearest
    # image axis (upright, sideways either way, upside down). The torso follows gravity on a
    # vertical wall; under a roof it lies along the wall instead
    out, agree = _snapped(u)
    # the hands hold the body up: the hip hangs from a reaching hand, on a wall or under a roof. A
    # torso lying along one side of the picture while the hip hangs below the hands in another is
    # a roof, not a wall seen sideways; and where the reaching hands do not hold the hip below them
    # along the torso's "down", the body does not say which way is down either (a roof, or a body
    # misread across a crowd under it: its torso lies one way, the climber's hands pull another)
    d = _reaches(track)
    hung = len(d) < MIN_REACHES or float(np.mean(d @ out > math.cos(math.radians(HANG_DEG)))) >= UPRIGHT_SHARE
    return out, agree >= UPRIGHT_SHARE and hung


def _reaches(track: Track) -> np.ndarray:
    """(m, 2) unit vectors from a reaching hand to the hip, in every frame where a hand is seen
    further than REACH_TORSOS from the hip (not arms hanging at the sides while standing)."""
    hip = track.hip()
    u = []
    for w in (P.L_WRIST, P.R_WRIST):
        v = hip - track.point(w)
        n = np.linalg.norm(v, axis=1)
        ok = ~np.isnan(n) & (n > REACH_TORSOS * track.torso_px)
        u.append(v[ok] / n[ok, None])
    return np.concatenate(u)


def gravity(track: Track) -> np.ndarray:
    """The image axis the body hangs along: the body's "down" where certain; under a roof, the way
    the hip hangs from the hands; else the picture's."""
    down, certain = down_axis(track)
    if certain:
        return down
    hang = hanging_axis(track)
    return hang if hang is not None else np.array([0.0, 1.0])


def hanging_axis(track: Track) -> np.ndarray | None:
    """The image axis the hip hangs along from the hands, from the frames where a hand reaches,
    when surely UPRIGHT_SHARE of them agree within UPRIGHT_DEG (the share's lower bound, see
    _surely: under a roof the hip hangs from the hands only as the feet leave; with them on the roof
    it lies off to one side, and a bare majority of a few such frames turned an upright picture's
    "down" sideways); None when the hands do not say."""
    d = _reaches(track)
    if len(d) < MIN_REACHES:
        return None
    out, agree = _snapped(d)
    return out if _surely(agree, len(d)) >= UPRIGHT_SHARE else None


def _surely(share: float, n: int, z: float = 1.645) -> float:
    """The lower bound of a share seen in ``n`` samples (Wilson's score interval, one-sided 95%)."""
    q = z * z / n
    return (share + q / 2 - z * math.sqrt(share * (1 - share) / n + q / (4 * n))) / (1 + q)


def _snapped(u: np.ndarray) -> tuple[np.ndarray, float]:
    """The image axis nearest the median of unit vectors ``u`` (m, 2), and the share of them
    within UPRIGHT_DEG of it."""
    m = np.median(u, axis=0)
    k = int(np.argmax(np.abs(m)))
    out = np.zeros(2)
    out[k] = float(np.sign(m[k]))
    return out, float(np.mean(u @ out > math.cos(math.radians(UPRIGHT_DEG))))


def lower_foot(track: Track, down: np.ndarray) -> np.ndarray:
    """Per frame, the depth along ``down`` (pixels) of the lower of the seen feet; -inf when neither
    foot is seen."""
    feet = np.column_stack([track.point(P.L_ANKLE) @ down, track.point(P.R_ANKLE) @ down])
    return np.max(np.where(np.isnan(feet), -np.inf, feet), axis=1)


def seated(track: Track, down: np.ndarray, floor: float) -> np.ndarray:
    """Per frame, is the body sitting on the floor (a sit start): the feet off it (up on the low
    holds) and the hip at the floor's level, seen, and still there for FLOOR_MIN_S, as a foot standing
    on the floor is. A hip hanging low on the wall for a moment (the feet high on a volume in a low
    start) is no seat, nor a crouch's hip still while the feet still stand on the floor."""
    band = FLOOR_BAND * track.torso_px
    hip = track.hip()
    seen = np.minimum(track.lm[:, P.L_HIP, 2], track.lm[:, P.R_HIP, 2]) >= LOW_VISIBILITY
    low = seen & ~(lower_foot(track, down) >= floor - band) & (hip @ down >= floor - band)
    out = np.zeros(len(track.t), bool)
    for s0, e0 in still_spans(track.norm(np.where(low[:, None], hip, np.nan)), track.t, CONTACT_RADIUS, FLOOR_MIN_S):
        out[s0:e0] = True
    return out


def floor_line(track: Track, down: np.ndarray) -> float | None:
    """The floor, as the depth (along ``down``, pixels) of the lowest place a foot stands still for
    FLOOR_MIN_S, if that happens at the start or the end of the clip (a climb starts and ends on the
    floor; a clip that starts and ends on the wall shows no floor, and a foothold is not one)."""
    t = track.t
    depth = lower_foot(track, down)
    if len(t) == 0 or not np.isfinite(depth).any():
        return None
    # the deepest level a foot is at in two samples running: one sample deeper is pose noise (a
    # single jittered ankle set the floor a band too low, and a foot standing on it read as off)
    lowest = float(np.max(np.minimum(depth[:-1], depth[1:]))) if len(depth) > 1 else float(depth[0])
    if not np.isfinite(lowest):
        return None
    band = FLOOR_BAND * track.torso_px
    on = depth >= lowest - band
    edge = EDGE_SHARE * (t[-1] - t[0])
    # standing: a foot at the lowest level and still there (a foot passing through it is not standing)
    still = np.zeros(len(t), bool)
    for idx in (P.L_ANKLE, P.R_ANKLE):
        for s0, e0 in still_spans(track.norm(track.point(idx)), t, CONTACT_RADIUS, FLOOR_MIN_S):
            still[s0:e0] = True
    for s0, e0 in runs(on & still):
        if t[e0 - 1] - t[s0] + _dt(t) >= FLOOR_MIN_S and (t[s0] <= t[0] + edge or t[e0 - 1] >= t[-1] - edge):
            return lowest
    return None


def climb_window(track: Track, trim: tuple[float | None, float | None] | None = None) -> tuple[float, float, str]:
    """Start and end of the climb itself (not walking in, chalking up, coming down), and how it was found.

    On the wall means nothing is supported by the floor. With a floor line in view, the climb starts
    when the last foot (or the seat of a sit start) leaves it and ends when a foot is back on it;
    without one (a clip that starts and ends on the wall), by the hip: rising from its starting
    level, falling from its top."""
    w = _climb_windows(track, trim)
    return w.start, w.end, w.how


@dataclass
class Windows:
    """The climb analysed, how it was found, and the other climbs the clip shows."""
    start: float
    end: float
    how: str
    others: list[tuple[float, float]] = field(default_factory=list)  # in time order
    picked: bool = False  # the climb the climber picked among those found, not the longest
    rival: bool = False  # another attempt nearly as long: the one meant may be that one


def _climb_windows(track: Track, trim: tuple[float | None, float | None] | None = None,
                   at: float | None = None) -> Windows:
    """climb_window, and the other climbs in the clip in time order: another attempt after a fall
    and a rest, a try of the first moves. Only where the window came from the floor, and only those
    seen leaving the floor and back on it: a stretch the clip begins or ends in may be the picture
    leaving the floor (a camera tilting up) or a first frame held still, not a climb. With ``at``
    (a time the climber picked), the climb found there is analysed instead of the longest, which is
    then among the others (whole or not: it was offered)."""
    t = track.t
    if trim and (trim[0] is not None or trim[1] is not None):
        a = trim[0] if trim[0] is not None else float(t[0])
        b = trim[1] if trim[1] is not None else float(t[-1])
        return Windows(max(float(t[0]), a), min(float(t[-1]), b), TRIMMED)
    idx = np.flatnonzero(track.found)
    if len(idx) < 4:
        return Windows(float(t[0]), float(t[-1]), WHOLE_CLIP)
    down, certain = down_axis(track)
    floor = floor_line(track, down) if certain else None
    if floor is not None:
        climbs = _climbs_from_floor(track, down, floor)
        if climbs:
            chosen = next((c for c in climbs if at is not None and c.start - 1e-6 <= at <= c.end + 1e-6), None)
            if chosen is not None and chosen is not climbs[0]:
                others = sorted((c.start, c.end) for c in climbs if c is not chosen and (c.whole or c is climbs[0]))
                return Windows(chosen.start, chosen.end, FROM_FLOOR, others, picked=True)
            first = climbs[0]
            rival = any(c.whole and c.length >= ATTEMPT_RIVAL_SHARE * first.length for c in climbs[1:])
            return Windows(first.start, first.end, FROM_FLOOR, sorted((c.start, c.end) for c in climbs[1:] if c.whole),
                           picked=chosen is not None and len(climbs) > 1, rival=rival and chosen is None)
    if not certain:  # the torso does not say (a roof): the way the hip hangs from the hands, else the picture's
        down = gravity(track)
    a, b, how = _window_from_hip(track, down, certain)
    if certain and how == FROM_HIP and down[1] < 0.5 and not _confirmed(down, track.others_down):
        how = UP_UNSURE
    return Windows(a, b, how)


def _confirmed(down: np.ndarray, others: np.ndarray | None) -> bool:
    """Do the other people in the picture say down is where the climber's body says it is?"""
    return others is not None and float(np.dot(down, others)) > 0.5


@dataclass
class Climb:
    """A stretch with nothing resting on the floor: from leaving it to being back on it."""
    start: float
    end: float
    length: float  # seconds off the floor, from the first sample off it to the last
    whole: bool  # seen leaving the floor and back on it (not cut by the clip's start or end)


def _climbs_from_floor(track: Track, down: np.ndarray, floor: float) -> list[Climb]:
    """Every stretch with nothing resting on the floor for MIN_CLIMB_S, the longest first."""
    t = track.t
    band = FLOOR_BAND * track.torso_px
    # a climb starts when the last part resting on the floor leaves it: the feet, or the seat of a
    # sit start (the feet up on the low holds while the climber still sits on the mat)
    seat = seated(track, down, floor)
    lowest = np.maximum(lower_foot(track, down), np.where(seat, track.hip() @ down, -np.inf))
    on_floor = (lowest >= floor - band) | seat
    off = ~on_floor & track.found
    # not seeing the climber for a moment (someone walking past the lens) does not end the climb:
    # only seeing them back on the floor does
    for s0, e0 in runs(~track.found):
        if s0 > 0 and e0 < len(off) and off[s0 - 1] and off[e0]:
            off[s0:e0] = True
    # one sample off it between two seen on it is the reading's noise (a foot read a band's width
    # higher in one frame), as one sample deeper is for the floor line: it neither starts a climb nor
    # (bridged below, as a foot low for a moment on the way up) stretches one back to it
    seen_on = on_floor & track.found
    for s0, e0 in runs(off):
        if e0 - s0 == 1 and s0 > 0 and e0 < len(off) and seen_on[s0 - 1] and seen_on[e0]:
            off[s0] = False
    height = np.where(track.found, -(track.hip() @ down), -np.inf)
    top = float(t[int(np.nanargmax(height))]) if np.isfinite(height).any() else -np.inf
    for s0, e0 in runs(~off):  # nor does a foot low for a moment on the way up (see BACK_ON_FLOOR_S)
        if s0 > 0 and e0 < len(off) and off[s0 - 1] and off[e0] and t[e0 - 1] < top and \
                t[e0 - 1] - t[s0] + _dt(t) < BACK_ON_FLOOR_S - 1e-6:
            off[s0:e0] = True
    climbs = []
    for s0, e0 in runs(off):  # each stretch off the floor long enough is a climb; the longest is the climb
        length = float(t[e0 - 1] - t[s0])
        if length < MIN_CLIMB_S:
            continue
        # seen leaving the floor and back on it (not a clip that begins or ends off it)
        whole = s0 > 0 and bool(seen_on[s0 - 1]) and e0 < len(t) and bool(seen_on[e0])
        # the foot (or seat) left the floor where it began to rise, not where it cleared the band
        while s0 > 1 and np.isfinite(lowest[s0 - 1]) and lowest[s0 - 2] > lowest[s0 - 1] + 1e-6:
            s0 -= 1
        start = float(t[s0 - 1] + t[s0]) / 2 if s0 > 0 else float(t[0])  # left the floor between two samples
        end = float(t[e0]) if e0 < len(t) else float(t[-1])
        climbs.append(Climb(start, end, length, whole))
    return sorted(climbs, key=lambda c: -c.length)  # (the first of equally long ones first)


def _window_from_hip(track: Track, down: np.ndarray, certain: bool = True) -> tuple[float, float, str]:
    t = track.t
    idx = np.flatnonzero(track.found)
    hip = fill_gaps(track.hip(), t)
    filled = np.where(np.isnan(hip), np.nanmean(hip, axis=0), hip)
    height = -(smooth(filled, t) @ down) / track.torso_px
    # the hip where it is seen: one the model places out of sight (below the picture's edge in a
    # clip framed tight) is its guess, and a guess set low makes the climber seem to rise from it
    seen = track.found & (np.minimum(track.lm[:, P.L_HIP, 2], track.lm[:, P.R_HIP, 2]) >= MIN_VISIBILITY)
    if seen.sum() < 4:
        seen = track.found
    first = int(np.flatnonzero(seen)[0])
    # the lowest the hip gets in the first second it is seen
    early = slice(first, first + max(2, int(1.0 / max(np.median(np.diff(t)), 1e-3))))
    base = float(np.min(height[early][seen[early]]))
    risen = np.flatnonzero((height - base > START_RISE) & seen)
    if len(risen) == 0:
        if not _stood(track, down, int(idx[0]), int(idx[-1]) + 1):
            # never a rise, and never standing (feet below the hip): hanging on the wall all along
            return float(t[idx[0]]), float(t[idx[-1]]), ON_THE_WALL_THROUGHOUT
        return float(t[idx[0]]), float(t[idx[-1]]), NO_PROGRESS
    start_i = int(risen[0])
    # the rise that leads to the top: a hip that rose and sank back below the threshold before it
    # was shifting on the ground (a low start's crouch settling), not leaving it
    top_i = int(np.nanargmax(np.where(track.found, height, -np.inf)))
    sank = np.flatnonzero(seen[:top_i] & (height[:top_i] - base <= START_RISE))
    if len(sank) and sank[-1] >= start_i:
        start_i = int(sank[-1]) + 1
    # step back to where the rise began: the last still moment before it
    while start_i > first and height[start_i - 1] < height[start_i] - 1e-3:
        start_i -= 1
    how, unsure = FROM_HIP, False
    before = float(t[start_i] - t[first])
    if before > 0 and not _stood(track, down, first, start_i):
        if not certain:
            # without a certain "up" the rise is only a rise in the picture; before it the feet were
            # never below the hip as a person standing on a floor has them: on the wall all along
            start_i = first
        else:
            # a body a while with the feet not below the hip, then rising: hanging on the wall, or
            # sitting for a sit start (seen: a roof climber still for 8 s read as starting at 7.8 s)
            unsure = True
    end_i = top_i
    # a drop of END_DROP from the top ends the climb; without a certain "up" only a fast one (a body
    # letting go falls it within DROP_S), as the hip moving along a roof shows in the picture
    # (a roof filmed sideways) is a slow slide across it, not a fall
    span = max(1, int(round(DROP_S / max(_dt(t), 1e-3))))
    seen_height = np.where(track.found, height, -np.inf)
    while end_i + 1 <= idx[-1]:
        nxt = end_i + 1
        ref = height[top_i] if certain else np.max(height[max(top_i, nxt - span):nxt])
        # with a certain "up", a drop the hip climbs back from (to within half of it) is not the
        # way off: the feet cut loose and the body swung down on its arms, then went on climbing
        # without one, a drop onto the floor is followed by the body standing there (feet below
        # the hip): a body that never stands after it is still on the wall (a swing, or readings
        # of a body seen from below leaping about)
        if track.found[nxt] and ref - height[nxt] >= END_DROP and \
                (np.max(seen_height[nxt:]) < height[top_i] - END_DROP / 2 if certain
                 else _stood(track, down, nxt, int(idx[-1]) + 1)):
            break
        end_i = nxt
    if unsure and before >= UNSURE_BEFORE_SHARE * (t[end_i] - t[start_i]):
        how = START_UNSURE
    return float(t[start_i]), float(t[end_i]), how


def _stood(track: Track, down: np.ndarray, i0: int, i1: int) -> bool:
    """Were the feet below the hip (along ``down``) by at least STAND_DROP torso lengths in most of
    the frames in [i0, i1) where a foot was seen? A person standing on the floor has them there
    (legs are longer than a torso); one hanging under a roof, feet on the wall beside or above the
    hip, does not. No foot seen: taken as standing (nothing says otherwise)."""
    hip = track.hip()[i0:i1] @ down
    low = lower_foot(track, down)[i0:i1]
    seen = np.isfinite(low) & ~np.isnan(hip)
    if seen.sum() < 2:
        return True
    return float(np.mean((low[seen] - hip[seen]) / track.torso_px >= STAND_DROP)) >= 0.5


# --- contacts -----------------------------------------------------------------------------------
@dataclass
class Contact:
    limb: str
    start: float
    end: float
    x: float  # wall pixels
    y: float

    @property
    def hold_type(self) -> str:
        return "hand" if self.limb.endswith("hand") else "foot"


def still_spans(p: np.ndarray, t: np.ndarray, radius: float, min_s: float,
                censored: int | None = None, drifting: bool = False, cut_off: int | None = None) -> list[tuple[int, int]]:
    """[start, end) index spans where the points ``p`` (n, 2; NaN = unseen) stay within ``radius`` of
    their median for at least ``min_s`` seconds and three samples. Grown greedily from each start,
    so a slow drift ends a span once it leaves the radius. With ``drifting``, a span whose first and
    last thirds lie further apart than ``radius`` is a slow movement, not a stop (a slow reach keeps
    within the radius for the few samples of a short span; a hand on a hold scatters around one
    point). A span starting at index ``censored`` (where watching began: it may have lasted long
    before) needs only two samples, as does one ending at index ``cut_off`` (where watching
    stopped: it may have lasted long after)."""
    n = len(t)
    out: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if np.isnan(p[i, 0]):
            i += 1
            continue
        j = i + 1
        while j < n and not np.isnan(p[j, 0]):
            seg = p[i:j + 1]
            if np.max(np.linalg.norm(seg - np.median(seg, axis=0), axis=1)) > radius:
                break
            j += 1
        k = max(1, (j - i) // 3)
        moved = drifting and float(np.linalg.norm(np.median(p[i:i + k], axis=0) - np.median(p[j - k:j], axis=0))) > radius
        if (t[j - 1] - t[i] + _dt(t) >= min_s and j - i >= 3 and not moved) or (i == censored and j - i >= 2) \
                or (j == cut_off and j - i >= 2 and not moved):
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _dt(t: np.ndarray) -> float:
    return float(np.median(np.diff(t))) if len(t) > 1 else 0.125


def contacts(track: Track, a: float, b: float) -> list[Contact]:
    """Hands and feet on holds: a limb end still in wall coordinates for at least CONTACT_MIN_S."""
    t = track.t
    out: list[Contact] = []
    inside = (t >= a - 1e-6) & (t <= b + 1e-6)
    first = int(np.argmax(inside)) if inside.any() else None
    # a climb going on to the clip's last frame (the climber still on the wall): a hand still there
    # as the video stops may have stayed long after, as one still as it begins may have been long
    # before. Not a foot: its readings jitter more, and two alike at the end read as a foot lifted and
    # put back (the roof clip's right foot, read 0.58 torso lengths off for two frames at 6.8 s while
    # both feet stay put: a second re-placement, footwork 71 -> 65)
    cut_off = len(t) if len(t) and b >= t[-1] - 1e-6 else None
    for limb, idx in LIMBS.items():
        p = fill_gaps(track.point(idx), t, 0.3)
        p[~inside] = np.nan
        # a limb still when the climb (or the clip) begins was on its hold before: no minimum time.
        # A hand drifting slowly is reaching (see still_spans); the feet's readings jitter more, and
        # a foot's stillness is kept as it is (tried on feet too: far more feet read off the wall)
        for s, e in still_spans(track.norm(p), t, CONTACT_RADIUS, CONTACT_MIN_S, censored=first,
                                drifting=limb.endswith("hand"), cut_off=cut_off if limb.endswith("hand") else None):
            xy = np.nanmedian(p[s:e], axis=0)
            out.append(Contact(limb, float(t[s]), float(t[e - 1]), float(xy[0]), float(xy[1])))
    out.sort(key=lambda c: (c.start, c.limb))
    return out


def _names_swapped(track: Track, c: Contact, taken: Mapping[str, Contact], latest: Mapping[str, Contact]) -> bool:
    """Is hand contact ``c`` the first of its name after a cut to another camera (``track.cuts``),
    or after the other hand was read leaving its hold faster than a hand moves just as this one was
    read there (see _handed_over), on the hold the other hand was on before, and off the one its
    own name was? A hand's hold is where it took it (``taken``) and where it was last still
    (``latest``: its last contact so far), within NEW_HOLD_DIST of either, as for a move in
    ``compute``. The hands' names swapped there."""
    o = latest.get(OTHER_HAND[c.limb])
    mine = latest.get(c.limb)
    if o is None or not (any(o.end < x <= c.start + 1e-6 and (mine is None or mine.end < x) for x in track.cuts)
                         or _handed_over(track, c, o, mine)):
        return False

    def on(limb: str) -> bool:
        return any(math.dist((c.x, c.y), (h.x, h.y)) / track.torso_px <= NEW_HOLD_DIST
                   for h in (taken.get(limb), latest.get(limb)) if h is not None)
    return on(OTHER_HAND[c.limb]) and not on(c.limb)


def _handed_over(track: Track, c: Contact, o: Contact, mine: Contact | None) -> bool:
    """Did the other hand (last on hold ``o``) leave its hold for elsewhere faster than a hand can
    move (identity.LIMB_SPEED), in the very frame this hand (of contact ``c``) was read at that hold,
    after this hand's own last hold ``mine``? No hand leaves a hold that fast: the model traded the
    hands' names there (a body seen from behind looks alike either way)."""
    other, me = LIMBS[OTHER_HAND[c.limb]], LIMBS[c.limb]
    t = track.t
    sightings = np.flatnonzero(track.found & (track.lm[:, other, 2] >= MIN_VISIBILITY))
    since = max(o.end, mine.end if mine is not None else -np.inf)
    hold = np.array([o.x, o.y])
    r = NEW_HOLD_DIST * track.torso_px
    for f0, f in zip(sightings[:-1], sightings[1:]):  # each sighting of the other hand and the one before
        if not since + 1e-6 < t[f] <= c.start + 1e-6:
            continue
        was, now = track.lm[f0, other, :2], track.lm[f, other, :2]
        if np.linalg.norm(was - hold) > r or np.linalg.norm(now - hold) <= r:
            continue  # not at its hold before, or still there
        fast = np.linalg.norm(now - was) / track.torso_px / max(t[f] - t[f0], 1e-6) > LIMB_SPEED
        taken = track.lm[f, me, 2] >= MIN_VISIBILITY and np.linalg.norm(track.lm[f, me, :2] - hold) <= r
        if fast and taken:
            return True
    return False


def _climbing_down(track: Track, c: Contact, left: Contact, down: np.ndarray, up_h: np.ndarray, ht: np.ndarray) -> bool:
    """Is hand contact ``c``, on a hold other than ``left`` (the one the hand left), a step down the
    wall after the climb's top (the labelling rules: climbing down is no hand move)? The new hold lies
    more than NEW_HOLD_DIST lower than the one left, along ``down`` (``up_h``: the hip's height
    along it in torso lengths at times ``ht``), and the hip, from the moment the hand takes it to the
    end of the climb, stays more than START_RISE below the highest it got: the body went down and
    did not come back. (A hand going lower on the way up, an undercling or a drop knee, is followed
    by the hip rising again.)"""
    if len(up_h) < 2:
        return False
    after = ht >= c.start - 1e-6
    if not after.any() or float(np.max(up_h[after])) > float(np.max(up_h)) - START_RISE:
        return False
    return float((np.array([c.x, c.y]) - np.array([left.x, left.y])) @ down) / track.torso_px > NEW_HOLD_DIST


def _held_by_other(c: Contact, hands: list[Contact], torso_px: float) -> bool:
    """Is the other hand on the hold of ``c`` (within NEW_HOLD_DIST) when ``c`` begins, since before?"""
    return any(o.limb != c.limb and o.start < c.start - 1e-6 and o.end >= c.start - 1e-6
               and math.dist((c.x, c.y), (o.x, o.y)) / torso_px <= NEW_HOLD_DIST for o in hands)


def _detour(a: Contact, b: Contact, c: Contact) -> float:
    """How many times longer the way from ``a`` to ``c`` is through ``b`` than straight."""
    return (math.dist((a.x, a.y), (b.x, b.y)) + math.dist((b.x, b.y), (c.x, c.y))) / max(math.dist((a.x, a.y), (c.x, c.y)), 1e-6)


def _came_from_elsewhere(track: Track, idx: int, c: Contact, a: float) -> bool:
    """Was limb end ``idx`` seen, inside the climb and in the REACH_SEEN_S before contact ``c``,
    further than NEW_HOLD_DIST from where ``c`` is? A hand out of sight for seconds and then seen
    still on a hold was not seen moving to it (under a roof the start hold's hand is hidden for
    seconds behind the head): one sighting long before is no evidence of a move. Read there twice
    with little confidence (down to LOW_VISIBILITY) counts too, as in ``_leaves``: a small or dim
    picture's hand is read where it is with less confidence, not elsewhere."""
    w = (track.t >= max(a, c.start - REACH_SEEN_S) - 1e-6) & (track.t < c.start - 1e-6)
    if _seen_beyond(track, idx, w, c, NEW_HOLD_DIST):
        return True
    p = track.lm[w & (track.lm[:, idx, 2] >= LOW_VISIBILITY), idx, :2]
    return int(np.sum(np.linalg.norm(p - np.array([c.x, c.y]), axis=1) / track.torso_px > NEW_HOLD_DIST)) >= 2


def _last_seen_elsewhere(track: Track, idx: int, c: Contact, since: float) -> bool:
    """Was limb end ``idx`` last seen before contact ``c`` (after ``since``, however long before)
    far from it (beyond NEW_HOLD_DIST) in two sightings within REACH_SEEN_S? An arm hanging free
    from a one-arm hang, then hidden behind the body until its hand is seen on the hold (a match
    under a roof): it came from there. Two sightings, as one may be the model placing a hidden
    hand anywhere: the last one seen and one before it, or a faint reading (down to LOW_VISIBILITY)
    within REACH_SEEN_S of it, as in ``_came_from_elsewhere`` (a hanging arm fading in and out of
    sight is seen once and read faintly either side); faint readings alone are no sighting. Its
    arrival (the sightings near the hold in the second before it is still there) is not where it
    came from."""
    seen = np.flatnonzero(~np.isnan(track.point(idx)[:, 0]) & (track.t >= since - 1e-6) & (track.t < c.start - 1e-6))
    near = np.linalg.norm(track.point(idx)[seen] - np.array([c.x, c.y]), axis=1) / track.torso_px <= NEW_HOLD_DIST
    k = len(seen)
    while k > 0 and near[k - 1] and track.t[seen[k - 1]] >= c.start - REACH_SEEN_S - 1e-6:
        k -= 1
    seen = seen[:k]
    if not len(seen):
        return False
    last = seen[-1]
    # the other sighting: any reading, seen or faint, in the second around it (the one seen before it too)
    other = (np.abs(track.t - track.t[last]) <= REACH_SEEN_S + 1e-6) & (track.t >= since - 1e-6) & \
        (track.t < c.start - 1e-6) & (np.arange(len(track.t)) != last) & (track.lm[:, idx, 2] >= LOW_VISIBILITY)
    far = np.linalg.norm(track.lm[:, idx, :2] - np.array([c.x, c.y]), axis=1) / track.torso_px > NEW_HOLD_DIST
    return bool(far[last] and (other & far).any())


def _seen_beyond(track: Track, idx: int, w: np.ndarray, c: Contact, dist: float) -> bool:
    """Is limb end ``idx`` seen, in the frames ``w``, further than ``dist`` torso lengths from where
    contact ``c`` is?"""
    p = track.point(idx)[w]
    p = p[~np.isnan(p[:, 0])]
    return bool(len(p)) and bool(np.max(np.linalg.norm(p - np.array([c.x, c.y]), axis=1)) / track.torso_px > dist)


def _hanging_free(track: Track, c: Contact, down: np.ndarray) -> bool:
    """Is hand contact ``c`` an arm hanging free: brief (under BRIEF_TOUCH_S), the hand below its
    shoulder within UPRIGHT_DEG of ``down``? A hand holds on above or beside its shoulder, or presses
    down on a hold for longer (a mantle); an arm hanging from the shoulder is still for a moment at
    the end of each swing, and under a roof that moment reads as a hold far from every other."""
    if c.hold_type != "hand" or c.end - c.start >= BRIEF_TOUCH_S - 1e-6:
        return False
    sh = P.L_SHOULDER if c.limb == "left_hand" else P.R_SHOULDER
    w = (track.t >= c.start - 1e-6) & (track.t <= c.end + 1e-6)
    v = np.nanmedian(track.point(LIMBS[c.limb])[w] - track.point(sh)[w], axis=0)
    n = float(np.linalg.norm(v))
    return bool(n > 0) and float(v @ down) / n > math.cos(math.radians(UPRIGHT_DEG))


def _brief(track: Track, hands: list[Contact]) -> set[int]:
    """The hand contacts (by id) held for less than BRIEF_TOUCH_S: still on their hold for that long,
    or seen at it after (within a hold's width, NEW_HOLD_DIST, until seen elsewhere: see _held). A
    grip whose reading wanders off the contact radius as a shaken camera's compensation lags, the
    hand still on the hold, has not let go (as a foot's has not, in cut_loose_gaps). A contact held
    until the video's last frame is not brief: the video ended, not the grip (a match in the last
    half second of a clip that stops with the climber on the wall). The same hand's next contact on
    the same hold (within a hold's width), begun within two samples of this one's end, goes on
    holding it: one grip whose reading broke for a moment, not a brief touch and a re-grip."""
    held = _held(track, hands, ("left_hand", "right_hand"))
    last = float(track.t[-1]) if len(track.t) else 0.0
    until = {id(c): max(c.end, float(track.t[held[id(c)][-1]]) if len(held[id(c)]) else c.end) for c in hands}
    for limb in ("left_hand", "right_hand"):
        mine = sorted((c for c in hands if c.limb == limb), key=lambda c: c.start)
        for c, nxt in reversed(list(zip(mine, mine[1:]))):  # (from the last: a chain of them is one grip)
            if math.dist((c.x, c.y), (nxt.x, nxt.y)) / track.torso_px <= NEW_HOLD_DIST and \
                    nxt.start - until[id(c)] <= 2 * _dt(track.t) + 1e-6:
                until[id(c)] = max(until[id(c)], until[id(nxt)])
    return {id(c) for c in hands if until[id(c)] - c.start < BRIEF_TOUCH_S - 1e-6 and until[id(c)] < last - 1e-6}


def _glimpse(track: Track, idx: int, c: Contact, a: float) -> bool:
    """Is hand contact ``c`` a glimpse: after the climb's first moment (and brief: see _brief),
    and the hand seen neither coming to it nor leaving it (nowhere further than NEW_HOLD_DIST from it
    in the REACH_SEEN_S either side)? The model placing a hand hidden behind the body somewhere for
    three or four frames; it is never a move, and is not shown as a hold the climber took."""
    if c.start <= a + _dt(track.t) / 2:
        return False
    after = (track.t >= c.end + 1e-6) & (track.t <= c.end + REACH_SEEN_S + 1e-6)
    return not _seen_beyond(track, idx, after, c, NEW_HOLD_DIST) and not _came_from_elsewhere(track, idx, c, a)


def _lifted(track: Track, idx: int, c: Contact, until: float) -> bool:
    """Is limb end ``idx`` seen, after contact ``c`` and before ``until``, further than
    CONTACT_RADIUS from where it stood (off the spot it was still on)?"""
    return _seen_beyond(track, idx, (track.t > c.end + 1e-6) & (track.t < until - 1e-6), c, CONTACT_RADIUS)


def feet_states(track: Track, cs: list[Contact], gaps: Sequence[tuple[float, float]] = ()) -> np.ndarray:
    """Per frame: 1 a foot on the wall, 0 both feet off, NaN unknown. A foot is seen off the wall only
    when its whole lower leg is seen (knee and ankle): a foot whose knee is hidden (behind the body,
    round the arete) is the model's guess, and unseen feet are not counted as off."""
    out = np.full(len(track.t), np.nan)
    for t0, t1 in gaps:
        out[(track.t > t0 + 1e-6) & (track.t < t1 - 1e-6)] = 0.0
    stays = _still_at_hold(track, cs)
    legs_seen = np.all([track.leg_seen(f) & (track.lm[:, LIMBS[f], 2] >= MIN_VISIBILITY) for f in KNEES], axis=0)
    for i, ti in enumerate(track.t):
        on = [c for c in cs if c.hold_type == "foot" and c.start - 1e-6 <= ti <= c.end + 1e-6]
        if on or stays[i]:
            out[i] = 1.0
        elif legs_seen[i]:
            out[i] = 0.0
    return out


def _still_at_hold(track: Track, cs: list[Contact]) -> np.ndarray:
    """Per frame: a foot is seen where its last contact was and has been every time it was seen
    since. A contact ends when the foot goes out of sight for a moment, or is seen too briefly after
    to make CONTACT_MIN_S again, or its reading jitters past CONTACT_RADIUS (a dim or noisy clip);
    the foot has not left its hold until it is seen elsewhere: further than a hold's width
    (NEW_HOLD_DIST) from it."""
    out = np.zeros(len(track.t), bool)
    for held in _held(track, cs).values():
        out[held] = True
    return out


def _arrived(track: Track, cs: list[Contact], limbs: Sequence[str] = ("left_foot", "right_foot")) -> dict[int, np.ndarray]:
    """Per contact of ``limbs`` (by its id): the frames just before it where the limb end is seen at
    its hold (within NEW_HOLD_DIST), back to the last sight of it elsewhere (or its previous
    contact): arriving, it was on the hold before it was still there (settling, or its reading
    drifting in a blurred picture), as it stays on after it until seen elsewhere (see _held)."""
    out: dict[int, np.ndarray] = {}
    r = NEW_HOLD_DIST * track.torso_px
    for limb in limbs:
        p = track.point(LIMBS[limb])
        guess = ~track.leg_seen(limb)
        mine = sorted((c for c in cs if c.limb == limb), key=lambda c: c.start)
        for k, c in enumerate(mine):
            since = mine[k - 1].end if k else -np.inf
            seen = np.flatnonzero((track.t < c.start - 1e-6) & (track.t > since + 1e-6) & ~np.isnan(p[:, 0]))
            at = []
            for i in seen[::-1]:
                if np.hypot(p[i, 0] - c.x, p[i, 1] - c.y) <= r:
                    at.append(i)
                elif not guess[i]:
                    break
            out[id(c)] = np.array(at[::-1], int)
    return out


def _held(track: Track, cs: list[Contact], limbs: Sequence[str] = ("left_foot", "right_foot")) -> dict[int, np.ndarray]:
    """Per contact of ``limbs`` (by its id): the frames after it where the limb end is seen still at
    its hold (within NEW_HOLD_DIST), up to the first sight of it elsewhere that is not a slip (read
    elsewhere for one frame and back at the hold the next: no limb leaves and comes back within a
    frame), or its next contact."""
    out: dict[int, np.ndarray] = {}
    r = NEW_HOLD_DIST * track.torso_px
    for limb in limbs:
        idx = LIMBS[limb]
        p = track.point(idx)
        # a foot read elsewhere with its knee hidden (see Track.leg_seen) says nothing of it having left
        guess = ~track.leg_seen(limb)
        mine = sorted((c for c in cs if c.limb == limb), key=lambda c: c.start)
        for k, c in enumerate(mine):
            until = mine[k + 1].start if k + 1 < len(mine) else np.inf
            # (unseen frames say nothing either way)
            seen = np.flatnonzero((track.t > c.end + 1e-6) & (track.t < until - 1e-6) & ~np.isnan(p[:, 0]))
            at = np.hypot(p[seen, 0] - c.x, p[seen, 1] - c.y) <= r
            held = []
            for n, i in enumerate(seen):
                if at[n]:
                    held.append(i)
                elif guess[i]:
                    continue
                elif not (n + 1 < len(seen) and at[n + 1]):
                    break  # seen elsewhere, and not back the frame after: it left
            out[id(c)] = np.array(held, int)
    return out


def jitter(track: Track) -> np.ndarray:
    """How much each landmark's reading jitters from frame to frame, (33, 2) pixels: the robust
    spread (median absolute deviation) of its second difference over three consecutive frames
    seen, which for a joint moving steadily is its reading noise times sqrt(1.5); a real
    acceleration now and then is an outlier the median looks past. NaN where never seen so."""
    xy = track.lm[:, :, :2]
    both = track.found[1:-1] & track.found[:-2] & track.found[2:]
    d2 = (xy[1:-1] - (xy[:-2] + xy[2:]) / 2)[both]
    if len(d2) < 4:
        return np.full((xy.shape[1], 2), np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a joint never seen in three frames running
        mad = np.nanmedian(np.abs(d2 - np.nanmedian(d2, axis=0)), axis=0)
    return np.asarray(mad * 1.4826 / math.sqrt(1.5))


def tracking_continuity(track: Track, inside: np.ndarray) -> float:
    """Share of consecutive tracked samples inside the climb where the hip moved less than
    JUMP_TORSOS torso lengths per JUMP_PER_S: a skeleton that leaps to a bystander and back, or
    flickers between two people, breaks it."""
    idx = np.flatnonzero(inside & track.found)
    if len(idx) < 2:
        return 0.0
    hip = track.hip()[idx]
    dt = np.diff(track.t[idx])
    step = np.linalg.norm(np.diff(hip, axis=0), axis=1) / track.torso_px
    return float(np.mean(step <= JUMP_TORSOS + JUMP_PER_S * dt))


def contacted_at(cs: list[Contact], time: float) -> list[Contact]:
    return [c for c in cs if c.start <= time <= c.end]


def _leaves(track: Track, idx: int, c: Contact) -> bool:
    """Does the limb end move at least FEET_TOGETHER_DIST torso lengths away within the three samples
    after contact ``c`` ends (it left the hold, rather than the contact breaking up on jitter)? Seen
    once there, or read there twice running at any confidence: a leg swinging off a roof hangs
    towards the camera, foreshortened, and fades out of sight as it goes (read at visibility 0.2-0.3
    as it left, both legs at once, on the roof clip sampled at other sizes and rates), while a foot
    hidden on its hold is placed at or near it, not twice running far from it (a guess wanders off
    and back: read away, at the hold, away again). Three samples: a foot swinging off slowly is
    0.45 torso lengths away in the first and 0.9 in the next (a foot leaving reaches 0.5 torso
    lengths within FEET_TOGETHER_S, two samples at 8 fps; one more allows for its first reading)."""
    t = track.t
    # (frame times are the source's, not exact steps of the rate)
    w = (t > c.end + 1e-6) & (t <= c.end + max(FEET_TOGETHER_S, 3 * _dt(t)) + _dt(t) / 2)
    vis = track.lm[w, idx, 2]
    # seen with its knee hidden (see Track.leg_seen): read faintly
    vis = np.where(track.leg_seen(c.limb)[w], vis, np.minimum(vis, LOW_VISIBILITY))
    away = np.linalg.norm(track.lm[w, idx, :2] - np.array([c.x, c.y]), axis=1) / track.torso_px >= FEET_TOGETHER_DIST
    return bool(np.any(away & (vis >= MIN_VISIBILITY))) or bool(np.any(away[1:] & away[:-1]))


def _possibly_on(track: Track, other: list[Contact], at: float, swung_until: float = -np.inf) -> bool:
    """Could the other foot still be on its hold at ``at``, when the last foot seen on the wall leaves?
    Yes when it was last seen on (or beside) its hold and has been out of sight for longer than a
    moment before ``at``: a foot hidden behind the body or round an arete while the seen foot steps
    on. (Legs that cut loose go out of sight together: a hanging leg is seen with little confidence.)
    Yes too when it has not been seen for longer than feet cut loose together take (CUT_LOOSE_GAP_S)
    since the feet came back to the wall after the last swing (``swung_until``): tucked behind the
    body it may stand on any hold by now. A foot out of sight since the swing is still hanging."""
    before = [o for o in other if o.end <= at + 1e-6]
    if not before:
        return False
    o = max(before, key=lambda x: x.end)
    t = track.t
    idx = P.L_ANKLE if o.limb == "left_foot" else P.R_ANKLE
    moment = max(FEET_TOGETHER_S, 2 * _dt(t)) + 1e-6
    spot = _still_barely_seen(track, idx, at) if at - o.end > moment else None
    if spot is not None and not _goes_too(track, idx, o, at, spot):
        # it left its hold a while ago, and stands still somewhere it is hardly seen (and is not
        # read away from there as the seen foot leaves: legs cut loose together)
        return True
    w = (t > o.end + 1e-6) & (t <= at + 1e-6)
    p = track.point(idx)[w]
    seen = ~np.isnan(p[:, 0])
    last_seen = float(t[w][seen][-1]) if seen.any() else o.end
    if at - last_seen > CUT_LOOSE_GAP_S and last_seen >= swung_until - _dt(t) - 1e-6:
        return True  # out of sight for a while, since the feet came back: it may stand on any hold
    if seen.any() and np.max(np.linalg.norm(p[seen] - np.array([o.x, o.y]), axis=1)) / track.torso_px > NEW_HOLD_DIST:
        return False  # seen away from its hold: it left
    if _guessed_away(track, idx, o, at, moment):
        return False  # read, faintly, moving away from it
    if _goes_too(track, idx, o, at, (o.x, o.y)):
        return False  # read leaving its hold as the seen foot leaves: the legs cut loose together
    return at - last_seen > moment


def _goes_too(track: Track, idx: int, o: Contact, at: float, place: Sequence[float] | np.ndarray) -> bool:
    """Is the other foot (of contact ``o``), last seen on ``place``, read leaving as the seen foot
    leaves at ``at``: in the moment after (see _leaves), away from ``place`` and from where it was last
    read, at any confidence? Hanging legs are read faintly, and swing away together; a foot hidden
    on a hold is read at or near it, and a guess that lay off it before and stays there says nothing."""
    before = np.flatnonzero((track.t <= at + 1e-6) & ~np.isnan(track.lm[:, idx, 0]))
    if not len(before):
        return False
    last = track.lm[before[-1], idx, :2]
    return all(_leaves(track, idx, replace(o, end=at, x=float(x), y=float(y))) for x, y in (place, last))


def _guessed_away(track: Track, idx: int, o: Contact, at: float, moment: float) -> bool:
    """Do the readings of limb end ``idx`` in the ``moment`` up to ``at``, even with little confidence
    (down to LOW_VISIBILITY), place it further than NEW_HOLD_DIST from its hold ``o``, twice? A foot
    fading out of sight as it swings away is read leaving; one hidden on its hold is guessed where it
    was. (Guesses from longer before say nothing about where it is now.)"""
    w = ((track.t > max(o.end, at - moment) + 1e-6) & (track.t <= at + 1e-6)
         & (track.lm[:, idx, 2] >= LOW_VISIBILITY))
    p = track.lm[w, idx, :2][-2:]
    return len(p) == 2 and bool(np.min(np.linalg.norm(p - np.array([o.x, o.y]), axis=1)) / track.torso_px
                                > NEW_HOLD_DIST)


def _still_barely_seen(track: Track, idx: int, at: float) -> np.ndarray | None:
    """Where limb end ``idx`` stays, if it stays within CONTACT_RADIUS of one place from CONTACT_MIN_S
    before ``at`` to CONTACT_MIN_S after, counting positions the model gives with visibility down to
    LOW_VISIBILITY. A foot behind the body, on a hold, is placed still with little confidence, once
    in a while a guess elsewhere (of four readings or more, one may lie off); a foot that cut loose
    swings away with the other, in every reading."""
    w = (track.t >= at - CONTACT_MIN_S - 1e-6) & (track.t <= at + CONTACT_MIN_S + 1e-6)
    p = track.lm[w, idx, :2]
    p = p[track.lm[w, idx, 2] >= LOW_VISIBILITY]
    if len(p) < max(3, int(0.75 * w.sum())):
        return None
    place = np.median(p, axis=0)
    off = np.sort(np.linalg.norm(p - place, axis=1))
    return place if off[-2 if len(off) >= 4 else -1] <= CONTACT_RADIUS * track.torso_px else None


def cut_loose_gaps(track: Track, cs: list[Contact], a: float, b: float) -> list[tuple[float, float]]:
    """Stretches with both feet off after a cut loose that the feet themselves may not show (legs
    hanging in the air are often seen with little confidence): the last foot on the wall is seen
    leaving its hold, and no foot takes a hold for at least CUT_LOOSE_GAP_S (a body swinging on its
    hands settles before the feet come back; in footwork one foot is on, or the next one is within
    a moment). Each is (the foot left, the next foot contact or the end of the climb)."""
    # each foot on its hold until it is seen elsewhere: a contact broken by a moment out of sight,
    # the foot seen back at its hold after, ends where the foot was last seen there
    held = _held(track, cs)
    feet = sorted((replace(c, end=float(track.t[held[id(c)][-1]])) if len(held[id(c)]) else c
                   for c in cs if c.hold_type == "foot"), key=lambda c: c.end)
    getting_off = _got_off(track, b)
    # where the feet are back on the wall: a foot on a hold (both legs read still together for a
    # moment, briefer than FEET_ON_BEFORE_S, are legs hanging at a swing's turning point)
    footholds = [o for o in feet if not _hanging_together(track, o)]
    out: list[tuple[float, float]] = []
    for c in feet:
        if any(o is not c and o.start <= c.end + 1e-6 < o.end for o in feet):
            continue  # another foot is still on: not the last one
        if _possibly_on(track, [o for o in feet if o.limb != c.limb], c.end, out[-1][1] if out else -np.inf):
            continue  # the other foot went out of sight on its hold, and may be there still
        nxt = min((o.start for o in footholds if o.start > c.end + 1e-6), default=b)
        if getting_off and nxt >= b - 1e-6 and c.end > b - DISMOUNT_S - CUT_LOOSE_GAP_S + 1e-6:
            continue  # no foot back before the floor, and no hang before getting off: stepping down
        idx = P.L_ANKLE if c.limb == "left_foot" else P.R_ANKLE
        if nxt - c.end >= CUT_LOOSE_GAP_S and a <= c.end <= b and _leaves(track, idx, c) and (c.end, nxt) not in out:
            if out and abs(out[-1][1] - c.start) < 1e-6 and c.end - c.start + _dt(track.t) < FEET_ON_BEFORE_S - 1e-6:
                # a foot back on the wall for a moment in the swing (a dab, or a hanging foot still
                # for a few frames) and off again: the same swing goes on, not a second cut loose
                # (which starts from feet on the wall for FEET_ON_BEFORE_S, as in dynamic_moves)
                out[-1] = (out[-1][0], nxt)
                continue
            start = _swing_began(track, feet, c, out[-1][1] if out else -np.inf)
            if out and start <= out[-1][1] + 1e-6:
                out[-1] = (out[-1][0], nxt)
                continue
            out.append((max(start, a), nxt))  # (both feet leaving together give it once)
    return out


def _hanging_together(track: Track, c: Contact) -> bool:
    """Is foot contact ``c`` brief (under FEET_ON_BEFORE_S) with the other foot read beside it
    (within NEW_HOLD_DIST, at any confidence) all along: legs hanging together, still for a moment
    at a swing's turning point, not a foot on a hold?"""
    if c.end - c.start + _dt(track.t) >= FEET_ON_BEFORE_S - 1e-6:
        return False
    other = P.R_ANKLE if c.limb == "left_foot" else P.L_ANKLE
    w = (track.t >= c.start - 1e-6) & (track.t <= c.end + 1e-6)
    d = np.linalg.norm(track.lm[w, other, :2] - np.array([c.x, c.y]), axis=1) / track.torso_px
    return bool(len(d)) and bool(np.all(d <= NEW_HOLD_DIST))


def _swing_began(track: Track, feet: list[Contact], c: Contact, swung_until: float) -> float:
    """When the feet cut loose that left the wall for good with foot contact ``c``: where ``c`` is one
    foot on the wall for a moment (under FEET_ON_BEFORE_S, the other foot on no hold then: a dab, or
    a hanging foot read still at a swing's turning point) after the last foot on the wall was seen
    leaving its hold, with no foot on in between and less than CUT_LOOSE_GAP_S before, the swing
    began there. (Both feet still at once is the climber back on the wall.)"""
    start, cur = c.end, c
    while (cur.end - cur.start + _dt(track.t) < FEET_ON_BEFORE_S - 1e-6
           and not any(o is not cur and o.start <= cur.end + 1e-6 and o.end >= cur.start - 1e-6 for o in feet)):
        before = [o for o in feet if o.end < cur.start - 1e-6]
        if not before:
            break
        p = max(before, key=lambda o: o.end)
        if cur.start - p.end >= CUT_LOOSE_GAP_S or any(o is not p and o.start <= p.end + 1e-6 < o.end for o in feet):
            break  # long before, or another foot still on when it left
        if _possibly_on(track, [o for o in feet if o.limb != p.limb], p.end, swung_until):
            break
        if not _leaves(track, LIMBS[p.limb], p):
            break
        start, cur = p.end, p
    return start


def hip_swings(track: Track, cs: list[Contact], feet: np.ndarray, hip: np.ndarray, ht: np.ndarray,
               a: float, last: float) -> list[float]:
    """When the body swung from its hands with no foot seen on the wall, as after a cut loose whose
    feet the picture does not show (below its edge, or hidden): both hands on their holds all along
    (still there, or seen at them since: see _held), the hip (``hip`` at ``ht``, smoothed, torso
    lengths) going out SWING_AMP or more within ONE_SWING_S, at DYNO_SPEED or faster, and back at
    least half of that within ONE_SWING_S after, and no foot on a hold (``feet``, per frame: see
    feet_states) on the way out; between ``a`` and ``last``. A pendulum under still hands: feet
    standing on holds push the hip about too, but then they are seen there. One swing until the hip
    comes to rest."""
    t = track.t
    hold = _held(track, cs, ("left_hand", "right_hand"))
    held = {"left_hand": np.zeros(len(t), bool), "right_hand": np.zeros(len(t), bool)}
    for c in cs:
        if c.hold_type == "hand":
            held[c.limb][(t >= c.start - 1e-6) & (t <= c.end + 1e-6)] = True
            held[c.limb][hold[id(c)]] = True
    at = np.clip(np.searchsorted(t, ht - 1e-6), 0, len(t) - 1)  # the frame of each hip sample
    both = (held["left_hand"] & held["right_hand"])[at] & (ht >= a - 1e-6) & (ht <= last + 1e-6)
    foot_on = (feet == 1)[at]
    v = speed(hip, ht) if len(hip) >= 2 else np.zeros(len(hip))
    out: list[float] = []
    for s0, e0 in runs(both):
        i = s0
        while i < e0:
            away = s0 + np.flatnonzero((ht[s0:e0] > ht[i]) & (ht[s0:e0] <= ht[i] + ONE_SWING_S + 1e-6))
            if not len(away):
                break
            j = int(away[np.argmax(np.linalg.norm(hip[away] - hip[i], axis=1))])
            back = s0 + np.flatnonzero((ht[s0:e0] > ht[j]) & (ht[s0:e0] <= ht[j] + ONE_SWING_S + 1e-6))
            if np.linalg.norm(hip[j] - hip[i]) >= SWING_AMP and len(back) and v[i:j + 1].max() >= DYNO_SPEED and \
                    np.linalg.norm(hip[back] - hip[j], axis=1).max() >= SWING_AMP / 2 and not foot_on[i:j + 1].any():
                out.append(float(ht[i]))
                # the same swing goes on, out and back, until the hip comes to rest
                i = next((j + r0 for r0, r1 in runs(v[j:e0] < IMMOBILE_SPEED)
                          if ht[j + r1 - 1] - ht[j + r0] + _dt(ht) >= REST_S - 1e-6), e0)
            else:
                i += 1
    return out


def _got_off(track: Track, b: float) -> bool:
    """Did the climb end before the clip (the climber back on the floor), rather than with it?"""
    return bool(b < track.t[-1] - 1e-6)


def _hands_seen_off(track: Track, cs: list[Contact], time: float, holding: np.ndarray) -> bool:
    """No hand on a hold at ``time``, and both hands seen: a hand hidden behind the body may well be
    on its hold (not seen still is not seen off); nor has a hand seen at its hold since it was last
    still there (``holding``, per frame: see _held) left it, though its reading jitters past the
    contact radius."""
    if any(c.hold_type == "hand" for c in contacted_at(cs, time)):
        return False
    i = int(np.argmin(np.abs(track.t - time)))
    if holding[i]:
        return False
    return bool(track.lm[i, P.L_WRIST, 2] >= MIN_VISIBILITY and track.lm[i, P.R_WRIST, 2] >= MIN_VISIBILITY)


def dynamic_moves(track: Track, cs: list[Contact], feet: np.ndarray, hip: np.ndarray, ht: np.ndarray,
                  a: float, b: float, gaps: Sequence[tuple[float, float]] = ()) -> tuple[list[float], list[float], list[float]]:
    """Moves with a flight or swing phase, in time order: (all dynamic moves, the flights followed
    by a swing, the cut looses without a flight before them).

    - cut loose: both feet leave the wall after being on it and stay off for at least FEET_OFF_MIN_S;
      the body then hangs and swings on the hands (off for less than CUT_LOOSE_GAP_S, the hip must
      be seen swinging: faster than DYNO_SPEED); or it swings from both hands with no foot seen on
      the wall, the feet out of the picture: see hip_swings;
    - flight: the hip moves faster than DYNO_SPEED (any direction: "up" depends on the camera) over
      consecutive samples and at least FLIGHT_MIN_DIST while both hands are off their holds, after a
      hand was seen on one (dyno, lunge: a hand lets go).
    Feet leaving in the last DISMOUNT_S of a climb that ends on the floor are the climber getting
    off, not a move; a clip that ends with the climber still on the wall is judged to its last frame
    (a clip cut just after the catch of a dyno, as clips to show one often are)."""
    t = track.t
    dt = _dt(t)
    events: list[tuple[float, str]] = []
    last = b - DISMOUNT_S if _got_off(track, b) else b
    off = (feet == 0) & (t >= a - 1e-6) & (t <= last + 1e-6)
    v = speed(hip, ht) if len(hip) >= 3 else np.zeros(len(hip))
    for s0, e0 in runs(off):
        if t[e0 - 1] - t[s0] + dt < FEET_OFF_MIN_S:
            continue
        # both feet seen off for less than CUT_LOOSE_GAP_S, until a foot is seen back on a hold (a
        # moment out of sight between or not), the climber gets off the wall or the clip ends, with
        # the body never swinging on its hands (the hip never as fast as DYNO_SPEED), is no cut
        # loose: a hop from foot to foot, a foot moving while the other's hold was not seen still,
        # stepping down to the floor (as in cut_loose_gaps), legs dangling as the clip ends. Feet
        # cut loose drop the body onto the arms, and it swings
        on_again = np.flatnonzero((feet == 1) & (t > t[s0] + 1e-6))
        until = min(float(t[on_again[0]]) if len(on_again) else np.inf, last)
        w = (ht >= t[s0] - 1e-6) & (ht <= until + 1e-6)
        if until - t[s0] < CUT_LOOSE_GAP_S - 1e-6 and not (v[w] >= DYNO_SPEED).any():
            continue
        # a cut loose starts from feet on the wall: on for FEET_ON_BEFORE_S within the second before
        # (the still turning point of a swing, or feet never seen, do not start another one)
        w = (t >= t[s0] - 1.0) & (t < t[s0])
        if (feet[w] == 1).sum() * dt >= FEET_ON_BEFORE_S:
            events.append((float(t[s0]), "cut loose"))
    # the last foot seen leaving, and no foot back on a hold for a while, is a cut loose too, even
    # when the hanging legs are hardly seen; and so is a swing from the hands with no foot seen on
    # the wall, the feet seen leaving or not (out of the picture)
    for t0, _t1 in gaps:
        if t0 <= last + 1e-6:
            events.append((float(t0), "cut loose"))
    events += [(t0, "cut loose") for t0 in hip_swings(track, cs, feet, hip, ht, a, last)]
    if len(hip) >= 3:
        raw = track.hip()
        holding = np.zeros(len(t), bool)  # a hand seen at the hold it was last still on
        for frames in _held(track, cs, ("left_hand", "right_hand")).values():
            holding[frames] = True
        for s0, e0 in runs(v > DYNO_SPEED):
            seg = hip[max(0, s0 - 1):min(len(hip), e0 + 1)]
            if e0 - s0 < 2 or np.linalg.norm(seg[-1] - seg[0]) < FLIGHT_MIN_DIST or ht[s0] > last + 1e-6:
                continue  # one fast sample, or fast back and forth: pose jitter, not a flight
            i0, i1 = np.searchsorted(t, ht[max(0, s0 - 1)]), np.searchsorted(t, ht[min(len(ht) - 1, e0)])
            seen = i0 + np.flatnonzero(~np.isnan(raw[i0:i1 + 1, 0]))
            steps = np.linalg.norm(np.diff(raw[seen], axis=0), axis=1) / track.torso_px
            if np.any(steps > JUMP_TORSOS + JUMP_PER_S * np.diff(t[seen])):
                continue  # the skeleton leapt (to someone else and back, across a frame not seen too)
            # both hands off in two samples running: a hand changing holds leaves one sample with
            # neither still (a pull-up then a reach is not a flight)
            off_hands = np.array([_hands_seen_off(track, cs, float(ht[i]), holding)
                                  for i in range(max(0, s0 - 1), min(len(ht), e0 + 1))])
            # ... having let go: a hand seen on a hold in the second before (hands never seen still,
            # in a dim clip, are not seen letting go)
            let_go = any(c.hold_type == "hand" and ht[s0] - REACH_SEEN_S - 1e-6 <= c.end <= ht[min(len(ht) - 1, e0)] + 1e-6
                         for c in cs)
            if (off_hands[:-1] & off_hands[1:]).any() and let_go:
                events.append((float(ht[s0]), "flight"))
    events.sort()
    def rested(t0: float, t1: float) -> bool:  # did the hip come to rest between t0 and t1?
        slow = (ht > t0) & (ht < t1) & (v < IMMOBILE_SPEED)
        return any(ht[e0 - 1] - ht[s0] + dt >= REST_S - 1e-6 for s0, e0 in runs(slow))

    merged: list[tuple[float, str]] = []
    last = -np.inf
    for time, kind in events:
        since = time - merged[-1][0] if merged else np.inf
        if since <= ONE_SWING_S or (since <= SWING_S and not rested(last, time)):
            # a flight whose catch ends with the feet cutting loose is one move, followed by a swing
            if kind == "cut loose" and merged[-1][1] == "flight":
                merged[-1] = (merged[-1][0], "flight, swing")
            last = time
            continue
        merged.append((time, kind))
        last = time
    return ([round(x, 2) for x, _ in merged], [round(x, 2) for x, k in merged if k == "flight, swing"],
            [round(x, 2) for x, k in merged if k == "cut loose"])


# --- all metrics --------------------------------------------------------------------------------
@dataclass
class Metrics:
    values: dict[str, Any]
    pauses: list[dict[str, float]]
    contacts: list[Contact]
    window: tuple[float, float, str]
    hip_path: np.ndarray  # (m, 2) smoothed, torso units, inside the window
    hip_t: np.ndarray
    hip_speed: np.ndarray
    coverage: float
    dynos: list[float] = field(default_factory=list)
    swings: list[float] = field(default_factory=list)  # flights (dyno, lunge) followed by a swing
    cut_looses: list[float] = field(default_factory=list)  # feet cut loose with no flight before
    straight_arm_samples: int = 0
    hanging: list[tuple[float, bool]] = field(default_factory=list)  # (time, arm straight) per hanging sample
    supported: list[tuple[float, bool]] = field(default_factory=list)  # (time, hip over its base) per sample
    replaced_at: list[float] = field(default_factory=list)  # when a foot was put back on the hold it just left
    feet_off_spans: list[tuple[float, float]] = field(default_factory=list)  # both feet off (counted in the share)
    support_samples: int = 0
    continuity: float = 1.0  # share of consecutive tracked samples without a jump (steady tracking)
    feet_known: float = 1.0  # share of the climb whose feet state (on the wall or off) was seen
    window_certain: bool = True  # the window came from a floor line or a clear rise, not a fallback


def compute(track: Track, trim: tuple[float | None, float | None] | None = None, at: float | None = None) -> Metrics:
    """Every measure of the climb: the longest one in the clip, or the one found at ``at`` (a time
    the climber picked), or the part ``trim`` says."""
    t = track.t
    windows = _climb_windows(track, trim, at)
    a, b, how, others = windows.start, windows.end, windows.how, windows.others
    inside = (t >= a - 1e-6) & (t <= b + 1e-6)
    coverage = float(track.found[inside].mean()) if inside.any() else 0.0
    hip_px = fill_gaps(track.hip(), t)
    keep = inside & ~np.isnan(hip_px[:, 0])
    ht = t[keep]
    hip = smooth(track.norm(hip_px[keep]), ht) if keep.sum() >= 2 else track.norm(hip_px[keep])  # as long as ht
    duration = float(b - a)
    v = speed(hip, ht) if len(hip) >= 2 else np.zeros(len(hip))

    L = path_length(hip)
    net = float(np.linalg.norm(hip[-1] - hip[0])) if len(hip) >= 2 else 0.0
    immobile = v < IMMOBILE_SPEED
    dts = np.diff(ht, append=ht[-1] + (ht[-1] - ht[-2] if len(ht) > 1 else 0.125)) if len(ht) else np.array([])
    imm_ratio = float(dts[immobile].sum() / dts.sum()) if len(dts) and dts.sum() > 0 else 0.0
    pauses = []
    for s, e in runs(immobile):
        dur = float(ht[e - 1] - ht[s] + dts[e - 1])
        if dur >= PAUSE_MIN_S:
            pauses.append({"time_start": round(float(ht[s]), 2), "time_end": round(float(ht[e - 1] + dts[e - 1]), 2),
                           "duration_s": round(dur, 2)})
    # "down" from the body: heights along it, and balance across it; not where nothing else confirms
    # a turned one (see UP_UNSURE): the page says which way is up is not certain there
    down, certain = down_axis(track)
    certain = certain and how != UP_UNSURE
    # the hip's height along it (climbing down after the top is no hand move; see _climbing_down)
    up_h = -(hip @ down) if certain and len(hip) >= 2 else np.zeros(0)
    hang_down = gravity(track)  # an arm hanging free for a moment is no hold
    cs = [c for c in contacts(track, a, b) if not _hanging_free(track, c, hang_down)]
    hands = [c for c in cs if c.hold_type == "hand"]
    feet = [c for c in cs if c.hold_type == "foot"]

    # moves: hand contacts on a new hold
    moves = moves_down = 0
    last_by_limb: dict[str, Contact] = {}
    latest: dict[str, Contact] = {}
    left_for: dict[str, tuple[Contact, Contact]] = {}  # a hold left for a brief touch, and the touch
    taken: set[tuple[str, float]] = set()  # (limb, start) of the hand contacts counted as moves
    # the climb began from the floor only where the climber was seen before it; one that begins
    # where they are first seen (the clip's first frames unread, a shaken phone) began on the wall
    grace = FIRST_HOLD_GRACE_S if track.found[t < a - 1e-6].any() else 0.0
    brief = _brief(track, hands)
    for c in hands:
        if _names_swapped(track, c, last_by_limb, latest):
            # the model named the hands the other way round from here (the video cut to a mirrored or
            # opposite view, or the other hand "left" its hold faster than a hand moves as this one
            # was read on it): this hand, on the hold the other one held, kept that hold. The names
            # go on swapped
            other = OTHER_HAND[c.limb]
            for held_by in (last_by_limb, latest):
                mine, theirs = held_by.pop(c.limb, None), held_by.pop(other, None)
                if theirs is not None:
                    held_by[c.limb] = theirs
                if mine is not None:
                    held_by[other] = mine
            left_for.clear()
            latest[c.limb] = c
            continue
        prev = last_by_limb.get(c.limb)
        back = left_for.pop(c.limb, None)
        if back is not None and latest[c.limb] is back[1] and \
                math.dist((c.x, c.y), (back[0].x, back[0].y)) / track.torso_px <= NEW_HOLD_DIST:
            # back on the hold it left after touching something for a moment (a tap, or the model
            # placing a hidden hand somewhere for a few frames): it never moved on
            moves -= 1
            taken.discard((c.limb, back[1].start))
            last_by_limb[c.limb] = latest[c.limb] = back[0]
            continue
        if back is not None and latest[c.limb] is back[1] and c.start - back[1].end <= REACH_SEEN_S + 1e-6 \
                and _detour(back[0], back[1], c) >= DETOUR:
            # straight on to another hold after a moment far off the way to it: that moment was no
            # hold; this one is judged from the hold the hand left
            moves -= 1
            taken.discard((c.limb, back[1].start))
            last_by_limb[c.limb] = latest[c.limb] = prev = back[0]
        # a hand's first hold is where it started, unless the hand was seen elsewhere in the climb
        # before it took it (it came from a hold it was not seen still on, or from hanging free);
        # after that, a move is leaving a hold for a different one: far from where the hand took
        # the hold (jitter cannot creep into a move) and from where it was last (nor can the slow
        # drift of a hand-held camera's compensation, a few pixels a second)
        if prev is not None:
            moved = all(math.dist((c.x, c.y), (o.x, o.y)) / track.torso_px > NEW_HOLD_DIST for o in (prev, latest[c.limb]))
            # or a match: the other hand is on this hold, and this one comes from elsewhere (when
            # the model trades the hands' names, the first hand's hold reads as this one's own; or
            # it was last seen away from it, hanging free, which is no hold)
            moved = moved or (_held_by_other(c, hands, track.torso_px)
                              and (math.dist((c.x, c.y), (latest[c.limb].x, latest[c.limb].y)) / track.torso_px > NEW_HOLD_DIST
                                   or _last_seen_elsewhere(track, LIMBS[c.limb], c, latest[c.limb].end + 1e-3)))
            # a new hold is held, or the hand is seen reaching for it: a moment's stillness of a
            # hand not seen before it is no evidence of either (the model glimpsing a hidden hand,
            # placed where it is not for three or four frames)
            moved = moved and (id(c) not in brief or _came_from_elsewhere(track, LIMBS[c.limb], c, a))
            # and not down the wall after the top (counted apart: the page says so)
            if moved and _climbing_down(track, c, latest[c.limb], down, up_h, ht):
                moved, moves_down = False, moves_down + 1
        else:
            moved = c.start - a > grace and (_came_from_elsewhere(track, LIMBS[c.limb], c, a)
                                             or _last_seen_elsewhere(track, LIMBS[c.limb], c, a))
        moves += int(moved)
        if moved:
            taken.add((c.limb, c.start))
        if moved and prev is not None and id(c) in brief:
            left_for[c.limb] = (prev, c)
        if moved or prev is None:
            # the hold is where the hand first took it: a later span on it (a re-grip, or the grip
            # split by jitter) is measured from there
            last_by_limb[c.limb] = c
        latest[c.limb] = c
    # foot placements, and re-placements: a foot seen lifted off its spot and put back on it within
    # REPLACE_WITHIN_S (adjusting it). Never seen off it (a contact split by the reading's jitter,
    # or by a moment out of sight), it is the same placement
    replacements = placements = 0
    replaced_at: list[float] = []
    last_by_limb = {}
    for c in feet:
        prev = last_by_limb.get(c.limb)
        if prev is not None and c.start - prev.end <= REPLACE_WITHIN_S and \
                math.dist((c.x, c.y), (prev.x, prev.y)) / track.torso_px <= REPLACE_DIST:
            if _lifted(track, LIMBS[c.limb], prev, c.start):
                replacements += 1
                replaced_at.append(c.start)
            else:
                placements -= 1
        placements += 1
        last_by_limb[c.limb] = c

    # what is shown and measured on: the holds taken, without the glimpses (the moves above saw them:
    # a hand glimpsed elsewhere was not on its last hold); a hold counted as a move is shown, however
    # briefly it was seen (a match in the clip's last frames)
    shown = [c for c in cs if not (c.hold_type == "hand" and (c.limb, c.start) not in taken
                                   and id(c) in brief and _glimpse(track, LIMBS[c.limb], c, a))]
    # straight arms while hanging (a hand in contact above its shoulder) and the hip over its base:
    # (time, straight) and (time, over) per sample
    hanging: list[tuple[float, bool]] = []
    supported: list[tuple[float, bool]] = []
    gaps = cut_loose_gaps(track, cs, a, b)
    feet_on = feet_states(track, cs, gaps)
    share_on = feet_on.copy()
    # a foot arriving on its hold was on it before it was still there (see _arrived): the share is
    # of time; the dynamic moves go on judging a foot back on by its stillness (a foot at a swing's
    # turning point comes within a hold's width of where it stops too)
    for frames in _arrived(track, cs).values():
        share_on[frames] = 1.0
    # both feet seen off for less than FEET_OFF_MIN_S between footholds is a foot moving while the
    # other's hold was not seen still (footwork), not the body off its feet: unknown, not off
    for s, e in runs(share_on == 0):
        if t[e - 1] - t[s] + _dt(t) < FEET_OFF_MIN_S - 1e-6:
            share_on[s:e] = np.nan
    judged = inside.copy()
    if _got_off(track, b):
        # the climb ended before the clip (back on the floor): its last moments are getting off the
        # wall (stepping or dropping down), not footwork on it; left out, as for dynamic moves
        judged &= t <= b - DISMOUNT_S + 1e-6
    known = judged & ~np.isnan(share_on)
    feet_off_share = float((share_on[known] == 0).mean()) if known.sum() >= 4 else None
    feet_off_spans = [(float(t[s]), float(t[e - 1])) for s, e in runs(known & (share_on == 0))]
    feet_known = float(known.sum() / judged.sum()) if judged.any() else 0.0
    continuity = tracking_continuity(track, inside)
    across = np.array([-down[1], down[0]])
    # a hand "above" its shoulder (hanging from it) along the body's "up"; under a roof, along the way
    # the hip hangs from the hands, else the picture's
    up = -hang_down
    for i in np.flatnonzero(inside & track.found):
        lm = track.lm[i]
        now = contacted_at(shown, float(t[i]))
        for side, (sh, el, wr) in {"left_hand": (P.L_SHOULDER, P.L_ELBOW, P.L_WRIST),
                                   "right_hand": (P.R_SHOULDER, P.R_ELBOW, P.R_WRIST)}.items():
            if min(lm[sh, 2], lm[el, 2], lm[wr, 2]) < MIN_VISIBILITY:
                continue
            if any(c.limb == side for c in now) and float((lm[wr, :2] - lm[sh, :2]) @ up) > 0:
                hanging.append((float(t[i]), bool(angle(lm[sh, :2], lm[el, :2], lm[wr, :2]) >= STRAIGHT_ARM_DEG)))
        # balance: the support "polygon" that matters is its span across gravity: with a foot and at
        # least two contacts, is the hip between the outermost contacts? Across the body's "down" (a
        # phone held sideways turns the picture's x along gravity); without a certain "down" (a roof,
        # the camera looking up at it) there is no telling, and the hips are not judged
        if certain and len(now) >= 2 and any(c.hold_type == "foot" for c in now):
            xs = [float(np.array([c.x, c.y]) @ across) for c in now]
            hx = float(P.hip_centre(lm) @ across)
            margin = SUPPORT_MARGIN * track.torso_px
            supported.append((float(t[i]), min(xs) - margin <= hx <= max(xs) + margin))

    samples, straight = len(hanging), sum(st for _, st in hanging)
    support_n, support_in = len(supported), sum(o for _, o in supported)
    dynos, swings, cut_looses = dynamic_moves(track, cs, feet_on, hip, ht, a, b, gaps)

    # smoothness needs the shape of each movement's speed: a lighter smoothing than for path lengths
    v_fine = speed(smooth(track.norm(hip_px[keep]), ht, SPARC_SMOOTH_S), ht) if keep.sum() >= 4 else np.zeros(0)
    smoothness, measured_moves = movement_smoothness(v_fine, ht)
    # height gained: from the start to the highest point, along the body's "up" (a climber who drops
    # off at the end still climbed), in torso lengths; only where "up" is certain (up_h is empty else)
    gain = float(up_h.max() - up_h[0]) if len(up_h) >= 2 else 0.0

    values: dict[str, Any] = {
        "duration_s": round(duration, 2),
        "climb_start_s": round(a, 2),
        "climb_end_s": round(b, 2),
        "climb_window": how,
        # other climbs in the clip, each seen from the floor and back to it (another attempt)
        "other_climbs": [[round(x, 2), round(y, 2)] for x, y in others],
        "climb_picked": windows.picked,  # the climber picked this one among them
        "attempt_unsure": windows.rival,  # another one nearly as long: which was meant is not certain
        "gie": round(gie(hip), 4) if len(hip) >= 3 else None,
        "jerk": round(dimensionless_jerk(smooth(smooth(hip, ht, JERK_SMOOTH_S), ht, JERK_SMOOTH_S), ht), 1)
        if len(hip) >= 6 else None,
        "smoothness": round(smoothness, 3) if smoothness is not None else None,
        "smoothness_movements": measured_moves,
        "immobility_ratio": round(imm_ratio, 3),
        "pauses": len(pauses),
        "longest_pause_s": round(max((p["duration_s"] for p in pauses), default=0.0), 2),
        "path_length": round(L, 2),
        "path_efficiency": round(net / L, 3) if L > 1e-9 else None,
        # height needs "up": when the body does not say which way it is (under a roof the torso lies
        # along the wall, and the camera looks up at it, so moving along the roof looks like rising
        # in the picture) the height is not measured, rather than measured wrong
        "vertical_progress": round(gain, 2) if certain else None,
        "vertical_speed": (round(gain / duration, 3) if duration > 0 else 0.0) if certain else None,
        "up_from_body": certain,
        "mean_speed": round(float(v.mean()), 3) if len(v) else 0.0,
        "straight_arm_ratio": round(straight / samples, 3) if samples else None,
        "feet_off_share": round(feet_off_share, 3) if feet_off_share is not None else None,
        "hand_contacts": sum(1 for c in shown if c.hold_type == "hand"),
        "foot_contacts": len(feet),
        "moves": moves,
        "moves_down": moves_down,  # hands taking lower holds climbing down after the top: not moves
        "moves_per_min": round(moves / (duration / 60), 1) if duration > 0 else 0.0,
        "foot_replacements": replacements,
        "foot_placements": placements,
        "foot_replacements_per_contact": round(replacements / placements, 3) if placements else None,
        "hip_in_support_share": round(support_in / support_n, 3) if support_n >= 5 else None,
        "hips_judged": certain,  # balance needs "down" (see above)
        "dynos": len(dynos),
        "dynamic_moves_at": dynos,
        "swings": len(swings),
        "cut_looses": len(cut_looses),
        "pose_coverage": round(coverage, 3),
        "torso_px": round(track.torso_px, 1) if not math.isnan(track.torso_px) else None,
    }
    values["tracking_continuity"] = round(continuity, 3)
    values["feet_seen_share"] = round(feet_known, 3)
    return Metrics(values, pauses, shown, (a, b, how), hip, ht, v, coverage, dynos, swings, cut_looses, samples,
                   hanging, supported, replaced_at, feet_off_spans, support_n, continuity, feet_known,
                   how in (FROM_FLOOR, FROM_HIP, TRIMMED, ON_THE_WALL_THROUGHOUT) and not windows.rival)
