"""The wall plate and the holds on it, on generated walls whose holds are known (the real clip: test_analysis_real)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.analysis import holds as H

W, HT = 640, 480
TORSO = 80.0  # pixels: a climber whose torso is 80 px long on this wall
#: (centre x, centre y, half width, half height, BGR colour): crimps, jugs, a volume, and two touching
#: holds of different colours (the red and the blue at y 330)
HOLDS = [(90, 80, 12, 9, (40, 40, 210)), (250, 70, 22, 15, (200, 120, 30)), (420, 100, 9, 8, (30, 200, 230)),
         (560, 160, 40, 30, (60, 160, 40)), (140, 220, 16, 12, (180, 60, 170)), (330, 240, 11, 11, (250, 250, 250)),
         (470, 300, 14, 10, (30, 30, 30)), (200, 330, 15, 12, (40, 40, 210)), (230, 330, 15, 12, (200, 120, 30)),
         (560, 410, 18, 13, (0, 140, 255))]


def wall(seed: int = 0) -> np.ndarray:
    """A plywood-coloured wall with grain noise, a light gradient, bolt holes and the holds."""
    rng = np.random.default_rng(seed)
    img = np.empty((HT, W, 3), np.float32)
    img[:] = (150, 185, 215)  # beige (BGR)
    img *= np.linspace(0.85, 1.1, W)[None, :, None]  # light from the right
    img += rng.normal(0, 4, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for y in range(20, HT, 40):  # t-nut holes: dark dots a few millimetres across
        for x in range(20, W, 40):
            cv2.circle(img, (x, y), 2, (60, 60, 60), -1)
    for x, y, hw, hh, col in HOLDS:
        cv2.ellipse(img, (x, y), (hw, hh), 0, 0, 360, col, -1)
    return img


def climber_frames(base: np.ndarray, n: int = 24, shift: tuple[float, float] = (0.0, 0.0)):
    """``n`` frames of a dark body walking across the wall (never still), each with its box, seen
    by a camera that drifts by ``shift`` pixels per frame; with the transform back to frame 0."""
    out = []
    for i in range(n):
        img = base.copy()
        x0 = int(30 + i * (W - 160) / (n - 1))
        y0 = int(120 + 80 * np.sin(i / 3))
        box = (x0, y0, x0 + 90, y0 + 220)
        cv2.rectangle(img, box[:2], box[2:], (40, 50, 60), -1)
        dx, dy = shift[0] * i, shift[1] * i
        m = np.float32([[1, 0, -dx], [0, 1, -dy]])  # the camera moved right and down: the wall moves left and up
        seen = cv2.warpAffine(img, m, (W, HT), borderMode=cv2.BORDER_REFLECT)
        boxes = [(box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy)]
        back = np.float64([[1, 0, dx], [0, 1, dy]])  # frame i -> wall (frame 0)
        out.append((seen, back, boxes))
    return out


def matched(found: list[H.Hold], scale: float = 1.0) -> tuple[int, int]:
    """(labelled holds found, found holds that are a labelled hold): a found hold's centre within the
    labelled hold's half size plus 4 px."""
    hits = set()
    good = 0
    for hd in found:
        cx, cy = hd.centre
        near = [k for k, (x, y, hw, hh, _) in enumerate(HOLDS)
                if abs(cx - x * scale) <= (hw + 4) * scale and abs(cy - y * scale) <= (hh + 4) * scale]
        if near:
            good += 1
            hits.update(near)
    return len(hits), good


def test_the_plate_shows_the_wall_without_the_person_who_moved_across_it():
    base = wall()
    frames = climber_frames(base)
    pl = H.plate(frames, W, HT)
    assert pl.seen_share > 0.97
    clean = cv2.resize(base, pl.image.shape[1::-1], interpolation=cv2.INTER_AREA).astype(int)
    err = np.abs(pl.image.astype(int) - clean).mean(axis=2)
    # where the body stood in some frames, the plate is the wall again (a few grey levels of noise)
    body = np.zeros(err.shape, bool)
    for _, _, boxes in frames:
        x0, y0, x1, y1 = (int(v * pl.scale) for v in boxes[0])
        body[max(0, y0):y1, max(0, x0):x1] = True
    assert body.mean() > 0.3
    assert np.median(err[body]) < 6
    # one frame as it is still shows the body there: the plate is not just any frame
    one = cv2.resize(frames[10][0], pl.image.shape[1::-1], interpolation=cv2.INTER_AREA).astype(int)
    x0, y0, x1, y1 = (int(v * pl.scale) for v in frames[10][2][0])
    assert np.median(np.abs(one - clean).mean(axis=2)[y0:y1, x0:x1]) > 40
    assert np.median(err[y0:y1, x0:x1]) < 6


