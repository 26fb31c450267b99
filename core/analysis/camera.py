"""Camera motion from background features, so a hand-held clip's hip path is in wall coordinates.

Between consecutive sampled frames, corners off everyone's body are tracked (Lucas-Kanade)
and a similarity transform is fitted with RANSAC. Chained, the transforms map every frame into the
first frame's coordinates (the wall). Where a pair cannot be fitted (a cut: a broadcast switching
to a closer camera and back, an edited clip), the frame is found again by its features on the frame
before it or on the last frame before an earlier cut. When too many pairs cannot be placed,
compensation is marked unreliable and the analysis lowers its confidence instead of reporting wrong
fluency figures.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from core.analysis import pose as P

MIN_INLIERS = 12
#: Camera counts as moving when the background shifts by more than this share of the frame diagonal.
MOVING_SHIFT = 0.03
#: Compensation is unreliable when more than this share of frame pairs could not be fitted.
MAX_FAILED_PAIRS = 0.2
#: A thumbnail pixel that changes by more than STILL_LEVEL grey levels between sampled frames in at
#: most STILL_SHARE of them does not move with the picture. Where the picture itself moves (most of
#: its textured pixels change in most frames), such pixels are drawn on it (a broadcast's caption,
#: clock, logo or picture-in-picture), not the wall: tracked, they would hold the fit still.
STILL_LEVEL = 4
STILL_SHARE = 0.1


@dataclass
class CameraMotion:
    transforms: np.ndarray  # (n, 2, 3): frame coordinates -> first-frame (wall) coordinates
    moving: bool
    reliable: bool
    max_shift: float  # largest background shift, share of the frame diagonal
    failed_pairs: float
    # (n,) frames of a view the clip cut away to and came back from (see elsewhere): not on the wall
    elsewhere: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # (n,) which view each frame was placed in: a cut not found again on the wall starts another
    view: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    # (n,) frames of a view placed on the wall by the climber's body, not by the wall (see anchor)
    by_body: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        if len(self.elsewhere) != len(self.transforms):  # none given: every frame on the wall
            self.elsewhere = np.zeros(len(self.transforms), bool)
        if len(self.view) != len(self.transforms):
            self.view = np.zeros(len(self.transforms), int)
        if len(self.by_body) != len(self.transforms):
            self.by_body = np.zeros(len(self.transforms), bool)

    @property
    def on_wall(self) -> np.ndarray:
        """(n,) bool: the frames placed by the wall itself (in the wall's view, see _wall_view), not
        by the climber's body (see anchor) nor cut away to."""
        return self.view == _wall_view(self.view)[0] if len(self.view) else np.zeros(0, bool)

    @property
    def cuts(self) -> list[int]:
        """The frames where the clip cuts to a view not placed on the one before, before the wall's
        view begins or after it ends (a cut away and back within it is ``elsewhere``): nothing of the
        picture tells where the view after one lies (see anchor)."""
        if not len(self.view):
            return []
        _, first, last = _wall_view(self.view)
        return [i for i in range(1, len(self.view)) if self.view[i] != self.view[i - 1] and (i <= first or i > last)]

    def to_wall(self, i: int, pts: np.ndarray) -> np.ndarray:
        m = self.transforms[i]
        return pts @ m[:, :2].T + m[:, 2]


def _compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a after b, both 2x3 affine."""
    A = np.vstack([a, [0, 0, 1]])
    B = np.vstack([b, [0, 0, 1]])
    return (A @ B)[:2]


def overlay(thumbs: np.ndarray) -> np.ndarray:
    """(h, w) bool: the parts of the picture drawn on it rather than filmed (see STILL_LEVEL); all
    False unless the picture itself moves: most of its textured pixels change in most frames (with
    a fixed camera the wall stands still too)."""
    n = len(thumbs)
    if n < 3:
        return np.zeros(thumbs.shape[1:], bool)
    changed = np.zeros(thumbs.shape[1:], np.int32)
    for i in range(1, n):
        changed += cv2.absdiff(thumbs[i], thumbs[i - 1]) > STILL_LEVEL
    g = thumbs[0].astype(np.float32)
    grad = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    textured = grad > np.median(grad)
    if not textured.any() or float(np.mean(changed[textured] > (n - 1) / 2)) < 0.5:
        return np.zeros(thumbs.shape[1:], bool)
    still = (changed <= STILL_SHARE * (n - 1)).astype(np.uint8)
    return cv2.dilate(still, np.ones((7, 7), np.uint8)).astype(bool)  # and its edges


#: Between two frames the picture's motion changes by less than this share of its diagonal (a
#: camera has mass). A fit that jumps further, where the other points agree on a second motion
#: nearer the last one, followed something crossing the picture (someone walking past the lens).
MOTION_JUMP = 0.05


def _steadier(m: np.ndarray, inl: np.ndarray, nxt: np.ndarray, pts: np.ndarray, last: np.ndarray,
              diag: float) -> np.ndarray:
    """``m``, or the motion the points left out of it agree on, when that one is nearer ``last``
    and ``m`` jumped from it (see MOTION_JUMP)."""
    jump = float(np.linalg.norm(m[:, 2] - last[:, 2]))
    if jump <= MOTION_JUMP * diag or (~inl).sum() < MIN_INLIERS:
        return m
    m2, inl2 = cv2.estimateAffinePartial2D(nxt[~inl], pts[~inl], method=cv2.RANSAC, ransacReprojThreshold=1.5)
    if m2 is None or inl2 is None or int(inl2.sum()) < MIN_INLIERS:
        return m
    return m2 if float(np.linalg.norm(m2[:, 2] - last[:, 2])) < jump else m


def _relative(a: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Each of ``ts`` (n, 2, 3) after the inverse of ``a``: the motion since ``a``."""
    inv = cv2.invertAffineTransform(a)
    return np.stack([_compose(inv, t) for t in ts])


def _jumped(a: np.ndarray, b: np.ndarray, diag: float) -> bool:
    """Is ``b`` a cut from ``a`` (two frames' transforms): the scale changed by more than ZOOM_STEP,
    or the picture moved by more than MOTION_JUMP of the diagonal ``diag`` (frame pixels)?"""
    step = _relative(a, b[None])[0]
    return abs(float(np.hypot(step[0, 0], step[1, 0])) - 1.0) > ZOOM_STEP or \
        float(np.hypot(step[0, 2], step[1, 2])) > MOTION_JUMP * diag


def _largest_shift(ts: np.ndarray, diag: float) -> float:
    """The largest move (share of the diagonal ``diag``) or change of scale among ``ts`` (n, 2, 3)."""
    shifts = np.hypot(ts[:, 0, 2], ts[:, 1, 2]) / max(diag, 1.0)
    zoom = np.abs(np.hypot(ts[:, 0, 0], ts[:, 1, 0]) - 1.0)
    return float(max(shifts.max(), zoom.max()))


#: Across a cut the picture may change scale (a closer camera) or come back to a view seen before:
#: features found again at any scale and rotation (ORB) are matched, each to its nearest unlike the
#: second nearest (RATIO), and a similarity fitted to at least MIN_INLIERS of them and half of all
#: (two unrelated pictures give a few chance matches, scattered). Tried on the frame before and on
#: the last frame before each of the MAX_ANCHORS latest cuts; the one sharing the most features is
#: taken (a cut back to the wide view shares more with the wide view before than with the close
#: one between, and is placed without the error of two fits chained). A scale beyond MAX_SCALE
#: either way is no camera's cut.
RATIO = 0.75
MAX_ANCHORS = 4
MAX_SCALE = 4.0
#: A cut is a moment: where pairs keep failing (a dark or noisy clip, nothing to track), features are
#: looked for in at most this many frames running until a pair is fitted again.
RELOCATE_RUN = 8
#: Between two sampled frames a phone's zoom changes the scale by less than this; more is a cut,
#: even where the pair could be fitted.
ZOOM_STEP = 0.1


Features = tuple[list[cv2.KeyPoint], "np.ndarray | None"]


def features(img: np.ndarray, mask: np.ndarray) -> Features:
    """A picture's ORB features (small patches: thumbnails are 320 pixels on the long side)."""
    orb = cv2.ORB.create(nfeatures=500, edgeThreshold=15, patchSize=15, fastThreshold=10)
    kp, des = orb.detectAndCompute(img, mask)
    return list(kp), des


def relocate(img: Features, anchor: Features) -> tuple[np.ndarray, int] | None:
    """The similarity (2x3) mapping the pixels of the picture with features ``img`` to those of
    ``anchor``'s, from matched features (see RATIO), and how many features agree on it; None where
    the two do not show the same wall."""
    (ka, da), (kb, db) = anchor, img
    if da is None or db is None or len(ka) < MIN_INLIERS or len(kb) < MIN_INLIERS:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(db, da, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    src = np.array([kb[g.queryIdx].pt for g in good], np.float32)
    dst = np.array([ka[g.trainIdx].pt for g in good], np.float32)
    m, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if m is None or inl is None or int(inl.sum()) < max(MIN_INLIERS, len(good) / 2):
        return None
    scale = float(np.hypot(m[0, 0], m[1, 0]))
    return (m, int(inl.sum())) if 1 / MAX_SCALE <= scale <= MAX_SCALE else None


def estimate(thumbs: np.ndarray, people: list[list[np.ndarray]], frame_w: int) -> CameraMotion:
    """Camera motion from grey thumbnails (n, h, w) of the sampled frames, looking past the bodies
    of everyone in each frame (``people``: their landmarks, in pixels of frames ``frame_w`` wide, so
    transforms come out in those pixels): only the wall tells how the camera moved. Past the bodies,
    not their boxes: a camera following a climber spread across the picture sees the wall between
    their limbs, where a box would leave nothing to track."""
    n = len(thumbs)
    eye = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    transforms = np.repeat(eye[None], n, axis=0)
    if n < 2:
        return CameraMotion(transforms, False, True, 0.0, 0.0)
    scale = thumbs.shape[2] / float(frame_w)  # thumbnail pixels per frame pixel
    diag = float(np.hypot(thumbs.shape[1], thumbs.shape[2])) / scale
    failed = 0
    drawn = overlay(thumbs)

    def past_bodies(i: int) -> np.ndarray:
        mask = np.full(thumbs.shape[1:], 255, np.uint8)
        mask[drawn] = 0
        for lm in people[i] if i < len(people) else []:
            P.cover_body(mask, lm, scale)
        return mask

    found_in: dict[int, Features] = {}  # each frame's features, read once (a cut is tried on several)

    def features_of(i: int) -> Features:
        if i not in found_in:
            found_in[i] = features(thumbs[i], past_bodies(i))
        return found_in[i]

    last = eye  # the previous pair's motion, thumbnail pixels
    tries = RELOCATE_RUN  # frames left to look for features in (see RELOCATE_RUN)
    shots = [0]  # where each stretch of one camera begins (a cut before each but the first)
    view = np.zeros(n, int)  # which view each frame was placed in: a cut not found again starts another
    for i in range(1, n):
        prev_g, g = thumbs[i - 1], thumbs[i]
        mask = past_bodies(i - 1)
        pts = cv2.goodFeaturesToTrack(prev_g, maxCorners=200, qualityLevel=0.01, minDistance=6, mask=mask)
        m = None
        if pts is not None and len(pts) >= MIN_INLIERS:
            nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev_g, g, pts, None, winSize=(15, 15),  # type: ignore[call-overload]
                                                  maxLevel=3)  # (OpenCV's stubs do not allow None for nextPts)
            good = st.ravel() == 1
            if good.sum() >= MIN_INLIERS:
                m, inl = cv2.estimateAffinePartial2D(nxt[good], pts[good], method=cv2.RANSAC, ransacReprojThreshold=1.5)
                if m is None or inl is None or int(inl.sum()) < MIN_INLIERS:
                    m = None
                else:
                    m = _steadier(m, inl.ravel() == 1, nxt[good], pts[good], last, diag * scale)
        if m is None:  # a cut: found again on the frame before, or on a view seen before it
            best: tuple[np.ndarray, int, int] | None = None
            tries = tries - 1
            for k in dict.fromkeys([i - 1, *(s - 1 for s in shots[1:][-MAX_ANCHORS:])]) if tries >= 0 else ():
                found = relocate(features_of(i), features_of(k))
                if found is not None and (best is None or found[1] > best[1]):
                    best = (found[0], found[1], k)
            shots.append(i)
            if best is None:
                failed += 1
                transforms[i] = transforms[i - 1]
                view[i] = view.max() + 1
            else:
                onto, _, k = best
                onto[:, 2] /= scale
                transforms[i] = _compose(transforms[k], onto)
                view[i] = view[k]
                last = eye  # the camera's motion before a cut says nothing about its motion after it
        else:
            tries = RELOCATE_RUN
            cut = abs(float(np.hypot(m[0, 0], m[1, 0])) - 1.0) > ZOOM_STEP  # to a closer (or wider) camera
            if cut:
                shots.append(i)
            last = eye if cut else m
            view[i] = view[i - 1]
            # m maps frame i -> frame i-1 in thumbnail pixels; express in frame pixels and chain to frame 0
            m = m.copy()
            m[:, 2] /= scale
            transforms[i] = _compose(transforms[i - 1], m)
    rejoin(view, transforms, features_of, scale)
    # a fixed camera (still but for its cuts): do not add tracking noise. Still is judged on the
    # motion between frames, cuts left out (a jump in scale or place: see ZOOM_STEP, MOTION_JUMP),
    # so a slow pan read across frames that could not be fitted (a blurred one) is still a pan
    cuts = {i for i in range(1, n) if _jumped(transforms[i - 1], transforms[i], diag)}
    drift = transforms.copy()
    for i in range(1, n):
        drift[i] = drift[i - 1] if i in cuts else _compose(drift[i - 1], _relative(transforms[i - 1], transforms[i:i + 1])[0])
    moving = _largest_shift(drift, diag) > MOVING_SHIFT
    if not moving:
        starts = [0, *sorted(cuts), n]
        for s0, s1 in zip(starts[:-1], starts[1:]):
            transforms[s0:s1] = transforms[s0]
    max_shift = _largest_shift(transforms, diag)
    failed_share = failed / max(1, n - 1)
    return CameraMotion(transforms, moving, failed_share <= MAX_FAILED_PAIRS, round(max_shift, 4), round(failed_share, 3),
                        elsewhere(view), view)


#: A stretch between two frames of the wall's view, in a view not found on it, is checked again on
#: this many of its frames (evenly spread) against the wall's frames either side of it.
REJOIN_FRAMES = 3


def rejoin(view: np.ndarray, transforms: np.ndarray, features_of: Callable[[int], Features], scale: float) -> None:
    """Place on the wall, in place (``view`` and ``transforms``), what only looked like another view:
    a stretch between two frames of the wall's view whose first pair could not be placed (a blurred
    frame: no features), the frames after it fitted one to the next from there, is the wall still
    where one of its sharp frames is found on the wall's frame before or after it. Each view in the
    stretch so found is moved by the correction that frame needs (the fits within it stand)."""
    if not len(view):
        return
    main, first, last = _wall_view(view)
    i = first
    while i <= last:
        if view[i] == main:
            i += 1
            continue
        j = i
        while view[j] != main:
            j += 1
        for f in sorted({int(round(x)) for x in np.linspace(i, j - 1, min(REJOIN_FRAMES, j - i))}):
            if view[f] == main:
                continue
            for k in (i - 1, j):
                found = relocate(features_of(f), features_of(k))
                if found is not None:
                    onto = found[0].copy()
                    onto[:, 2] /= scale
                    fix = _compose(_compose(transforms[k], onto), cv2.invertAffineTransform(transforms[f]))
                    same = [q for q in range(i, j) if view[q] == view[f]]
                    for q in same:
                        transforms[q] = _compose(fix, transforms[q])
                    view[same] = main
                    break
        i = j


def elsewhere(view: np.ndarray) -> np.ndarray:
    """Per frame: shown between two frames of the wall's view, in another that was never found on it
    (a broadcast cutting to another camera's angle, or to the crowd, and back). The wall's view is
    the one most frames are placed in; what comes before its first frame or after its last (a title,
    a clip that ends elsewhere) is left as it is: nothing says the wall was left."""
    out = np.zeros(len(view), bool)
    if not len(view):
        return out
    main, first, last = _wall_view(view)
    out[first:last + 1] = view[first:last + 1] != main
    return out


def _wall_view(view: np.ndarray) -> tuple[int, int, int]:
    """The wall's view (the one most frames are placed in), its first frame and its last."""
    main = int(np.bincount(view).argmax())
    on = np.flatnonzero(view == main)
    return main, int(on[0]), int(on[-1])


#: A view the clip begins or ends in that was never found on the wall is placed on it by the
#: climber's body seen within this long either side of the cut ...
ANCHOR_S = 0.5
#: ... at the size (torso length) the body has, in the median, within this long either side: a body
#: turning under a roof looks a third as long, and the first readings after a cut can be off
SIZE_S = 2.0


def anchor(cam: CameraMotion, landmarks: np.ndarray, t: Sequence[float]) -> list[int]:
    """Place on the wall, in place (``cam.transforms``), each view a clip begins or ends in that was
    never found on it (a broadcast opening on a close-up, a clip ending on another camera's angle):
    nothing of the wall is shared across the cut, so the climber's body (``landmarks``, (n, 33, 3)
    picture pixels, NaN where unseen) is: across the cut it goes on from where it was, at the size it
    had, moving as it moved either side (``cam.by_body`` marks the frames). Left as it was (the body
    jumps) where the body is not seen within ANCHOR_S either side. Returns the first frame of each
    view so placed."""
    view = cam.view
    n = len(view)
    if n < 2 or len(np.unique(view)) < 2:
        return []
    main, first, last = _wall_view(view)
    placed = np.zeros(n, bool)
    placed[first:last + 1] = True
    tt = np.asarray(t, float)
    seen = ~np.isnan(landmarks[:, [P.L_HIP, P.R_HIP, P.L_SHOULDER, P.R_SHOULDER], 0]).any(axis=1)
    out = []
    # outward from the wall's view: the views after its last frame, then those before its first
    for side, step in ((range(last + 1, n), -1), (range(first - 1, -1, -1), 1)):
        for u in side:
            p = u + step  # the frame beside it nearer the wall's view
            if view[u] == view[p] or placed[u]:
                continue
            same = np.array([q for q in side if view[q] == view[u]])
            near = [k for k in _walk(p, step, n) if placed[k] and abs(tt[k] - tt[p]) <= SIZE_S and seen[k]]
            far = [k for k in _walk(u, -step, n) if view[k] == view[u] and abs(tt[k] - tt[u]) <= SIZE_S and seen[k]]
            if not near or not far or abs(tt[near[0]] - tt[p]) > ANCHOR_S or abs(tt[far[0]] - tt[u]) > ANCHOR_S:
                continue
            wall = [cam.to_wall(k, landmarks[k, :, :2]) for k in near]
            pic = [cam.to_wall(k, landmarks[k, :, :2]) for k in far]  # where its own view placed them
            size = [float(np.median([P.torso_length(x) for x in xs])) for xs in (wall, pic)]
            if not size[1] > 0:
                continue
            s = size[0] / size[1]
            hips = [P.hip_centre(x) for x in wall], [s * P.hip_centre(x) for x in pic]
            speeds = [(h[0] - h[1]) / (tt[ks[0]] - tt[ks[1]]) for h, ks in zip(hips, (near, far)) if len(ks) > 1]
            v = np.mean(speeds, axis=0) if speeds else np.zeros(2)
            to = hips[0][0] + v * (tt[far[0]] - tt[near[0]])  # where the hip is on the wall in frame far[0]
            fix = np.array([[s, 0.0, to[0] - hips[1][0][0]], [0.0, s, to[1] - hips[1][0][1]]])
            for q in same:
                cam.transforms[q] = _compose(fix, cam.transforms[q])
            placed[same] = True
            cam.by_body[same] = True
            out.append(int(u))
    return sorted(out)


def _walk(i: int, step: int, n: int) -> range:
    """Frame indices from ``i`` on, ``step`` at a time, to the clip's end (or its start)."""
    return range(i, n, step) if step > 0 else range(i, -1, -1)

