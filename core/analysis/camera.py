"""Camera motion from background features, so a hand-held clip's hip path is in wall coordinates.

Between consecutive sampled frames, corners off everyone's body are tracked (Lucas-Kanade)
and a similarity transform is fitted with RANSAC. Chained, the transforms map every frame into the
first frame's coordinates (the wall). When too many pairs cannot be fitted, compensation is marked
unreliable and the analysis lowers its confidence instead of reporting wrong fluency figures.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    last = np.array([[1.0, 0, 0], [0, 1.0, 0]])  # the previous pair's motion, thumbnail pixels
    for i in range(1, n):
        prev_g, g = thumbs[i - 1], thumbs[i]
        mask = np.full(prev_g.shape, 255, np.uint8)
        mask[drawn] = 0
        for lm in people[i - 1] if i - 1 < len(people) else []:
            P.cover_body(mask, lm, scale)
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
        if m is None:
            failed += 1
            transforms[i] = transforms[i - 1]
        else:
            last = m
            # m maps frame i -> frame i-1 in thumbnail pixels; express in frame pixels and chain to frame 0
            m = m.copy()
            m[:, 2] /= scale
            transforms[i] = _compose(transforms[i - 1], m)
    shifts = np.hypot(transforms[:, 0, 2], transforms[:, 1, 2]) / max(diag, 1.0)
    zoom = np.abs(np.hypot(transforms[:, 0, 0], transforms[:, 1, 0]) - 1.0)
    max_shift = float(max(shifts.max(), zoom.max()))
    failed_share = failed / max(1, n - 1)
    moving = max_shift > MOVING_SHIFT
    if not moving:
        transforms = np.repeat(eye[None], n, axis=0)  # fixed camera: do not add tracking noise
    return CameraMotion(transforms, moving, failed_share <= MAX_FAILED_PAIRS, round(max_shift, 4), round(failed_share, 3))
