"""Movement metrics from a pose track. Every threshold is here, named, with where it comes from.

Units: positions in torso lengths (median shoulder-to-hip distance of the climber), so figures do
not depend on resolution or distance to the wall; time in seconds. Image y grows downwards; the
"height" reported is upwards (negative y).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from core.analysis import pose as P

# --- thresholds -------------------------------------------------------------------------------
#: Moving-average window before any derivative: noise lengthens the path and inflates GIE and jerk.
SMOOTH_WINDOW_S = 0.5
#: Jerk differentiates three times, so it gets its own heavier smoothing: two passes of this window
#: (a triangular kernel); measured on synthetic climbs, 3 px jitter on a 100 px torso then moves
#: log10(jerk) by < 0.5 instead of > 1.
JERK_SMOOTH_S = 1.0
#: Holes in the hip track shorter than this are interpolated; longer ones stay gaps.
MAX_GAP_FILL_S = 0.75
#: Hip speed under this is "immobile" (torso lengths/s; ~0.1 m/s for a 0.5 m torso, the order of
#: the hip-velocity thresholds used for immobility in Seifert et al. 2014 and Orth et al. 2018).
IMMOBILE_SPEED = 0.2
#: An immobile stretch at least this long is a pause.
PAUSE_MIN_S = 1.0
#: A wrist or ankle slower than this (torso lengths/s) ...
LIMB_STILL_SPEED = 0.45
#: ... for at least this long is a contact (a hold in use). DESIGN.md: >= 0.3 s.
CONTACT_MIN_S = 0.3
#: A landmark is used only with at least this visibility.
MIN_VISIBILITY = 0.5
#: Elbow angle counted as a straight arm (Beltran Beltran et al. 2023: >= 150 degrees).
STRAIGHT_ARM_DEG = 150.0
#: A foot contact starting within this time after the same foot's previous contact, and within
#: this distance of it, is a re-placement (the foot was lifted and put back: an imprecise placement).
REPLACE_WITHIN_S = 1.0
REPLACE_DIST = 0.4
#: A hand contact further than this from the same hand's previous contact is a move to a new hold.
NEW_HOLD_DIST = 0.3
#: Slack around the outermost contacts when testing whether the hip is over the support (torso lengths).
SUPPORT_MARGIN = 0.15
#: Upward hip speed above this with both hands off is a dynamic move (dyno/deadpoint).
DYNO_SPEED = 1.2
#: Lateral hip swing above this amplitude within SWING_WINDOW_S after a move is a swing.
SWING_AMPLITUDE = 0.35
SWING_WINDOW_S = 2.0
#: Climb start: the hip has risen this far above its starting level; end: it fell this far below its top.
START_RISE = 0.3
END_DROP = 0.6
#: Quality gates over the frames of the climb: below FAIL the clip is NO_CLIMBER_DETECTED, below
#: LOW the result is marked low_confidence. Denominator: sampled frames inside the climb window.
QUALITY_GATE_FAIL = 0.25
QUALITY_GATE_LOW = 0.6
LIMBS = {"left_hand": P.L_WRIST, "right_hand": P.R_WRIST, "left_foot": P.L_ANKLE, "right_foot": P.R_ANKLE}


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
    hull = cv2.convexHull(xy.astype(np.float32).reshape(-1, 1, 2))
    c = float(cv2.arcLength(hull, True))
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


def build_track(t: list[float], landmarks: np.ndarray, transforms: np.ndarray, frame_w: int, frame_h: int) -> Track:
    lm = landmarks.copy()
    for i in range(len(lm)):
        if not np.isnan(lm[i, 0, 0]):
            m = transforms[i]
            lm[i, :, :2] = lm[i, :, :2] @ m[:, :2].T + m[:, 2]
    found = ~np.isnan(lm[:, P.L_HIP, 0])
    torsos = [P.torso_length(landmarks[i]) for i in np.flatnonzero(found)]
    torso = float(np.median(torsos)) if torsos else float("nan")
    return Track(np.asarray(t, dtype=float), lm, torso, frame_w, frame_h, found)


# --- the climb window -------------------------------------------------------------------------
def climb_window(track: Track, trim: tuple[float | None, float | None] | None = None) -> tuple[float, float, str]:
    """Start and end of the climb itself (not walking in, chalking up, coming down), and how it was found."""
    t = track.t
    if trim and (trim[0] is not None or trim[1] is not None):
        a = trim[0] if trim[0] is not None else float(t[0])
        b = trim[1] if trim[1] is not None else float(t[-1])
        return max(float(t[0]), a), min(float(t[-1]), b), "manual trim"
    idx = np.flatnonzero(track.found)
    if len(idx) < 4:
        return float(t[0]), float(t[-1]), "whole clip"
    hip = fill_gaps(track.hip(), t)
    height = -smooth(np.where(np.isnan(hip), np.nanmean(hip, axis=0), hip), t)[:, 1] / track.torso_px
    first = idx[0]
    # standing on the ground is the lowest the hip gets in the first second of the track
    base = float(np.min(height[first:first + max(2, int(1.0 / max(np.median(np.diff(t)), 1e-3)))]))
    risen = np.flatnonzero((height - base > START_RISE) & track.found)
    if len(risen) == 0:
        return float(t[idx[0]]), float(t[idx[-1]]), "no vertical progress: whole track"
    start_i = int(risen[0])
    # step back to where the rise began: the last still moment before it
    while start_i > first and height[start_i - 1] < height[start_i] - 1e-3:
        start_i -= 1
    top_i = int(np.nanargmax(np.where(track.found, height, -np.inf)))
    end_i = top_i
    while end_i + 1 <= idx[-1] and (not track.found[end_i + 1] or height[top_i] - height[end_i + 1] < END_DROP):
        end_i += 1
    return float(t[start_i]), float(t[end_i]), "detected"


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


def contacts(track: Track, a: float, b: float) -> list[Contact]:
    t = track.t
    out: list[Contact] = []
    inside = (t >= a) & (t <= b)
    for limb, idx in LIMBS.items():
        p = fill_gaps(track.point(idx), t, 0.3)
        ok = ~np.isnan(p[:, 0]) & inside
        if ok.sum() < 2:
            continue
        ps = p.copy()
        ps[~ok] = np.nan
        v = np.full(len(t), np.inf)
        sm = smooth(np.where(np.isnan(ps), 0, ps), t, 0.25)
        for i in range(1, len(t) - 1):
            if ok[i - 1] and ok[i + 1]:
                v[i] = np.linalg.norm(sm[i + 1] - sm[i - 1]) / (t[i + 1] - t[i - 1]) / track.torso_px
        still = (v < LIMB_STILL_SPEED) & ok
        for s, e in runs(still):
            dur = t[e - 1] - t[s] + (t[1] - t[0] if len(t) > 1 else 0)
            if dur >= CONTACT_MIN_S:
                xy = np.nanmean(p[s:e], axis=0)
                out.append(Contact(limb, float(t[s]), float(t[e - 1]), float(xy[0]), float(xy[1])))
    out.sort(key=lambda c: (c.start, c.limb))
    return out


def contacted_at(cs: list[Contact], time: float) -> list[Contact]:
    return [c for c in cs if c.start <= time <= c.end]


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
    swings: list[float] = field(default_factory=list)
    straight_arm_samples: int = 0
    support_samples: int = 0


def compute(track: Track, trim: tuple[float | None, float | None] | None = None) -> Metrics:
    t = track.t
    a, b, how = climb_window(track, trim)
    inside = (t >= a - 1e-6) & (t <= b + 1e-6)
    coverage = float(track.found[inside].mean()) if inside.any() else 0.0
    hip_px = fill_gaps(track.hip(), t)
    keep = inside & ~np.isnan(hip_px[:, 0])
    ht = t[keep]
    hip = smooth(track.norm(hip_px[keep]), ht) if keep.sum() >= 2 else np.zeros((0, 2))
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
    cs = contacts(track, a, b)
    hands = [c for c in cs if c.hold_type == "hand"]
    feet = [c for c in cs if c.hold_type == "foot"]

    # moves: hand contacts on a new hold
    moves = 0
    last_by_limb: dict[str, Contact] = {}
    for c in hands:
        prev = last_by_limb.get(c.limb)
        if prev is None or math.dist((c.x, c.y), (prev.x, prev.y)) / track.torso_px > NEW_HOLD_DIST:
            moves += 1
        last_by_limb[c.limb] = c
    # foot re-placements
    replacements = 0
    last_by_limb = {}
    for c in feet:
        prev = last_by_limb.get(c.limb)
        if prev is not None and c.start - prev.end <= REPLACE_WITHIN_S and \
                math.dist((c.x, c.y), (prev.x, prev.y)) / track.torso_px <= REPLACE_DIST:
            replacements += 1
        last_by_limb[c.limb] = c

    # straight arms while hanging: hand in contact above its shoulder
    straight = samples = 0
    feet_off_time = climbing_time = 0.0
    support_in = support_n = 0
    for i in np.flatnonzero(inside & track.found):
        lm = track.lm[i]
        now = contacted_at(cs, float(t[i]))
        for side, (sh, el, wr) in {"left_hand": (P.L_SHOULDER, P.L_ELBOW, P.L_WRIST),
                                   "right_hand": (P.R_SHOULDER, P.R_ELBOW, P.R_WRIST)}.items():
            if min(lm[sh, 2], lm[el, 2], lm[wr, 2]) < MIN_VISIBILITY:
                continue
            if any(c.limb == side for c in now) and lm[wr, 1] < lm[sh, 1]:
                samples += 1
                if angle(lm[sh, :2], lm[el, :2], lm[wr, :2]) >= STRAIGHT_ARM_DEG:
                    straight += 1
        dt = float(dts[np.searchsorted(ht, t[i])]) if len(ht) and np.searchsorted(ht, t[i]) < len(dts) else 0.125
        if max(lm[P.L_ANKLE, 2], lm[P.R_ANKLE, 2]) >= MIN_VISIBILITY:
            climbing_time += dt
            if not any(c.hold_type == "foot" for c in now):
                feet_off_time += dt
        # balance: gravity is vertical, so the support "polygon" that matters is its horizontal span:
        # with a foot and at least two contacts, is the hip between the outermost contacts?
        if len(now) >= 2 and any(c.hold_type == "foot" for c in now):
            xs = [c.x for c in now]
            hx = float(P.hip_centre(lm)[0])
            margin = SUPPORT_MARGIN * track.torso_px
            support_n += 1
            if min(xs) - margin <= hx <= max(xs) + margin:
                support_in += 1

    # dynamics: upward hip bursts with both hands off; lateral swings after them
    dynos: list[float] = []
    swings: list[float] = []
    if len(hip) >= 3:
        vy = -np.gradient(hip[:, 1], ht)
        vx = np.gradient(hip[:, 0], ht)
        for i in np.flatnonzero(vy > DYNO_SPEED):
            if not any(c.hold_type == "hand" for c in contacted_at(cs, float(ht[i]))):
                if not dynos or ht[i] - dynos[-1] > 1.0:
                    dynos.append(round(float(ht[i]), 2))
        for d in dynos:
            w = (ht >= d) & (ht <= d + SWING_WINDOW_S)
            if w.sum() >= 3 and np.ptp(hip[w, 0]) > SWING_AMPLITUDE and np.any(np.diff(np.sign(vx[w])) != 0):
                swings.append(d)

    values: dict[str, Any] = {
        "duration_s": round(duration, 2),
        "climb_start_s": round(a, 2),
        "climb_end_s": round(b, 2),
        "climb_window": how,
        "gie": round(gie(hip), 4) if len(hip) >= 3 else None,
        "jerk": round(dimensionless_jerk(smooth(smooth(hip, ht, JERK_SMOOTH_S), ht, JERK_SMOOTH_S), ht), 1)
        if len(hip) >= 6 else None,
        "immobility_ratio": round(imm_ratio, 3),
        "pauses": len(pauses),
        "longest_pause_s": round(max((p["duration_s"] for p in pauses), default=0.0), 2),
        "path_length": round(L, 2),
        "path_efficiency": round(net / L, 3) if L > 1e-9 else None,
        "vertical_progress": round(float(hip[0, 1] - hip[-1, 1]), 2) if len(hip) >= 2 else 0.0,
        "vertical_speed": round(float(hip[0, 1] - hip[-1, 1]) / duration, 3) if len(hip) >= 2 and duration > 0 else 0.0,
        "mean_speed": round(float(v.mean()), 3) if len(v) else 0.0,
        "straight_arm_ratio": round(straight / samples, 3) if samples else None,
        "feet_off_share": round(feet_off_time / climbing_time, 3) if climbing_time > 0 else None,
        "hand_contacts": len(hands),
        "foot_contacts": len(feet),
        "moves": moves,
        "moves_per_min": round(moves / (duration / 60), 1) if duration > 0 else 0.0,
        "foot_replacements": replacements,
        "foot_replacements_per_contact": round(replacements / len(feet), 3) if feet else None,
        "hip_in_support_share": round(support_in / support_n, 3) if support_n >= 5 else None,
        "dynos": len(dynos),
        "swings": len(swings),
        "pose_coverage": round(coverage, 3),
        "torso_px": round(track.torso_px, 1) if not math.isnan(track.torso_px) else None,
    }
    return Metrics(values, pauses, cs, (a, b, how), hip, ht, v, coverage, dynos, swings, samples, support_n)
