"""Pose of every person over the sampled frames (BlazePose under LiteRT, see blazepose.py).

Each pose worker follows everyone in the frames it is given (``PeopleTracker``): a body's region in
the next frame comes from its landmarks, the detector looks for new people every few frames, and
where it finds nobody it looks closer (the moving region, tiles). Every person in every frame is a
``Candidate``; which of them is the climber is decided over the whole clip (core/analysis/people.py).

Landmarks are in pixels of the sampled frame with visibility in [0, 1]; a joint outside the region
the model looked at is invisible. Frames are streamed to the workers while decoding goes on
(``PoseStream``): blocks of consecutive frames are dealt to the processes in turn.
"""
from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.connection import Connection, wait
from typing import Any, cast

# LiteRT writes C++ messages straight to stderr; keep the JSON logs clean
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from core.analysis.blazepose import BlazePose, Body, Roi, box_iou  # noqa: E402
from core.errors import ErrorCode, PipelineError  # noqa: E402

# A process that forks pose workers must never start OpenCV's own thread pool: a fork while one of
# its threads holds the pool's lock leaves the lock held in the child, whose first parallel OpenCV
# call then waits forever (seen with a reused process: a Celery pool child, a batch runner). Set at
# import, before any OpenCV work; the cores are kept busy by the pose processes instead.
cv2.setNumThreads(1)
from core.proc import die_with_parent  # noqa: E402

# BlazePose (MediaPipe Pose) landmark indices
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 0, 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_TOE, R_TOE = 29, 30, 31, 32
TORSO = (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP)
SKELETON = [
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32), (27, 29), (28, 30),
]

#: A pose counts as confident when its torso landmarks' mean visibility reaches this.
MIN_TORSO_VISIBILITY = 0.5


@dataclass
class PoseResult:
    landmarks: np.ndarray  # (n, 33, 3)
    source: list[str]  # per frame: "full", "crop-last", "crop-motion", "tile", "" (none)

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.landmarks[:, L_HIP, 0])


def torso_visibility(lm: np.ndarray) -> float:
    return float(np.nanmean(lm[list(TORSO), 2]))