def test_a_moving_camera_still_gives_the_wall_in_first_frame_coordinates():
    base = wall()
    pl = H.plate(climber_frames(base, shift=(3.0, 1.5)), W, HT)
    clean = cv2.resize(base, pl.image.shape[1::-1], interpolation=cv2.INTER_AREA).astype(int)
    err = np.abs(pl.image.astype(int) - clean).mean(axis=2)
    assert np.median(err[pl.seen]) < 6  # registered: a 3 px/frame drift left uncompensated would smear holds
    found = H.detect(pl, TORSO)
    hits, good = matched(found)
    assert hits >= len(HOLDS) - 1 and good >= len(found) - 1


def test_holds_found_on_the_plate_are_the_holds_on_the_wall():
    pl = H.plate(climber_frames(wall()), W, HT)
    found = H.detect(pl, TORSO)
    hits, good = matched(found)
    assert hits == len(HOLDS), [hd.box for hd in found]  # every hold, the two touching ones apart
    assert good == len(found), [hd.box for hd in found]  # no bolt hole, grain or leftover body
    red = next(hd for hd in found if abs(hd.centre[0] - 90) < 8 and abs(hd.centre[1] - 80) < 8)
    r, g, b = (int(red.colour[i:i + 2], 16) for i in (1, 3, 5))
    assert r > 150 and g < 90 and b < 90  # its colour is its own, not the wall's


