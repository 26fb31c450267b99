"""The wall with nobody on it, the holds on it, and which hold each contact was on.

Wall plate: sampled frames mapped into wall coordinates (the camera transforms), everyone's box
masked out, and per pixel the median over the frames where it was uncovered. Whoever moves
uncovers the wall behind them, so the plate shows the wall as it is with no climber in front
(where the climber never moved away, the median of the frames as they are fills in).

Holds: a hold is a compact blob that stands out from the wall around it. The wall's own colour is
the median over a window much larger than a hold (BG_TORSOS torso lengths: panels and light change
slowly, holds are small), so a pixel's colour difference from it says "hold" without knowing the
wall's or the holds' colours; the cut between wall and hold is Otsu's on that difference over the
plate (walls are bimodal: bare surface and holds). Touching holds of different colours are split by
hue. Sizes are in torso lengths, so the same rule holds at any distance from the wall: a small crimp
or foot chip is ~0.12 torso lengths across, a large volume ~1.6.

A contact is on the hold its fingers (or toes) are on: the one whose box, grown by the reach, holds
the median position of the limb's tip landmarks during the contact; the nearest such hold when several
do. A contact with no hold in reach (a smear, a hold that blends in with the wall) keeps its place.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from core.analysis import pose as P

#: The plate is built at this many pixels on the long side, from at most this many frames spread
#: over the clip (a median of 40 samples per pixel; more adds time, not wall).
PLATE_SIDE = 480
PLATE_FRAMES = 40
#: The plate covers what the frames showed, at most this many frames wide and high (a camera that
#: panned further: the middle of it).
WALL_REACH = 2.0
#: ... when it reaches beyond the first frame's view by more than this share of the frame.
WALL_MORE = 0.1
#: ... built at no more than this many times PLATE_SIDE on its long side.
WIDER_PLATE = 1.5
#: Each person's box is grown by this share of its longest side before masking (loose clothing,
#: chalk bags, the model's box hugging the joints, not the outline).
BOX_PAD = 0.2
#: The wall's own colour: median over a window this many torso lengths wide.
BG_TORSOS = 2.5
#: Colour difference (CIELAB, lightness at half weight: shading changes lightness, not hue) below
#: which nothing is a hold, whatever Otsu's cut on a plain wall says.
MIN_CONTRAST = 12.0
LIGHTNESS_WEIGHT = 0.5
#: Chroma (CIELAB a*b* radius) above which a pixel has a hue; hue sectors that split touching holds.
CHROMA_MIN = 18.0
HUE_SECTORS = 12
#: A hold's longest side, torso lengths; its shortest side at least HOLD_THIN; it fills at least
#: HOLD_FILL of its box (panel seams and edges are long and thin, or sparse).
HOLD_MIN = 0.12
HOLD_MAX = 1.6
HOLD_THIN = 0.06
HOLD_FILL = 0.3
#: Fingers or toes within this many torso lengths of a hold's box are on it.
REACH = 0.15
#: The tip landmarks of each limb (MediaPipe Pose: index and pinky knuckles, foot index and heel);
#: the wrist or ankle when none is seen.
TIPS = {"left_hand": (P.L_WRIST, 17, 19), "right_hand": (P.R_WRIST, 18, 20),
        "left_foot": (P.L_ANKLE, 31), "right_foot": (P.R_ANKLE, 32)}
MIN_VISIBILITY = 0.5
#: A plate sample hidden behind someone (above any 8-bit value, so it sorts after every real one).
COVERED = 0xFFFF


@dataclass
class Plate:
    image: np.ndarray  # (h, w, 3) BGR, wall coordinates at ``scale`` plate pixels per frame pixel
    seen: np.ndarray  # (h, w) bool: the wall was uncovered there in at least one frame
    scale: float
    origin: tuple[float, float] = (0.0, 0.0)  # the wall coordinates (frame pixels) of its top-left corner

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The part of the wall it shows, in wall coordinates (frame pixels): x0, y0, x1, y1."""
        h, w = self.seen.shape
        return (self.origin[0], self.origin[1], self.origin[0] + w / self.scale, self.origin[1] + h / self.scale)

    @property
    def seen_share(self) -> float:
        return float(self.seen.mean()) if self.seen.size else 0.0


@dataclass
class Hold:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in wall (frame) pixels
    colour: str  # the hold's median colour, "#rrggbb"

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def plate_frames(n: int) -> list[int]:
    """Which of ``n`` sampled frames the plate is built from: evenly spread, at most PLATE_FRAMES."""
    return sorted({int(i) for i in np.linspace(0, n - 1, min(PLATE_FRAMES, n)).round()}) if n else []


def _size(frame_w: int, frame_h: int) -> tuple[float, int, int]:
    s = min(1.0, PLATE_SIDE / max(frame_w, frame_h))
    return s, max(1, round(frame_w * s)), max(1, round(frame_h * s))