def torso_length(lm: np.ndarray) -> float:
    sh = (lm[L_SHOULDER, :2] + lm[R_SHOULDER, :2]) / 2
    hp = (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2
    return float(np.linalg.norm(sh - hp))


def hip_centre(lm: np.ndarray) -> np.ndarray:
    return (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2


def bbox(lm: np.ndarray, min_vis: float = 0.3) -> tuple[float, float, float, float]:
    pts = lm[lm[:, 2] >= min_vis, :2]
    if len(pts) < 4:
        pts = lm[:, :2]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


#: A body's silhouette from its landmarks, in torso lengths: limbs drawn this thick, the head, hands
#: and feet as discs this wide around their landmark (the hand reaches past the wrist, the hair past
#: the nose), with room for the landmarks' error and the body's motion between sampled frames.
LIMB_WIDTH_TORSOS = 0.5
END_RADIUS_TORSOS = {NOSE: 0.55, L_WRIST: 0.4, R_WRIST: 0.4, L_TOE: 0.3, R_TOE: 0.3, L_HEEL: 0.3, R_HEEL: 0.3}


def cover_body(mask: np.ndarray, lm: np.ndarray, scale: float = 1.0) -> None:
    """Set to 0 the pixels of ``mask`` that the body of ``lm`` covers (landmarks in pixels of a picture
    the mask shows at ``scale`` times its size): its torso, its limbs as thick lines, its head, hands
    and feet as discs. Much of a spread climber's box is wall; this leaves it in sight."""
    pts = lm[:, :2] * scale
    if np.isnan(pts[list(TORSO)]).any():
        return
    torso = max(torso_length(lm) * scale, 2.0)
    width = max(1, int(round(LIMB_WIDTH_TORSOS * torso)))
    quad = pts[[L_SHOULDER, R_SHOULDER, R_HIP, L_HIP]].round().astype(np.int32)
    cv2.fillConvexPoly(mask, quad, 0)
    for a, b in SKELETON:
        if not (np.isnan(pts[a]).any() or np.isnan(pts[b]).any()):
            cv2.line(mask, tuple(int(v) for v in pts[a].round()), tuple(int(v) for v in pts[b].round()), 0, width)
    for k, r in END_RADIUS_TORSOS.items():
        if not np.isnan(pts[k]).any():
            cv2.circle(mask, tuple(int(v) for v in pts[k].round()), max(1, int(round(r * torso))), 0, -1)


@dataclass
class Candidate:
    """One person seen in one frame."""

    landmarks: np.ndarray  # (33, 3): x, y in frame pixels, visibility
    roi: np.ndarray  # (4,) the region the landmark model looked at: cx, cy, side, angle
    presence: float
    look: np.ndarray  # (LOOK_SIZE,) what the person wears: colour histograms of torso and thighs
    source: str  # "detect", "track", "motion", "tile" or "back" (followed back in time, see follow_back)


#: A moving blob smaller than this share of the picture is not looked at for a person.
MIN_BLOB = 0.002
#: Look for new people every this many frames (and in every frame where nobody is followed).
DETECT_EVERY = 4
#: The detector also looks at two halves of the frame, each this share of it (they overlap).
HALF = 0.6
#: At most this many people are followed in one frame (the followed ones first, then the strongest
#: new detections).
MAX_PEOPLE = 4
#: A body not seen for this long is looked for again by the detector.
LOST_AFTER_S = 0.4
#: Two regions whose bodies' hips lie within this many torso lengths hold the same person; so do two
#: whose bodies' boxes overlap this much (intersection over union): the landmark model reads one body
#: two ways from two crops (under a roof: once with the legs reaching into the crowd behind), and two
#: people are never mostly in the same place of the picture on a wall.
SAME_BODY_TORSOS = 0.5
SAME_BODY_IOU = 0.5
#: ... and two bodies where this share of the smaller one's joints lie within SAME_JOINT_TORSOS of its
#: own torso length of the other's joints: the model read part of one body (the legs) as a person.
SAME_JOINTS_SHARE = 0.5
SAME_JOINT_TORSOS = 0.3
#: Of two readings of one body, each continuing a followed body, one whose look is this much more
#: like its own body's (Bhattacharyya coefficient, 0-1) is the one kept (see _better).
LOOKS_MORE_LIKE = 0.1
#: ... and before that: a body keeps its size from one frame to the next (its torso within KEEPS_SIZE
#: times the length it had), so of two readings of one body, one that keeps the size of the body
#: followed beats one off it by more than STRAYS_SIZE times (the landmark model, handed a detector's
#: region around the head and arms, reads a whole body into them: a torso a third as long).
KEEPS_SIZE = 1.5
STRAYS_SIZE = 2.0
#: A followed body not found in its predicted region is looked for again in one this much wider,
#: then in an upright one this much wider (see read_wider).
WIDER = 1.4
UPRIGHT_WIDER = 1.2
#: ... and then the detector looks at a square this many times the region's side around it.
CLOSER = 2.0
#: Appearance: hue x saturation histogram bins, for the torso and for the thighs.
LOOK_BINS = (12, 4)
LOOK_SIZE = 2 * LOOK_BINS[0] * LOOK_BINS[1]


def look(hsv: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Colour histograms (hue x saturation, each summing to 1) of the torso and the thighs: what a
    person wears tells them apart from someone passing by, whatever the pose. ``hsv``: the frame in
    HSV (``cv2.COLOR_BGR2HSV``), converted once for everyone in it; each part is measured in its own
    bounding box, not over the whole frame."""
    h, w = hsv.shape[:2]
    out = []
    for quad in ((L_SHOULDER, R_SHOULDER, R_HIP, L_HIP), (L_HIP, R_HIP, R_KNEE, L_KNEE)):
        pts = lm[list(quad), :2]
        hist = np.zeros(LOOK_BINS, np.float32)
        if np.isfinite(pts).all() and (lm[list(quad), 2] >= 0.3).all():
            poly = np.round(pts).astype(np.int32)
            x0, y0 = max(int(poly[:, 0].min()), 0), max(int(poly[:, 1].min()), 0)
            x1, y1 = min(int(poly[:, 0].max()) + 1, w), min(int(poly[:, 1].max()) + 1, h)
            if x1 > x0 and y1 > y0:
                part = hsv[y0:y1, x0:x1]
                mask = np.zeros(part.shape[:2], np.uint8)
                cv2.fillConvexPoly(mask, poly - np.array([x0, y0], np.int32), 255)
                if cv2.countNonZero(mask) >= 20:
                    counts = np.asarray(cv2.calcHist([part], [0, 1], mask, list(LOOK_BINS), [0, 180, 0, 256]),
                                        np.float32)
                    hist = counts / max(float(counts.sum()), 1e-9)
        out.append(hist.ravel())
    return np.concatenate(out).astype(np.float32)


def moving_boxes(prev: np.ndarray | None, cur: np.ndarray, nxt: np.ndarray | None,
                 most: int = MAX_PEOPLE) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the ``most`` largest moving blobs (three-frame difference), largest first;
    blobs under MIN_BLOB of the picture are not people. Two climbers on one wall are two blobs."""
    g = cv2.GaussianBlur(cv2.cvtColor(cur, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    masks = []
    for other in (prev, nxt):
        if other is not None and other.shape == cur.shape:
            o = cv2.GaussianBlur(cv2.cvtColor(other, cv2.COLOR_BGR2GRAY), (5, 5), 0)
            masks.append(cv2.threshold(cv2.absdiff(g, o), 18, 255, cv2.THRESH_BINARY)[1])
    if not masks:
        return []
    m = masks[0] if len(masks) == 1 else cv2.bitwise_and(masks[0], masks[1])
    m = cv2.dilate(m, np.ones((9, 9), np.uint8), iterations=2)
    n, _, st, _ = cv2.connectedComponentsWithStats(m)
    order = sorted(range(1, n), key=lambda i: -int(st[i, cv2.CC_STAT_AREA]))
    return [(float(x), float(y), float(x + bw), float(y + bh))
            for x, y, bw, bh, area in (st[i] for i in order[:most]) if area >= MIN_BLOB * m.size]


def tiles(w: int, h: int) -> list[tuple[float, float, float, float]]:
    """Overlapping tiles (2 x 2 plus the centre) for a small climber somewhere on a big wall."""
    tw, th = w * 0.6, h * 0.6
    out = [(x, y, x + tw, y + th) for x in (0, w - tw) for y in (0, h - th)]
    out.append((w * 0.2, h * 0.2, w * 0.8, h * 0.8))
    return out


def _square(box: tuple[float, float, float, float], w: int, h: int, expand: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    side = max(x1 - x0, y1 - y0, 96.0) * expand
    return (int(max(0, cx - side / 2)), int(max(0, cy - side / 2)), int(min(w, cx + side / 2)),
            int(min(h, cy + side / 2)))


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """LiteRT and OpenCV write C++ messages straight to fd 2 and would break the JSON-lines logs;
    pose tracking logs nothing of ours, so fd 2 is pointed at /dev/null while it runs."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PeopleTracker:
    """Follows every person over consecutive frames: each body's region in the next frame comes
    from its landmarks (as MediaPipe's own tracking does), and the detector looks for new people
    every DETECT_EVERY frames and whenever nobody is followed; where it finds nobody in the whole
    frame, it looks closer (the moving region, then tiles) for a climber small on a big wall.
    Keeps its state between calls, so a worker can be fed block after block."""

    def __init__(self, models: BlazePose) -> None:
        self.models = models
        self.follow: list[tuple[Roi, float, Followed]] = []  # region, when last seen, what they were like
        self.seen = 0
        self.rounds = 0

    def _closer(self, img: np.ndarray, prev: np.ndarray | None, nxt: np.ndarray | None) -> list[tuple[Roi, str]]:
        h, w = img.shape[:2]
        # every moving blob (two climbers on one wall move apart), then, if none held anyone, the tiles
        rounds = [[(_square(box, w, h, 1.4), "motion") for box in moving_boxes(prev, img, nxt)]]
        if self.seen % DETECT_EVERY == 0:
            rounds.append([(_square(tb, w, h, 1.0), "tile") for tb in tiles(w, h)])
        found: list[tuple[Roi, str]] = []
        for boxes in rounds:
            for (x0, y0, x1, y1), src in boxes:
                if x1 - x0 < 32 or y1 - y0 < 32:
                    continue
                for d in self.models.detect(img[y0:y1, x0:x1]):
                    r = d.roi
                    r = Roi(r.cx + x0, r.cy + y0, r.size, r.angle)
                    if not any(_same_region(r, q) for q, _s in found):
                        found.append((r, src))
                if found and src == "tile":
                    break
            if found:
                break
        return found

    def frame(self, img: np.ndarray, t: float, prev: np.ndarray | None = None,
              nxt: np.ndarray | None = None) -> list[Candidate]:
        """Everyone in ``img`` (at ``t`` seconds)."""
        rois: list[tuple[Roi, str, Followed | None]] = [(r, "track", was) for r, last, was in self.follow
                                                        if 0 <= t - last <= LOST_AFTER_S]
        detected = not rois or self.seen % DETECT_EVERY == 0
        if detected:
            rois += [(r, s, None) for r, s in self._new(img, prev, nxt, [(r, s) for r, s, _t in rois])]
        self.seen += 1
        bodies: list[tuple[Body, str]] = []
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)  # for the looks, once per frame
        lost = self._measure(img, hsv, rois[:MAX_PEOPLE], bodies)
        if lost and not detected:  # someone followed was lost (a fast move): look for them now
            self._measure(img, hsv, [(r, s, None) for r, s in self._new(img, prev, nxt, [])
                                if not any(_same_region(r, b.roi) for b, _s in bodies)][:MAX_PEOPLE - len(bodies)],
                          bodies)
        if not bodies and any(s == "detect" for _r, s, _f in rois):
            # what the detector found in the whole frame held nobody (a climber a few pixels high to
            # it, read as something the size of the picture): look closer, as where it finds nobody
            self._measure(img, hsv, [(r, s, None) for r, s in self._closer(img, prev, nxt)][:MAX_PEOPLE], bodies)
        looks = [look(hsv, b.landmarks) for b, _s in bodies]
        self.follow = [(b.next_roi, t, Followed(lk, torso_length(b.landmarks))) for (b, _s), lk in zip(bodies, looks)]
        return [Candidate(b.landmarks, b.roi.as_array(), b.presence, lk, src) for (b, src), lk in zip(bodies, looks)]

    def _new(self, img: np.ndarray, prev: np.ndarray | None, nxt: np.ndarray | None,
             known: list[tuple[Roi, str]]) -> list[tuple[Roi, str]]:
        """Regions of people the detector finds that are not among ``known``. The detector tends to
        report the most prominent person of its input, so every other time it also looks at two
        overlapping halves (side by side, then one above the other, in turn): two climbers on one
        wall are both found within a second or two."""
        h, w = img.shape[:2]
        found = [(r, "detect") for r in detect_in(self.models, img, (0, 0, w, h))]
        self.rounds += 1
        halves = {1: [(0, 0, int(w * HALF), h), (int(w * (1 - HALF)), 0, w, h)],
                  3: [(0, 0, w, int(h * HALF)), (0, int(h * (1 - HALF)), w, h)]}.get(self.rounds % 4, [])
        for box in halves:
            found += [(r, "detect") for r in detect_in(self.models, img, box) if not any(_same_region(r, q) for q, _s in found)]
        if not found and not known:
            found = self._closer(img, prev, nxt)
        return [(r, src) for r, src in found if not any(_same_region(r, q) for q, _s in known)]

    def _measure(self, img: np.ndarray, hsv: np.ndarray, rois: Sequence[tuple[Roi, str, Followed | None]],
                 bodies: list[tuple[Body, str]]) -> int:
        """Landmarks in each region, added to ``bodies`` (one per person); how many regions held nobody.
        ``rois``: each region, where it came from, and what the body followed there was like (its
        look and size). Two readings of one body: see ``_better``."""
        lost = 0
        how: list[Reading] = [Reading(b, True, None) for b, _s in bodies]
        for r, src, was in rois:
            b, direct = read(self.models, img, r), True
            if b is None and src == "track":
                b, direct = read_wider(self.models, img, r), False
            if b is None:
                lost += 1
                continue
            now = Reading(b, direct, was)
            same = next((k for k, (o, _s) in enumerate(bodies) if same_body(b.landmarks, o.landmarks)), None)
            if same is None:
                bodies.append((b, src))
                how.append(now)
            elif _better(hsv, now, how[same]):
                bodies[same] = (b, src)
                how[same] = now
        return lost


def read(models: BlazePose, img: np.ndarray, r: Roi) -> Body | None:
    """The body in region ``r``, or None when there is none or its torso is not seen."""
    b = models.landmarks(img, r)
    return b if b is not None and torso_visibility(b.landmarks) >= MIN_TORSO_VISIBILITY else None


def detect_in(models: BlazePose, img: np.ndarray, box: tuple[int, int, int, int]) -> list[Roi]:
    """The regions of the people the detector finds in ``box`` of ``img`` (x0, y0, x1, y1), in
    ``img``'s pixels."""
    x0, y0, x1, y1 = box
    out = []
    for d in models.detect(img[y0:y1, x0:x1]):
        r = d.roi
        out.append(Roi(r.cx + x0, r.cy + y0, r.size, r.angle))
    return out


def read_wider(models: BlazePose, img: np.ndarray, r: Roi) -> Body | None:
    """A followed body the landmark model did not find where its last landmarks put it (a fast
    swing leaves the predicted region; a body turned across the region's "up" is not read):
    look again in a wider region, then in one standing upright, both around the same centre, then
    let the detector look closely around it. Only a body whose hips lie inside the predicted
    region counts (not a neighbour)."""
    def regions() -> Iterator[Roi]:  # (lazily: the detector runs only if both wider regions fail)
        yield Roi(r.cx, r.cy, r.size * WIDER, r.angle)
        yield Roi(r.cx, r.cy, r.size * UPRIGHT_WIDER, 0.0)
        # then the detector, looking closely at the region's surroundings (a small climber on a
        # big picture is a few pixels to the detector when it sees the whole frame)
        h, w = img.shape[:2]
        half = r.size * CLOSER / 2
        box = (int(max(0, r.cx - half)), int(max(0, r.cy - half)), int(min(w, r.cx + half)), int(min(h, r.cy + half)))
        if box[2] - box[0] >= 32 and box[3] - box[1] >= 32:
            yield from detect_in(models, img, box)

    for again in regions():
        b = read(models, img, again)
        if b is not None and bool(r.contains(hip_centre(b.landmarks)[None])[0]):
            return b
    return None


def follow_back(models: BlazePose, image: Callable[[int], np.ndarray], start: int, roi: Roi,
                frames: Iterable[int]) -> Iterator[tuple[int, Candidate]]:
    """The body read in frame ``start`` (in ``roi``), followed through ``frames`` (consecutive,
    going back in time) as the tracker follows bodies forward: each frame read in the region its
    reading in the frame after puts it, and where nobody is read there, around it as the tracker
    looks for a body it lost (see read_wider). Stops at the first frame where nobody is read
    either way, where the hips read lie outside that region (a neighbour), or where the body read
    does not keep the size of the one followed (see KEEPS_SIZE)."""
    b = read(models, image(start), roi)
    for f in frames:
        if b is None:
            return
        r = b.next_roi
        img = image(f)
        nb = read(models, img, r) or read_wider(models, img, r)
        if nb is None or not bool(r.contains(hip_centre(nb.landmarks)[None])[0]):
            return
        if size_change(nb.landmarks, torso_length(b.landmarks)) > KEEPS_SIZE:
            return
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        yield f, Candidate(nb.landmarks, nb.roi.as_array(), nb.presence, look(hsv, nb.landmarks), "back")
        b = nb


@dataclass(frozen=True)
class Followed:
    """A body followed, as it was in the last frame it was seen: what it wore (see look) and its
    torso length (pixels)."""

    look: np.ndarray
    torso: float


@dataclass
class Reading:
    """A body read in a frame: whether in its own region (not in a wider one around a body lost
    where it was predicted), and the body followed there (None: newly detected)."""

    body: Body
    direct: bool
    was: Followed | None


def likeness(a: np.ndarray, b: np.ndarray) -> float | None:
    """How alike two looks are (0-1): the mean Bhattacharyya coefficient of the body parts both
    show; None when they show none in common."""
    parts = []
    half = len(a) // 2
    for sl in (slice(0, half), slice(half, None)):
        if a[sl].sum() > 0 and b[sl].sum() > 0:
            parts.append(float(np.sum(np.sqrt(a[sl] * b[sl]))))
    return float(np.mean(parts)) if parts else None


def _better(hsv: np.ndarray, a: Reading, b: Reading) -> bool:
    """Of two readings of one body, is ``a`` the one to keep? Under a roof a passer-by's followed
    region can drift onto the climber, and the landmark model reads a body across both (the
    climber's head, the crowd's legs) that the model is surer of than of the climber's own reading.
    So: one read in its own region beats one read in a wider region around a body lost (that region
    reaches the neighbour); then the one that keeps the size of the body followed, over one far off
    it (see KEEPS_SIZE); then, when both continue a followed body, the one that clearly looks more
    like the body followed (a reading across two people wears the other's colours, or the crowd's);
    then the one the model is surer of."""
    if a.direct != b.direct:
        return a.direct
    ka, kb = _size_kept(a, b), _size_kept(b, a)
    if ka is not None and kb is not None and ka != kb:
        return ka
    if a.was is not None and b.was is not None:
        sa = likeness(look(hsv, a.body.landmarks), a.was.look)
        sb = likeness(look(hsv, b.body.landmarks), b.was.look)
        if sa is not None and sb is not None and abs(sa - sb) > LOOKS_MORE_LIKE:
            return sa > sb
    return a.body.presence > b.body.presence


def _size_kept(r: Reading, other: Reading) -> bool | None:
    """Does reading ``r`` keep the size of the body it continues (or, newly detected, of the body the
    other reading of it continues)? True within KEEPS_SIZE, False beyond STRAYS_SIZE, None between
    or with no body followed."""
    was = r.was or other.was
    if was is None or was.torso <= 0:
        return None
    ratio = size_change(r.body.landmarks, was.torso)
    return True if ratio <= KEEPS_SIZE else False if ratio > STRAYS_SIZE else None


def size_change(lm: np.ndarray, torso: float) -> float:
    """How many times larger or smaller (>= 1) the torso of ``lm`` is than ``torso`` (pixels)."""
    ratio = torso_length(lm) / torso if torso > 0 else 0.0
    return max(ratio, 1 / ratio) if ratio > 0 else math.inf


def _same_region(a: Roi, b: Roi) -> bool:
    return float(np.hypot(a.cx - b.cx, a.cy - b.cy)) < 0.25 * max(a.size, b.size)


def same_body(a: np.ndarray, b: np.ndarray) -> bool:
    """Are ``a`` and ``b`` (landmarks) two readings of one body?"""
    scale = max(torso_length(a), torso_length(b), 1.0)
    if float(np.linalg.norm(hip_centre(a) - hip_centre(b))) < SAME_BODY_TORSOS * scale:
        return True
    box_a, box_b = np.array(bbox(a)), np.array(bbox(b))
    if box_iou(box_a, box_b) >= SAME_BODY_IOU:
        return True
    # one body read a second time from part of it (its legs read as a whole person): the smaller
    # reading's joints lie on the other's. Someone behind a person in front, however much their boxes
    # overlap, has joints of their own.
    small, big = (a, b) if _area(box_a) <= _area(box_b) else (b, a)
    mine, theirs = small[small[:, 2] >= 0.5, :2], big[big[:, 2] >= 0.5, :2]
    if len(mine) < 4 or not len(theirs):
        return False
    near = np.min(np.linalg.norm(mine[:, None, :] - theirs[None, :, :], axis=2), axis=1)
    return float(np.mean(near < SAME_JOINT_TORSOS * max(torso_length(small), 1.0))) >= SAME_JOINTS_SHARE


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


#: Frames per block handed to one pose worker: long enough for MediaPipe's video-mode tracking to
#: pay off, short enough that both workers start within a second of decoding.
BLOCK = 16
#: Blocks waiting per worker: bounds memory (decoding pauses when pose falls behind).
QUEUE_BLOCKS = 2


def share_tracker() -> None:
    """Start this process' resource tracker before forking pose workers, so they share it. Python
    3.11 registers a segment a process attaches to with that process' tracker; a worker forked while
    the parent had no tracker yet starts one of its own, which unlinks every segment the worker read
    when the worker ends, sometimes before the parent has read that block's result (seen once: an
    INTERNAL FileNotFoundError '/psm_...'). Spawned workers are handed the parent's tracker anyway."""
    resource_tracker.ensure_running()


def _worker_main(parent: int, conn: Connection) -> None:
    """A pose worker process: build the models once, then follow everyone in every block sent to it."""
    die_with_parent(parent)
    with quiet_stderr():
        try:
            tracker = PeopleTracker(BlazePose())
        except PipelineError as exc:
            conn.send(("error", exc.code.value, exc.detail))
            return
        while (item := conn.recv()) is not None:
            k, times, shapes, name = item
            shm = shared_memory.SharedMemory(name=name)  # the parent created it and unlinks it
            try:
                frames, offset = [], 0
                for shape in shapes:
                    frames.append(np.ndarray(shape, np.uint8, shm.buf, offset))
                    offset += int(np.prod(shape))
                seen = [tracker.frame(f, times[i], frames[i - 1] if i else None,
                                      frames[i + 1] if i + 1 < len(frames) else None) for i, f in enumerate(frames)]
                del frames
            finally:
                shm.close()
            conn.send(("block", k, seen))
    conn.send(("done",))


class PoseStream:
    """Pose estimation fed frame by frame while the video is still being decoded.

    ``processes`` workers each own the pose models; frames are grouped in blocks of ``BLOCK``
    and dealt to the workers in turn, so each worker sees runs of consecutive frames (video-mode
    tracking) and every core works while decoding goes on. Pixels travel through one shared-memory
    segment per block; each worker has its own pipe (no helper threads in this process, so later
    forks stay safe). At most ``QUEUE_BLOCKS`` blocks wait per worker: decoding pauses when pose
    falls behind, which keeps memory flat whatever the video's length. Use as a context manager::

        with PoseStream(2) as ps:
            for frame in frames: ps.put(frame.t, frame.image)
            result = ps.finish()
    """

    def __init__(self, processes: int = 1, progress: Callable[[int], None] | None = None) -> None:
        self.n = max(1, processes)
        self.progress = progress
        # fork is cheap, but only safe before this process loaded a pose model (its runtime owns native
        # threads) and while it runs no other Python threads; otherwise pay for spawn.
        safe = (not {"mediapipe", "ai_edge_litert.interpreter"} & set(sys.modules) and threading.active_count() == 1
                and os.name == "posix")
        ctx: Any = mp.get_context("fork" if safe else "spawn")  # (the stubs' BaseContext has no Process)
        self.conns: list[Connection] = []
        self.procs = []
        # a Celery prefork child is daemonic, and multiprocessing refuses children to daemonic
        # processes (they could be orphaned). Ours cannot: each asks the kernel to kill it when its
        # parent dies (PR_SET_PDEATHSIG), so the flag is lifted while they start.
        me = mp.current_process()
        daemonic = me._config.get("daemon")  # type: ignore[attr-defined]
        me._config["daemon"] = False  # type: ignore[attr-defined]
        # a spawned worker needs nothing from __main__, and must not run it again (a test runner, a
        # Streamlit script): hide it from multiprocessing's start-up while the workers start
        main = sys.modules.get("__main__")
        hidden = {a: getattr(main, a) for a in ("__spec__", "__file__") if hasattr(main, a)} if not safe else {}
        for a in hidden:
            if a == "__spec__":
                setattr(main, a, None)
            else:
                delattr(main, a)
        share_tracker()
        try:
            for k in range(self.n):
                mine, theirs = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_worker_main, args=(os.getpid(), theirs), daemon=True, name=f"pose-{k}")
                proc.start()
                theirs.close()
                self.conns.append(mine)
                self.procs.append(proc)
        finally:
            me._config["daemon"] = daemonic  # type: ignore[attr-defined]
            for a, v in hidden.items():
                setattr(main, a, v)
        self.inflight = [0] * self.n
        self.blocks: dict[int, list[list[Candidate]]] = {}
        self.segments: dict[int, shared_memory.SharedMemory] = {}
        self.pending_t: list[float] = []
        self.pending_img: list[np.ndarray] = []
        self.sent = 0
        self.frames = 0
        self.done = [False] * self.n

    def __enter__(self) -> PoseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, t: float, image: np.ndarray) -> None:
        self.pending_t.append(t)
        self.pending_img.append(image)
        if len(self.pending_t) >= BLOCK:
            self._send()

    def _send(self) -> None:
        if not self.pending_t:
            return
        k = self.sent
        w = k % self.n
        while self.inflight[w] >= QUEUE_BLOCKS:
            self._receive(timeout=1.0)
        shm = shared_memory.SharedMemory(create=True, size=max(1, sum(im.nbytes for im in self.pending_img)))
        flat = np.ndarray((shm.size,), np.uint8, buffer=shm.buf)
        offset = 0
        for im in self.pending_img:
            flat[offset:offset + im.nbytes] = np.ascontiguousarray(im, np.uint8).reshape(-1)
            offset += im.nbytes
        del flat  # no view may outlive the segment's close
        self.segments[k] = shm
        self._to(w, (k, self.pending_t, [im.shape for im in self.pending_img], shm.name))
        self.inflight[w] += 1
        self.frames += len(self.pending_t)
        self.sent += 1
        self.pending_t, self.pending_img = [], []

    def _to(self, w: int, item: Any) -> None:
        try:
            self.conns[w].send(item)
        except (BrokenPipeError, ConnectionResetError, EOFError) as exc:
            raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died") from exc

    def _receive(self, timeout: float) -> None:
        """Handle what the workers have sent; raise if one died or failed."""
        ready = wait([c for c, d in zip(self.conns, self.done) if not d], timeout)
        if not ready:
            if any(p.exitcode not in (None, 0) for p in self.procs):
                raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died")
            return
        for c in ready:
            conn = cast(Connection, c)  # wait() was given connections only
            w = self.conns.index(conn)
            try:
                msg: Any = conn.recv()
            except (EOFError, ConnectionResetError):
                raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "a pose worker died") from None
            if msg[0] == "block":
                self.blocks[msg[1]] = msg[2]
                self.inflight[w] -= 1
                self._release(msg[1])
                if self.progress:
                    self.progress(sum(len(b) for b in self.blocks.values()))
            elif msg[0] == "error":
                raise PipelineError(ErrorCode(msg[1]), msg[2])
            elif msg[0] == "done":
                self.done[w] = True

    def _release(self, k: int) -> None:
        shm = self.segments.pop(k, None)
        if shm is not None:
            shm.close()
            shm.unlink()

    def finish(self) -> list[list[Candidate]]:
        """Send the last block, wait for every worker and return everyone seen, frame by frame."""
        self._send()
        for w in range(self.n):
            self._to(w, None)
        while not all(self.done):
            self._receive(timeout=1.0)
        return [seen for k in range(self.sent) for seen in self.blocks[k]]

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()
            p.join(5)
        for conn in self.conns:
            conn.close()
        for k in list(self.segments):
            self._release(k)
