"""BlazePose person by person: MediaPipe's bundled pose detector and landmark model run directly
under LiteRT, so every person in a frame is a candidate (the legacy Pose solution follows one).

    models = BlazePose()
    for det in models.detect(frame):
        body = models.landmarks(frame, det.roi)        # None when nobody is in that region
        next_roi = body.next_roi                        # where to look in the next frame

Detection (``pose_detection.tflite``, 224 x 224, the frame letterboxed): 2254 SSD anchors, each a
face box and four keypoints (hip centre, a point on the circle around the whole body, shoulder
centre, a point on the circle around the upper body); scores through a sigmoid, weighted
non-maximum suppression. The landmark model's region is the square around the hip centre with
twice the body circle's radius, scaled 1.25, turned so the body stands upright (MediaPipe's
``pose_detection_to_roi``). Landmarks (``pose_landmark_full.tflite``, 256 x 256): 33 body points
plus 6 auxiliary ones (33 and 34 give the next frame's region, as in MediaPipe's own tracking),
refined on the model's heatmap and mapped back to the frame. Only the full model ships with
mediapipe 0.10.21 (model_complexity=1).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.errors import ErrorCode, PipelineError

DETECTOR_SIDE = 224
LANDMARK_SIDE = 256
#: SSD anchors of the pose detector (MediaPipe's pose_detection_cpu graph).
STRIDES = (8, 16, 32, 32, 32)
#: A detection counts when its sigmoid score reaches this (MediaPipe: 0.5).
MIN_DETECTION_SCORE = 0.5
#: Detections overlapping more than this (IoU of their boxes) are one person (weighted NMS).
NMS_IOU = 0.3
#: Region of interest: the body circle's diameter times this (MediaPipe: 1.25).
ROI_SCALE = 1.25
#: A region holds a body when the landmark model's presence flag reaches this.
MIN_PRESENCE = 0.5
#: Heatmap refinement (MediaPipe's RefineLandmarksFromHeatmapCalculator): window and confidence.
REFINE_KERNEL = 7
REFINE_MIN_CONFIDENCE = 0.5


def model_dir() -> Path:
    """Where mediapipe keeps its bundled models (found without importing mediapipe itself)."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(ErrorCode.POSE_MODEL_FAILED, "mediapipe is not installed (its bundled models are needed)")
    return Path(next(iter(spec.submodule_search_locations))) / "modules"


def _anchors() -> np.ndarray:
    """(2254, 2) anchor centres in [0, 1]; layers with the same stride share one grid."""
    out = []
    layer = 0
    while layer < len(STRIDES):
        same = 0
        while layer + same < len(STRIDES) and STRIDES[layer + same] == STRIDES[layer]:
            same += 1
        grid = math.ceil(DETECTOR_SIDE / STRIDES[layer])
        ys, xs = np.mgrid[0:grid, 0:grid]
        centres = np.column_stack([(xs.ravel() + 0.5) / grid, (ys.ravel() + 0.5) / grid])
        out.append(np.repeat(centres, 2 * same, axis=0))  # aspect 1 and its interpolated scale, per layer
        layer += same
    return np.concatenate(out).astype(np.float32)


ANCHORS = _anchors()


#: A picture whose tones (luminance, 2nd to 98th percentile) span less than this is dim and flat
#: (an underexposed gym, a dark corner): it is stretched to the full range before the models see it,
#: as a camera's auto-exposure would. The shared clips' climbers span 180-220 around the body; a
#: model crop that a light wall fills can span a little less (one in five of the fixed clip's, none
#: of the roof clip's), and is stretched only that little.
MIN_TONE_SPREAD = 160.0


def exposed(bgr: np.ndarray) -> np.ndarray:
    """``bgr`` as the models should see it: a dim, flat picture stretched linearly (every channel
    alike, so colours keep their hue) so its 2nd-98th luminance percentiles span 8-247."""
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    lo, hi = np.percentile(grey, (2, 98))
    if hi - lo >= MIN_TONE_SPREAD or hi - lo < 1.0:
        return bgr
    gain = (247.0 - 8.0) / (hi - lo)
    return cv2.convertScaleAbs(bgr, alpha=gain, beta=8.0 - lo * gain)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


