"""Drawing on frames: the skeleton and the hip trail."""
from __future__ import annotations

import cv2
import numpy as np

from core.analysis.pose import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER, SKELETON

BONE = (46, 87, 228)  # BGR of the theme's orange-red
JOINT = (255, 255, 255)
TRAIL = (255, 190, 40)


def draw_pose(img: np.ndarray, lm: np.ndarray | None, trail: np.ndarray | None = None, min_vis: float = 0.3) -> np.ndarray:
    """A copy of ``img`` with the hip trail (pixels, NaN-tolerant) and the skeleton drawn on it."""
    out = img.copy()
    scale = max(1, round(max(out.shape[:2]) / 480))
    if trail is not None and len(trail) >= 2:
        pts = trail[~np.isnan(trail[:, 0])].astype(np.int32)
        if len(pts) >= 2:
            cv2.polylines(out, [pts.reshape(-1, 1, 2)], False, TRAIL, 2 * scale, cv2.LINE_AA)
    if lm is not None and not np.isnan(lm[0, 0]):
        for a, b in SKELETON:
            if lm[a, 2] >= min_vis and lm[b, 2] >= min_vis:
                cv2.line(out, (int(lm[a, 0]), int(lm[a, 1])), (int(lm[b, 0]), int(lm[b, 1])), BONE, 2 * scale, cv2.LINE_AA)
        for i in {j for pair in SKELETON for j in pair}:
            if lm[i, 2] >= min_vis:
                cv2.circle(out, (int(lm[i, 0]), int(lm[i, 1])), 2 * scale + 1, JOINT, -1, cv2.LINE_AA)
    return out


#: A hip further from where the frame before showed it (on the wall) than this many torso lengths a
#: frame did not move there: the clip jumped (two attempts joined, a cut that kept the camera). A
#: dyno's hip covers about one torso length from one frame to the next at 6 frames a second.
LEAP_TORSOS = 2.0


def hip_path(landmarks: np.ndarray, transforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's hip (picture pixels, (n, 2), NaN where unseen) from ``landmarks`` (n, 33, 3), and
    whether it leapt there (per frame: further on the wall from the last frame it was seen in than
    LEAP_TORSOS median torso lengths a frame, counting at most three frames between)."""
    lm = np.asarray(landmarks, dtype=float)
    hips = (lm[:, L_HIP, :2] + lm[:, R_HIP, :2]) / 2
    leaps = np.zeros(len(lm), bool)
    seen = np.flatnonzero(~np.isnan(hips[:, 0]))
    if len(seen) < 2:
        return hips, leaps
    sh = (lm[seen, L_SHOULDER, :2] + lm[seen, R_SHOULDER, :2]) / 2
    torso = float(np.nanmedian(np.linalg.norm(sh - hips[seen], axis=1)))
    if not torso > 0:
        return hips, leaps
    m = transforms[seen]
    wall = np.einsum("kij,kj->ki", m[:, :, :2], hips[seen]) + m[:, :, 2]
    step = np.linalg.norm(np.diff(wall, axis=0), axis=1)
    leaps[seen[1:]] = step > LEAP_TORSOS * torso * np.minimum(np.diff(seen), 3)
    return hips, leaps


def trail_start(i: int, n: int, elsewhere: np.ndarray, view: np.ndarray | None = None,
                leaps: np.ndarray | None = None) -> int:
    """Where frame ``i``'s hip trail begins: ``n`` frames back, but not before a frame the clip cut
    away to (``elsewhere``, per frame) nor in another view than frame ``i``'s (``view``, per frame:
    one placed on the wall by the body alone is placed roughly), nor before the hip last leapt
    (``leaps``, per frame: see hip_path). None in a frame cut away to (returns i + 1)."""
    if i < len(elsewhere) and elsewhere[i]:
        return i + 1
    s = max(0, i - n)
    other = elsewhere[s:i] if view is None or i >= len(view) else elsewhere[s:i] | (view[s:i] != view[i])
    breaks = np.flatnonzero(other)
    s += int(breaks[-1]) + 1 if len(breaks) else 0
    jumped = np.flatnonzero(leaps[s + 1:i + 1]) if leaps is not None else np.zeros(0, int)
    return s + 1 + int(jumped[-1]) if len(jumped) else s


def trail(i: int, n: int, hips: np.ndarray, transforms: np.ndarray, elsewhere: np.ndarray,
          view: np.ndarray | None = None, leaps: np.ndarray | None = None) -> np.ndarray:
    """Frame ``i``'s hip trail, in its own picture's pixels: the hips (picture pixels, (m, 2), NaN
    where unseen) of up to ``n`` frames back (see trail_start), each where it was on the wall
    (``transforms``: each frame's picture -> wall), seen by frame ``i``'s camera. A camera that pans
    or cuts to another view moves the picture, not the path: in picture pixels the trail would draw
    the camera's motion."""
    s = trail_start(i, n, elsewhere, view, leaps)
    pts, m = hips[s:i + 1], transforms[s:i + 1]
    wall = np.einsum("kij,kj->ki", m[:, :, :2], pts) + m[:, :, 2]
    back = cv2.invertAffineTransform(transforms[i])
    return wall @ back[:, :2].T + back[:, 2]


def encode_jpeg(img: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


OTHER = (235, 235, 235)


def draw_people(img: np.ndarray, boxes: dict[int, tuple[float, float, float, float]], chosen: int) -> np.ndarray:
    """A copy of ``img`` with every person's box and number (the chosen one in the accent colour)."""
    out = img.copy()
    scale = max(1, round(max(out.shape[:2]) / 480))
    for n, (x0, y0, x1, y1) in sorted(boxes.items(), key=lambda kv: kv[0] == chosen):  # the chosen one on top
        colour = BONE if n == chosen else OTHER
        p0, p1 = (int(x0), int(y0)), (int(x1), int(y1))
        cv2.rectangle(out, p0, p1, (0, 0, 0), 4 * scale, cv2.LINE_AA)
        cv2.rectangle(out, p0, p1, colour, 2 * scale, cv2.LINE_AA)
        label = str(n)
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale, 2 * scale)
        tx, ty = max(0, p0[0]), max(th + 8 * scale, p0[1])
        cv2.rectangle(out, (tx, ty - th - 8 * scale), (tx + tw + 8 * scale, ty), colour, -1)
        cv2.putText(out, label, (tx + 4 * scale, ty - 4 * scale), cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale,
                    (255, 255, 255) if n == chosen else (20, 20, 20), 2 * scale, cv2.LINE_AA)
    return out
