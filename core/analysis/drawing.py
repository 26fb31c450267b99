"""Drawing on frames: the skeleton and the hip trail."""
from __future__ import annotations

import cv2
import numpy as np

from core.analysis.pose import SKELETON

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


def encode_jpeg(img: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()