@dataclass(frozen=True)
class Roi:
    """A square region of the frame: centre and side in pixels, angle in radians (clockwise, as
    MediaPipe's); the landmark model sees it upright."""

    cx: float
    cy: float
    size: float
    angle: float

    @classmethod
    def from_points(cls, centre: np.ndarray, edge: np.ndarray, scale: float = ROI_SCALE) -> Roi:
        """The region MediaPipe aligns on two keypoints: ``centre`` (the hip centre) and a point on
        the circle around the body, which also points "up" the body."""
        size = 2.0 * float(np.linalg.norm(edge - centre)) * scale
        angle = math.pi / 2 - math.atan2(-(edge[1] - centre[1]), edge[0] - centre[0])
        angle = (angle + math.pi) % (2 * math.pi) - math.pi
        return cls(float(centre[0]), float(centre[1]), size, angle)

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """The region's right and down directions in the frame."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        return np.array([c, s]), np.array([-s, c])

    def to_crop(self, side: int) -> np.ndarray:
        """2 x 3 affine from frame pixels to a ``side`` x ``side`` upright crop."""
        u, v = self.axes()
        ctr = np.array([self.cx, self.cy])
        h = self.size / 2
        src = np.array([ctr - h * u - h * v, ctr + h * u - h * v, ctr - h * u + h * v], np.float32)
        return np.asarray(cv2.getAffineTransform(src, np.array([[0, 0], [side, 0], [0, side]], np.float32)))

    def contains(self, pts: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Which of ``pts`` (n, 2) lie inside the square (grown by ``margin`` of its side)."""
        u, v = self.axes()
        d = pts - np.array([self.cx, self.cy])
        half = self.size * (0.5 + margin)
        return (np.abs(d @ u) <= half) & (np.abs(d @ v) <= half)

    def as_array(self) -> np.ndarray:
        return np.array([self.cx, self.cy, self.size, self.angle], np.float32)


@dataclass
class Detection:
    score: float
    box: np.ndarray  # (4,) face box x0, y0, x1, y1 in frame pixels
    keypoints: np.ndarray  # (4, 2) hip centre, body circle point, shoulder centre, upper-body point

    @property
    def roi(self) -> Roi:
        return Roi.from_points(self.keypoints[0], self.keypoints[1])


@dataclass
class Body:
    landmarks: np.ndarray  # (33, 3): x, y in frame pixels, visibility in [0, 1]
    presence: float
    roi: Roi  # the region the model looked at
    aux: np.ndarray  # (2, 2) auxiliary points 33 and 34 (hip centre, body circle point)

    @property
    def next_roi(self) -> Roi:
        """Where this body will be in the next frame: the region aligned on the auxiliary points."""
        return Roi.from_points(self.aux[0], self.aux[1])


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1)."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def weighted_nms(dets: list[Detection], iou: float = NMS_IOU) -> list[Detection]:
    """MediaPipe's weighted non-maximum suppression: overlapping detections are averaged, weighted
    by their scores, and count as one."""
    rest = sorted(dets, key=lambda d: -d.score)
    out = []
    while rest:
        top = rest[0]
        group = [d for d in rest if box_iou(top.box, d.box) > iou]
        rest = [d for d in rest if box_iou(top.box, d.box) <= iou]
        w = np.array([d.score for d in group])
        out.append(Detection(top.score, np.average([d.box for d in group], axis=0, weights=w),
                             np.average([d.keypoints for d in group], axis=0, weights=w)))
    return out