def extent(transforms: Sequence[np.ndarray], frame_w: int, frame_h: int) -> tuple[float, float, float, float]:
    """The part of the wall the frames show (wall coordinates, frame pixels: x0, y0, x1, y1): all of
    it, for a camera that moved (a phone following the climber up shows the top of the route only
    in its last frames), at most WALL_REACH frames wide and high around its middle."""
    corners = np.array([[0, 0], [frame_w, 0], [0, frame_h], [frame_w, frame_h]], np.float64)
    pts = np.concatenate([corners @ np.asarray(m, np.float64)[:, :2].T + np.asarray(m, np.float64)[:, 2]
                          for m in transforms]) if len(transforms) else corners
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):  # no usable transform: the first frame's view
        pts = corners
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    out = []
    for lo, hi, side in ((x0, x1, frame_w), (y0, y1, frame_h)):
        # a hand-held phone's sway is no new wall: the first frame's view unless well beyond it
        lo = min(float(lo), 0.0) if lo < -WALL_MORE * side else 0.0
        hi = max(float(hi), float(side)) if hi > (1 + WALL_MORE) * side else float(side)
        half = min(hi - lo, WALL_REACH * side) / 2
        mid = (lo + hi) / 2
        out.append((float(mid - half), float(mid + half)))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def plate(frames: Iterable[tuple[np.ndarray, np.ndarray, Sequence[Sequence[float]]]], frame_w: int,
          frame_h: int, box: tuple[float, float, float, float] | None = None) -> Plate:
    """The wall plate from (BGR frame, 2x3 frame->wall transform, everyone's boxes in frame pixels),
    over ``box`` of the wall (wall coordinates, frame pixels; the first frame's view when None).
    Where no frame uncovered the wall (someone stood there in every frame used), the median of the
    frames as they are paints it: whoever is there only part of the time fades out of it; where no
    frame reached (the corners of a moving camera's view) it is black, and not seen."""
    bx0, by0, bx1, by1 = box if box is not None else (0.0, 0.0, float(frame_w), float(frame_h))
    # (a plate over more wall than a frame is built coarser, to keep its memory bounded)
    s = min(_size(frame_w, frame_h)[0], WIDER_PLATE * PLATE_SIDE / max(bx1 - bx0, by1 - by0, 1.0))
    fw, fh = max(1, round(frame_w * s)), max(1, round(frame_h * s))
    w, h = max(1, round((bx1 - bx0) * s)), max(1, round((by1 - by0) * s))
    layers, plain, views = [], [], []
    for img, m, boxes in frames:
        im = cv2.resize(img, (fw, fh), interpolation=cv2.INTER_AREA)
        mask = np.ones((fh, fw), np.uint8)
        for b in boxes:
            x0, y0, x1, y1 = (float(v) * s for v in b)
            pad = BOX_PAD * max(x1 - x0, y1 - y0)
            mask[max(0, int(y0 - pad)):max(0, int(y1 + pad + 1)), max(0, int(x0 - pad)):max(0, int(x1 + pad + 1))] = 0
        ms = np.asarray(m, np.float64).copy()
        ms[:, 2] = s * (ms[:, 2] - (bx0, by0))  # the transform in plate pixels
        warped = cv2.warpAffine(im, ms, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        keep = cv2.warpAffine(mask, ms, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        plain.append(warped)
        views.append(cv2.warpAffine(np.ones((fh, fw), np.uint8), ms, (w, h), flags=cv2.INTER_NEAREST,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0))
        layer = warped.astype(np.uint16)
        layer[keep == 0] = COVERED
        layers.append(layer)
    if not layers:
        return Plate(np.zeros((h, w, 3), np.uint8), np.zeros((h, w), bool), s, (bx0, by0))
    stack = np.stack(layers)
    del layers
    count = np.sum(stack[..., 0] != COVERED, axis=0)
    seen = count > 0
    # the median of the uncovered samples: covered ones sort last, so it is the middle of the first
    # ``count`` (np.nanmedian on floats gives the same, several times slower and with twice the memory)
    stack.sort(axis=0)
    mid = np.maximum(count - 1, 0) // 2
    image = np.take_along_axis(stack, np.repeat(mid[None, :, :, None], 3, axis=3), axis=0)[0]
    image = np.where(seen[..., None], image, 0).astype(np.uint8)
    if not seen.all():
        # the frames as they are, each where it shows the wall (not where the camera never looked)
        looked = np.stack(views)[:, ~seen] > 0
        some = np.stack(plain)[:, ~seen].astype(np.float32)
        some[~looked] = np.nan
        fill = np.zeros(some.shape[1:], np.uint8)
        any_view = looked.any(axis=0)
        if any_view.any():
            fill[any_view] = np.nanmedian(some[:, any_view], axis=0).astype(np.uint8)
        image[~seen] = fill
    return Plate(image, seen, s, (bx0, by0))


def detect(pl: Plate, torso_px: float) -> list[Hold]:
    """Holds on the plate (see the module's doc); ``torso_px`` is a torso length in frame pixels."""
    if not pl.seen.any() or not torso_px or not np.isfinite(torso_px):
        return []
    torso = torso_px * pl.scale
    img = pl.image
    lab = cv2.cvtColor(img, cv2.COLOR_BGR2LAB).astype(np.float32)
    # the wall's colour: a median far wider than a hold, computed at a quarter of the size (same
    # result for a window that wide, 16 times fewer pixels)
    q = 4
    small = cv2.resize(img, (max(1, img.shape[1] // q), max(1, img.shape[0] // q)), interpolation=cv2.INTER_AREA)
    k = max(3, int(2 * round(BG_TORSOS * torso / q / 2) + 1))
    bg = cv2.resize(cv2.medianBlur(small, min(k, 255)), img.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    d = lab - cv2.cvtColor(bg, cv2.COLOR_BGR2LAB).astype(np.float32)
    d[..., 0] *= LIGHTNESS_WEIGHT
    diff = np.linalg.norm(d, axis=2)
    diff[~pl.seen] = 0
    values = np.clip(diff[pl.seen], 0, 255).astype(np.uint8).reshape(-1, 1)
    otsu, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    standing_out = diff > max(MIN_CONTRAST, float(otsu))
    chroma = np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)
    hue = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[..., 0].astype(int)
    cls = np.where(chroma > CHROMA_MIN, 1 + hue * HUE_SECTORS // 180, 0)
    kernel = np.ones((3, 3), np.uint8)
    holds = []
    for c in np.unique(cls[standing_out]):
        part = cv2.morphologyEx((standing_out & (cls == c)).astype(np.uint8), cv2.MORPH_OPEN, kernel)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(part)
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if not (max(HOLD_MIN * torso, 4) <= max(w, h) <= HOLD_MAX * torso):
                continue
            if min(w, h) < HOLD_THIN * torso or area < HOLD_FILL * w * h:
                continue
            b, g, r = (int(v) for v in np.median(img[labels == i], axis=0))
            ox, oy = pl.origin
            holds.append(Hold((ox + x / pl.scale, oy + y / pl.scale, ox + (x + w) / pl.scale, oy + (y + h) / pl.scale),
                              f"#{r:02x}{g:02x}{b:02x}"))
    holds.sort(key=lambda hd: (hd.centre[1], hd.centre[0]))
    return holds


def tip(lm: np.ndarray, t: np.ndarray, limb: str, start: float, end: float) -> tuple[float, float] | None:
    """Median position (wall pixels) of ``limb``'s tip landmarks from ``start`` to ``end`` seconds;
    ``lm`` is (n, 33, 3) in wall coordinates with visibility."""
    span = (t >= start - 1e-6) & (t <= end + 1e-6)
    wrist, *ends = TIPS[limb]
    for group in (ends, [wrist]):
        pts = lm[span][:, group]
        pts = pts[pts[..., 2] >= MIN_VISIBILITY][:, :2]
        if len(pts):
            x, y = np.median(pts, axis=0)
            return float(x), float(y)
    return None


def snap(point: tuple[float, float] | None, holds: Sequence[Hold], torso_px: float) -> int | None:
    """Index of the hold ``point`` is on (within REACH torso lengths of its box), nearest first."""
    if point is None or not holds:
        return None
    x, y = point
    reach = REACH * torso_px
    best, best_d = None, np.inf
    for i, hd in enumerate(holds):
        x0, y0, x1, y1 = hd.box
        gap = float(np.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1)))  # 0 inside the box
        if gap <= reach:
            d = float(np.hypot(x - hd.centre[0], y - hd.centre[1]))
            if d < best_d:
                best, best_d = i, d
    return best


class Touch(Protocol):
    """A contact as metrics finds it: which limb, from when to when (seconds)."""

    limb: str
    start: float
    end: float


def route(contacts: Sequence[Touch], lm: np.ndarray, t: np.ndarray, holds: Sequence[Hold],
          torso_px: float) -> tuple[list[int | None], list[int]]:
    """For contacts (each with ``limb``, ``start`` and ``end``), the index of the hold each was on
    (None: no hold in reach), and the holds used in the order they were first touched."""
    on: list[int | None] = []
    order: list[int] = []
    for c in contacts:
        i = snap(tip(lm, t, c.limb, c.start, c.end), holds, torso_px)
        on.append(i)
        if i is not None and i not in order:
            order.append(i)
    return on, order