def test_hold_sizes_are_judged_in_torso_lengths_so_distance_to_the_wall_does_not_matter():
    near = H.detect(H.plate(climber_frames(wall()), W, HT), TORSO)
    small = [(cv2.resize(img, (W // 2, HT // 2), interpolation=cv2.INTER_AREA), m * [[1, 1, 0.5], [1, 1, 0.5]],
              [tuple(v / 2 for v in b) for b in boxes]) for img, m, boxes in climber_frames(wall())]
    far = H.detect(H.plate(small, W // 2, HT // 2), TORSO / 2)
    assert matched(far, 0.5)[0] >= len(HOLDS) - 1
    assert abs(len(far) - len(near)) <= 1
    # a torso twice as long makes the small crimps too small to count and nothing else
    assert len(H.detect(H.plate(climber_frames(wall()), W, HT), TORSO * 3)) < len(near)


def test_a_plain_wall_has_no_holds():
    rng = np.random.default_rng(1)
    plain = np.clip(np.full((HT, W, 3), (150, 185, 215), np.float32) + rng.normal(0, 4, (HT, W, 3)), 0, 255)
    pl = H.plate(climber_frames(plain.astype(np.uint8)), W, HT)
    assert H.detect(pl, TORSO) == []


def test_a_contact_snaps_to_the_hold_its_fingers_are_on():
    holds = [H.Hold((100, 100, 130, 120), "#ff0000"), H.Hold((150, 100, 180, 120), "#0000ff")]
    assert H.snap((115, 110), holds, TORSO) == 0  # inside
    assert H.snap((185, 110), holds, TORSO) == 1  # just beside (5 px, reach is 12)
    assert H.snap((142, 110), holds, TORSO) == 1  # in reach of both, nearer the blue one
    assert H.snap((115, 160), holds, TORSO) is None  # 40 px below: not on it
    assert H.snap(None, holds, TORSO) is None
    # the tip landmarks, not the wrist: a hand whose wrist hangs below the hold
    lm = np.full((3, 33, 3), np.nan)
    lm[:, :, 2] = 0.0
    lm[:, 15] = (115, 150, 0.9)  # left wrist 30 px below the hold
    lm[:, 17] = (112, 118, 0.9)
    lm[:, 19] = (118, 116, 0.9)
    t = np.array([0.0, 0.125, 0.25])
    assert H.tip(lm, t, "left_hand", 0.0, 0.25) == pytest.approx((115, 117))

    class C:
        limb, start, end = "left_hand", 0.0, 0.25

    assert H.route([C()], lm, t, holds, TORSO) == ([0], [0])
    lm[:, 17, 2] = lm[:, 19, 2] = 0.1  # knuckles unseen: the wrist is all there is, and it is off the hold
    assert H.route([C()], lm, t, holds, TORSO) == ([None], [])



def test_the_route_chart_rings_each_hold_used_and_names_it_on_its_contacts():
    from core.api.charts import FOOT_HOLD, HOLD, route_figure

    rec = {"route_analysis": {
        "frame_size": [640, 480],
        "climbed_path": [{"time": 0.0, "x": 0.5, "y": 0.8, "in_climb": True}, {"time": 1.0, "x": 0.5, "y": 0.5, "in_climb": True}],
        "holds": [{"number": 1, "box": [0.1, 0.2, 0.15, 0.25], "colour": "#d02828", "first_s": 0.0,
                   "limbs": ["left_hand"], "hand": True},
                  {"number": 2, "box": [0.4, 0.7, 0.45, 0.74], "colour": "#1e78c8", "first_s": 0.5,
                   "limbs": ["right_foot"], "hand": False}],
        "ideal_route": [{"time": 0.0, "x": 0.12, "y": 0.26, "hold_type": "hand", "limb": "left_hand", "duration_s": 1.0,
                         "order": 1, "hold": 1},
                        {"time": 0.5, "x": 0.42, "y": 0.75, "hold_type": "foot", "limb": "right_foot", "duration_s": 0.5,
                         "order": 2, "hold": 2},
                        {"time": 0.6, "x": 0.8, "y": 0.75, "hold_type": "foot", "limb": "left_foot", "duration_s": 0.5,
                         "order": 3, "hold": None}]}}
    fig = route_figure(rec, None)
    rings = [s for s in fig.layout.shapes if s.type == "circle"]
    assert [(r.line.color, round(r.x0)) for r in rings] == [(HOLD, 60), (FOOT_HOLD, 252)]
    hover = [h for tr in fig.data if tr.hovertext is not None for h in tr.hovertext]
    assert any(h.startswith("hold 1: first at 0.0 s, left hand") for h in hover)
    assert any("right foot" in h and h.endswith("hold 2") for h in hover)
    assert any("left foot" in h and "hold" not in h for h in hover)  # a smear names no hold
    # a camera following the climber up: the top hold, taken late, lies above the first frame's wall
    # and is drawn in view (it was cut off the chart)
    rec["route_analysis"]["ideal_route"].append({"time": 0.9, "x": 0.5, "y": -0.3, "hold_type": "hand",
                                                 "limb": "right_hand", "duration_s": 2.0, "order": 4, "hold": None})
    lo, hi = sorted(route_figure(rec, None).layout.yaxis.range)
    assert lo < -0.3 * 480 < hi and lo < 0.8 * 480 < hi
    # ... and the wall plate that camera gave covers the wall above the first frame's view too
    rec["route_analysis"]["wall_frame"] = {"box": [0.0, -0.5, 1.0, 1.0]}
    fig = route_figure(rec, cv2.imencode(".jpg", np.zeros((360, 320, 3), np.uint8))[1].tobytes())
    (image,) = fig.layout.images
    assert (image.x, image.y, image.sizex, image.sizey) == (0.0, -240.0, 640.0, 720.0)
    assert min(fig.layout.yaxis.range) <= -240.0


def test_a_camera_following_the_climber_up_gives_the_whole_wall_it_showed():
    """A phone tilting up with the climber: its first frame shows the lower half of a wall twice
    its height, its last the upper half. The plate covers both (in first-frame coordinates, the
    upper half above its top), so the holds of the route's top are found where they are; a phone
    swaying by a few pixels keeps the first frame's view (no black border of new wall)."""
    tall = np.vstack([wall(1), wall(0)])  # the same holds in each half
    n = 24
    frames = []
    for i in range(n):
        top = int(round(HT * (1 - i / (n - 1))))  # the wall row at the frame's top: 480 -> 0
        frames.append((tall[top:top + HT].copy(), np.float64([[1, 0, 0], [0, 1, top - HT]]), []))
    box = H.extent([m for _, m, _ in frames], W, HT)
    assert box == pytest.approx((0.0, -HT, W, HT), abs=1.0)
    pl = H.plate(frames, W, HT, box)
    assert pl.box == pytest.approx(box, abs=2.0) and pl.seen_share > 0.97
    found = H.detect(pl, TORSO)
    upper = [hd for hd in found if hd.centre[1] < 0]
    lower = [hd for hd in found if hd.centre[1] >= 0]
    shifted = [H.Hold((b[0], b[1] + HT, b[2], b[3] + HT), hd.colour) for hd in upper for b in [hd.box]]
    assert matched(shifted)[0] >= len(HOLDS) - 1 and matched(lower)[0] >= len(HOLDS) - 1
    # the first frame's view only: the upper half's holds are not there
    assert all(hd.centre[1] >= 0 for hd in H.detect(H.plate(frames, W, HT), TORSO))
    sway = [np.float64([[1, 0, 3.0 * np.sin(i)], [0, 1, 4.0 * np.cos(i)]]) for i in range(n)]
    assert H.extent(sway, W, HT) == (0.0, 0.0, float(W), float(HT))
    # a transform with no usable part (a failed fit): the first frame's view, no error
    assert H.extent([np.float64([[1, 0, np.nan], [0, 1, 0]])], W, HT) == (0.0, 0.0, float(W), float(HT))