def refine_on_heatmap(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """Landmarks (n, 2, in crop pixels) moved to the confidence-weighted centre of the heatmap
    around them, where the heatmap is confident (MediaPipe refines the same way)."""
    hh, hw, n = heatmap.shape
    off = (REFINE_KERNEL - 1) // 2
    out = xy.copy()
    col = np.floor(xy[:n, 0] / LANDMARK_SIDE * hw).astype(int)
    row = np.floor(xy[:n, 1] / LANDMARK_SIDE * hh).astype(int)
    inside = (col >= 0) & (col < hw) & (row >= 0) & (row < hh)
    padded = np.pad(heatmap, ((off, off), (off, off), (0, 0)), constant_values=-np.inf)
    k = np.arange(-off, off + 1)
    idx = np.flatnonzero(inside)
    if len(idx) == 0:
        return out
    rr = (row[idx] + off)[:, None, None] + k[None, :, None]
    cc = (col[idx] + off)[:, None, None] + k[None, None, :]
    conf = _sigmoid(padded[rr, cc, idx[:, None, None]])  # (m, 7, 7); outside the map: 0
    total = conf.sum(axis=(1, 2))
    ok = (conf.max(axis=(1, 2)) >= REFINE_MIN_CONFIDENCE) & (total > 0)
    rows = (row[idx, None, None] + k[None, :, None]).astype(float)
    cols = (col[idx, None, None] + k[None, None, :]).astype(float)
    fx = (conf * cols).sum(axis=(1, 2)) / np.maximum(total, 1e-9)
    fy = (conf * rows).sum(axis=(1, 2)) / np.maximum(total, 1e-9)
    out[idx[ok], 0] = fx[ok] / hw * LANDMARK_SIDE
    out[idx[ok], 1] = fy[ok] / hh * LANDMARK_SIDE
    return out


class BlazePose:
    """The detector and the landmark model of one process (LiteRT, one thread each)."""

    def __init__(self, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter

            base = model_dir()
            self._det = Interpreter(model_path=str(base / "pose_detection" / "pose_detection.tflite"), num_threads=threads)
            self._lm = Interpreter(model_path=str(base / "pose_landmark" / "pose_landmark_full.tflite"), num_threads=threads)
            for it in (self._det, self._lm):
                it.allocate_tensors()
        except PipelineError:
            raise
        except Exception as exc:
            raise PipelineError(ErrorCode.POSE_MODEL_FAILED, f"{type(exc).__name__}: {exc}") from exc
        self._det_in = self._det.get_input_details()[0]["index"]
        out = self._det.get_output_details()
        self._det_boxes, self._det_scores = out[0]["index"], out[1]["index"]
        self._lm_in = self._lm.get_input_details()[0]["index"]
        named = {d["name"]: d["index"] for d in self._lm.get_output_details()}
        self._lm_points, self._lm_flag, self._lm_heat = named["Identity"], named["Identity_1"], named["Identity_3"]

    def detect(self, bgr: np.ndarray, min_score: float = MIN_DETECTION_SCORE) -> list[Detection]:
        """Every person the detector finds in ``bgr`` (a frame or a crop of one), strongest first."""
        h, w = bgr.shape[:2]
        side = max(h, w)
        ox, oy = (side - w) // 2, (side - h) // 2
        scale = DETECTOR_SIDE / side
        small = exposed(cv2.resize(bgr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA))
        board = np.zeros((DETECTOR_SIDE, DETECTOR_SIDE, 3), np.float32)
        px, py = round(ox * scale), round(oy * scale)
        board[py:py + small.shape[0], px:px + small.shape[1]] = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        self._det.set_tensor(self._det_in, (board / 127.5 - 1.0)[None].astype(np.float32))
        self._det.invoke()
        scores = _sigmoid(self._det.get_tensor(self._det_scores)[0, :, 0])
        keep = np.flatnonzero(scores >= min_score)
        if len(keep) == 0:
            return []
        raw = self._det.get_tensor(self._det_boxes)[0, keep] / DETECTOR_SIDE
        anchors = ANCHORS[keep]
        cx, cy = raw[:, 0] + anchors[:, 0], raw[:, 1] + anchors[:, 1]
        half_w, half_h = raw[:, 2] / 2, raw[:, 3] / 2
        to_px = np.array([side, side]), np.array([ox, oy])
        boxes = np.column_stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h]) * side - np.array([ox, oy, ox, oy])
        kps = (raw[:, 4:12].reshape(-1, 4, 2) + anchors[:, None, :]) * to_px[0] - to_px[1]
        return weighted_nms([Detection(float(scores[i]), boxes[j], kps[j]) for j, i in enumerate(keep)])

    def landmarks(self, bgr: np.ndarray, roi: Roi) -> Body | None:
        """The body in ``roi``, or None when the model finds nobody there. Joints outside the region
        are the model's guesses about what it did not see: they are kept invisible (visibility 0)."""
        if not roi.size > 8:
            return None
        m = roi.to_crop(LANDMARK_SIDE)
        crop = exposed(cv2.warpAffine(bgr, m, (LANDMARK_SIDE, LANDMARK_SIDE), flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REPLICATE))
        self._lm.set_tensor(self._lm_in, (cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0)[None])
        self._lm.invoke()
        presence = float(self._lm.get_tensor(self._lm_flag)[0, 0])
        if presence < MIN_PRESENCE:
            return None
        raw = self._lm.get_tensor(self._lm_points)[0].reshape(39, 5)
        xy = refine_on_heatmap(raw[:, :2].astype(np.float64), self._lm.get_tensor(self._lm_heat)[0])
        back = cv2.invertAffineTransform(m)
        xy = xy @ back[:, :2].T + back[:, 2]
        vis = _sigmoid(raw[:33, 3]).astype(np.float64)
        vis[~roi.contains(xy[:33])] = 0.0
        return Body(np.column_stack([xy[:33], vis]), presence, roi, xy[33:35].copy())


# LiteRT prints an INFO line when it creates its CPU delegate; keep worker stderr clean of it
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
