"""Camera motion: the wall's motion, not what is drawn on the picture."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.analysis import camera
from core.analysis import pose as P


def _texture(h: int, w: int, seed: int, blur: float, contrast: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = cv2.GaussianBlur(rng.integers(0, 256, (h, w)).astype(np.float32), (0, 0), blur)
    return np.clip(128 + (t - t.mean()) / t.std() * 40 * contrast, 0, 255).astype(np.uint8)


def _clip(n: int, step: tuple[int, int], caption: bool) -> np.ndarray:
    """Grey 180 x 240 thumbnails of a textured wall the camera pans across by ``step`` pixels a
    frame; with ``caption``, a sharp, high-contrast box (a broadcast's caption or picture-in-picture,
    a sixth of the picture) stays put in the top-left corner: its corners are the picture's strongest."""
    wall = _texture(400, 500, 1, blur=2.5, contrast=0.5)
    box = _texture(70, 100, 2, blur=0.8, contrast=1.5)
    out = []
    for i in range(n):
        x, y = 20 + step[0] * i, 20 + step[1] * i
        f = wall[y:y + 180, x:x + 240].copy()
        if caption:
            f[:70, :100] = box
        out.append(f)
    return np.stack(out)


@pytest.mark.parametrize("caption", [False, True])
def test_a_panning_camera_is_followed_on_the_wall_not_on_a_caption_drawn_over_it(caption):
    thumbs = _clip(20, (3, 2), caption)
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    # frame i shows the wall shifted by (3i, 2i): its coordinates map to the first frame's by adding that
    assert cam.moving and cam.reliable
    assert cam.transforms[-1, :, 2] == pytest.approx([57.0, 38.0], abs=1.5)
    assert camera.overlay(thumbs).any() == caption


def test_the_caption_would_hold_the_fit_still_if_it_were_tracked(monkeypatch):
    thumbs = _clip(20, (3, 2), True)
    monkeypatch.setattr(camera, "overlay", lambda th: np.zeros(th.shape[1:], bool))
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert abs(cam.transforms[-1, 0, 2] - 57.0) > 5


def test_with_a_fixed_camera_nothing_is_taken_for_a_caption():
    thumbs = _clip(20, (0, 0), True)
    assert not camera.overlay(thumbs).any()
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert not cam.moving and np.allclose(cam.transforms[:, :, 2], 0.0)


def _passer_by() -> np.ndarray:
    """A fixed camera's wall; for three frames a textured shape half the picture wide sweeps across
    it, 40 pixels a frame (someone walking past the lens, too close for the detector): it holds a
    little more of the picture's corners than the wall does."""
    wall = _texture(180, 240, 1, blur=1.5, contrast=1.0)
    shape = _texture(180, 130, 3, blur=1.5, contrast=1.0)
    out = []
    for i in range(20):
        f = wall.copy()
        if 8 <= i <= 10:
            x = 110 - 40 * (i - 8)
            f[:, x:x + 130] = shape
        out.append(f)
    return np.stack(out)


def test_someone_walking_past_the_lens_does_not_move_a_fixed_camera():
    thumbs = _passer_by()
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert not cam.moving and np.allclose(cam.transforms[-1], [[1, 0, 0], [0, 1, 0]])


def test_the_passer_by_would_move_it_if_the_fit_could_jump(monkeypatch):
    thumbs = _passer_by()
    monkeypatch.setattr(camera, "MOTION_JUMP", 10.0)  # any jump allowed
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.moving and abs(cam.transforms[-1, 0, 2]) > 30  # the shape's 40 pixels a frame, kept


def _spread_body(w: int, h: int) -> np.ndarray:
    """Landmarks (33, 3) of a climber spread across a ``w`` x ``h`` picture: hands in the top
    corners, feet in the bottom ones, the torso in the middle (its box is the whole picture)."""
    lm = np.zeros((33, 3))
    lm[:, 2] = 1.0
    lm[:, :2] = (w / 2, h / 2)
    at = {P.NOSE: (0.5, 0.22), P.L_SHOULDER: (0.42, 0.32), P.R_SHOULDER: (0.58, 0.32), P.L_ELBOW: (0.25, 0.2),
          P.R_ELBOW: (0.75, 0.2), P.L_WRIST: (0.04, 0.04), P.R_WRIST: (0.96, 0.04), P.L_HIP: (0.44, 0.56),
          P.R_HIP: (0.56, 0.56), P.L_KNEE: (0.25, 0.75), P.R_KNEE: (0.75, 0.75), P.L_ANKLE: (0.06, 0.96),
          P.R_ANKLE: (0.94, 0.96), 29: (0.05, 0.97), 30: (0.95, 0.97), 31: (0.03, 0.95), 32: (0.97, 0.95)}
    for k, (x, y) in at.items():
        lm[k, :2] = (x * w, y * h)
    return lm


def test_a_camera_following_a_climber_spread_across_the_picture_is_followed_on_the_wall_between_the_limbs():
    """A friend films close and keeps the climber in the middle: the climber (textured, still in the
    picture) spans it corner to corner, so their box covers it all; the wall pans behind, seen
    between the limbs. Looking past the body, not its box, the camera's motion is found."""
    thumbs = _clip(20, (3, 2), False)
    lm = _spread_body(240, 180)
    body = np.full(thumbs.shape[1:], 255, np.uint8)
    P.cover_body(body, lm)
    shirt = _texture(180, 240, 5, blur=1.0, contrast=1.5)  # sharper than the wall: the strongest corners
    thumbs[:, body == 0] = shirt[body == 0]
    x0, y0, x1, y1 = P.bbox(lm)
    assert (x1 - x0) * (y1 - y0) > 0.85 * 240 * 180  # the box leaves almost nothing
    cam = camera.estimate(thumbs, [[lm] for _ in thumbs], 240)
    assert cam.moving and cam.reliable
    assert cam.transforms[-1, :, 2] == pytest.approx([57.0, 38.0], abs=2.0)
    # tracked, the climber's own texture (still in the picture) would hold the fit still
    still = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert abs(still.transforms[-1, 0, 2] - 57.0) > 10


def _cut_to(n: int, shot: range, view) -> np.ndarray:
    """A fixed camera's wall (180 x 240 of it), and for the frames in ``shot`` another camera's
    picture, ``view(i)``: a broadcast or an edited clip cutting away and back."""
    wall = _texture(400, 500, 1, blur=1.5, contrast=1.0)
    return np.stack([view(i) if i in shot else wall[20:200, 20:260] for i in range(n)])


def test_a_cut_to_a_closer_camera_and_back_keeps_every_frame_on_the_wall():
    """Frames 8-13 show the middle of the picture 1.6 times as large (a broadcast's close camera):
    their pixels map to the wide picture's shrunk by 1.6 and shifted to its middle; back on the wide
    camera, the frames are where they were before the cut (found again on the wide picture before it,
    not chained through the close one)."""
    wall = _texture(400, 500, 1, blur=1.5, contrast=1.0)
    h, w = round(180 / 1.6), round(240 / 1.6)
    y0, x0 = 20 + (180 - h) // 2, 20 + (240 - w) // 2
    close = cv2.resize(wall[y0:y0 + h, x0:x0 + w], (240, 180), interpolation=cv2.INTER_AREA)
    thumbs = _cut_to(20, range(8, 14), lambda i: close)
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.reliable and cam.failed_pairs == 0
    np.testing.assert_allclose(cam.transforms[10], [[w / 240, 0, x0 - 20], [0, h / 180, y0 - 20]], atol=0.02 * 240)
    assert abs(cam.transforms[10, 0, 0] - w / 240) < 0.02
    np.testing.assert_allclose(cam.transforms[14:], np.repeat([[[1, 0, 0], [0, 1, 0]]], 6, axis=0), atol=0.5)
    # nothing moved within a shot: no tracking noise is added to the wide frames
    assert np.array_equal(cam.transforms[:8], np.repeat([[[1.0, 0, 0], [0, 1.0, 0]]], 8, axis=0))


def test_a_cut_away_to_somewhere_else_and_back_finds_the_wall_again():
    """Frames 8-11 show another place, filmed hand-held (panning 4 and 3 pixels a frame): they cannot
    be placed on the wall (one pair not fitted), and the wall's frames after them are placed on the
    wall's frames before them, not where the other camera's pan left off."""
    other = _texture(400, 500, 7, blur=1.5, contrast=1.0)
    thumbs = _cut_to(20, range(8, 12), lambda i: other[40 + 3 * i:220 + 3 * i, 40 + 4 * i:280 + 4 * i])
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.failed_pairs == pytest.approx(1 / 19, abs=1e-3)
    np.testing.assert_allclose(cam.transforms[12:], np.repeat([[[1, 0, 0], [0, 1, 0]]], 8, axis=0), atol=0.5)
    # the frames between are elsewhere: nothing in them is on the wall
    assert np.flatnonzero(cam.elsewhere).tolist() == [8, 9, 10, 11]


def test_a_clip_that_begins_somewhere_else_has_nothing_elsewhere():
    """A title or the gym's entrance for frames 0-3, then the wall: the clip never comes back to
    what it began with, and most of it is the wall; nothing says the wall was left."""
    other = _texture(400, 500, 7, blur=1.5, contrast=1.0)
    thumbs = _cut_to(20, range(0, 4), lambda i: other[40:220, 40:280])
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.failed_pairs == pytest.approx(1 / 19, abs=1e-3)
    assert not cam.elsewhere.any()


def test_a_slow_pan_broken_by_frames_that_cannot_be_fitted_is_kept():
    """Every fourth frame is blank (a blurred one: nothing to track) in a pan of 2 and 1 pixels a
    frame: the stretches between them each move less than a still camera's allowance, yet the
    camera pans, and every frame keeps its place on the wall."""
    thumbs = _clip(20, (2, 1), False)
    thumbs[4::4] = 128
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.moving
    for i in (3, 7, 13, 19):
        assert cam.transforms[i, :, 2] == pytest.approx([2.0 * i, 1.0 * i], abs=1.0), i


def test_where_nothing_can_be_tracked_features_are_not_looked_for_in_every_frame(monkeypatch):
    """Noise in every frame (nothing to track, as in a very dark clip): almost every pair fails (the
    few fitted are chance fits of the tracked points; no frame is found again by its features). A
    cut is a moment, so features are looked for in the first RELOCATE_RUN frames of such a run only
    (each against up to MAX_ANCHORS + 1 frames), not in all 40."""
    rng = np.random.default_rng(3)
    thumbs = rng.integers(0, 255, (40, 180, 240), dtype=np.uint8)
    tried: list[int] = []
    real = camera.relocate
    monkeypatch.setattr(camera, "relocate", lambda img, anchor: tried.append(1) or real(img, anchor))
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert cam.failed_pairs > 0.8 and not cam.reliable
    fitted = round((1 - cam.failed_pairs) * 39)  # (noise now and then fits by chance; a run starts again after)
    capped = len(tried)
    assert 0 < capped <= camera.RELOCATE_RUN * (camera.MAX_ANCHORS + 1) * (1 + fitted)
    tried.clear()
    monkeypatch.setattr(camera, "RELOCATE_RUN", 10**6)
    camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert capped < len(tried)  # looked for in every frame, as it would be without the cap


@pytest.mark.parametrize("same_wall", [True, False])
def test_a_stretch_that_only_looked_like_another_view_is_put_back_on_the_wall(same_wall):
    """A camera panning 3 pixels a frame; frames 4-7 were read as another view, placed 15 pixels off
    (their first pair could not be placed, a blurred frame, and the fits went on from there). Where
    they show the same wall, they are found on the wall's frames either side and put back where they
    are; where they show somewhere else, they stay elsewhere."""
    wall = _texture(400, 500, 1, blur=1.5, contrast=1.0)
    other = _texture(400, 500, 7, blur=1.5, contrast=1.0)
    thumbs = np.stack([(wall if same_wall or not 4 <= i < 8 else other)[20:200, 20 + 3 * i:260 + 3 * i]
                       for i in range(12)])
    view = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])
    truth = np.array([[[1.0, 0, 3 * i], [0, 1.0, 0]] for i in range(12)])
    transforms = truth.copy()
    transforms[4:8, 0, 2] -= 15
    full = np.full(thumbs.shape[1:], 255, np.uint8)
    camera.rejoin(view, transforms, lambda i: camera.features(thumbs[i], full), 1.0)
    if same_wall:
        assert not view.any()
        np.testing.assert_allclose(transforms, truth, atol=1.0)
    else:
        assert view.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]
        assert camera.elsewhere(view)[4:8].all()


def _body(hip: tuple[float, float], size: float = 1.0) -> np.ndarray:
    """(33, 3) landmarks of a torso 30 px long (times ``size``), its hip centre at ``hip``; the
    other joints unseen."""
    lm = np.full((33, 3), np.nan)
    for k, (dx, dy) in {P.L_SHOULDER: (-10, -30), P.R_SHOULDER: (10, -30), P.L_HIP: (-8, 0), P.R_HIP: (8, 0)}.items():
        lm[k] = [hip[0] + size * dx, hip[1] + size * dy, 1.0]
    return lm


def _climbing(n: int, other: range, seen: bool = True) -> np.ndarray:
    """A climber going up the wall 4 px a frame (hip at 120, 150 - 4 i in the wall's picture); in
    the frames ``other`` they are filmed by another camera, 1.5 times as large and elsewhere in its
    picture (which pans 4 and 3 px a frame: see the thumbnails), going on as they went (not seen
    there when ``seen`` is False)."""
    out = np.full((n, 33, 3), np.nan)
    for i in range(n):
        if i not in other:
            out[i] = _body((120, 150 - 4 * i))
        elif seen:
            out[i] = _body((47.5 - 4 * i, 145 - 6 * i - 3 * i), size=1.5)
    return out


@pytest.mark.parametrize("other", [range(14, 20), range(0, 5)], ids=["ends", "begins"])
def test_a_view_the_clip_ends_or_begins_in_is_placed_on_the_wall_by_the_climbers_body(other):
    """The clip ends (or begins) on another camera's picture, never found on the wall: across the
    cut the climber's hip goes on up the wall as it went, at the wall's size, rather than jumping to
    where the other camera had them."""
    place = _texture(400, 500, 7, blur=1.5, contrast=1.0)
    thumbs = _cut_to(20, other, lambda i: place[40 + 3 * i:220 + 3 * i, 40 + 4 * i:280 + 4 * i])
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    assert not cam.elsewhere.any() and not cam.on_wall[list(other)].any()
    lm = _climbing(20, other)
    wall = cam.transforms[cam.on_wall].copy()
    assert np.ptp(wall, axis=0).max() < 1e-9  # a fixed camera: one place for all the wall's frames

    def on_wall(xy):  # where the wall's camera shows a point
        return np.asarray(xy) @ wall[0][:, :2].T + wall[0][:, 2]
    before = [cam.to_wall(i, P.hip_centre(lm[i])) for i in other]
    assert camera.anchor(cam, lm, [i / 8 for i in range(20)]) == [other[0] if other[0] else other[-1]]
    for i in other:
        np.testing.assert_allclose(cam.to_wall(i, P.hip_centre(lm[i])), on_wall([120, 150 - 4 * i]), atol=1.0)
        assert P.torso_length(cam.to_wall(i, lm[i, :, :2])) == pytest.approx(30, abs=0.5)
    assert min(np.linalg.norm(b - on_wall([120, 150 - 4 * i])) for b, i in zip(before, other)) > 30  # it jumped before
    assert np.array_equal(cam.transforms[cam.on_wall], wall)  # the wall's own frames are where they were


def test_a_view_where_the_climber_is_not_seen_by_the_cut_is_left_as_it_was():
    place = _texture(400, 500, 7, blur=1.5, contrast=1.0)
    thumbs = _cut_to(20, range(14, 20), lambda i: place[40 + 3 * i:220 + 3 * i, 40 + 4 * i:280 + 4 * i])
    cam = camera.estimate(thumbs, [[] for _ in thumbs], 240)
    was = cam.transforms.copy()
    assert camera.anchor(cam, _climbing(20, range(14, 20), seen=False), [i / 8 for i in range(20)]) == []
    assert np.array_equal(cam.transforms, was)


def test_the_hip_trail_is_the_path_on_the_wall_seen_by_each_frames_camera():
    """A climber whose hip stays on one spot of the wall while the camera pans 6 px a frame: in the
    picture the hip slides across, on the wall it stays. The trail drawn on frame 9 is that one spot
    (where frame 9 shows it), not the slide; none is carried from before a frame cut away to."""
    from core.analysis.drawing import trail

    n = 10
    transforms = np.array([[[1.0, 0, 6.0 * i], [0, 1.0, 0]] for i in range(n)])  # picture -> wall
    hips = np.array([[200.0 - 6 * i, 300.0] for i in range(n)])  # the spot at x = 200 on the wall
    drawn = trail(9, 24, hips, transforms, np.zeros(n, bool))
    assert len(drawn) == n and np.allclose(drawn, hips[9])
    away = np.zeros(n, bool)
    away[5] = True
    assert len(trail(9, 24, hips, transforms, away)) == 4 and len(trail(5, 24, hips, transforms, away)) == 0
    # nor from another view than the frame's own (a view the body placed on the wall is placed roughly)
    view = np.array([0] * 6 + [1] * 4)
    assert len(trail(9, 24, hips, transforms, np.zeros(n, bool), view)) == 4
    assert len(trail(5, 24, hips, transforms, np.zeros(n, bool), view)) == 6


def test_the_hip_trail_breaks_where_the_clip_jumped_and_not_at_a_dyno():
    """Two attempts joined in one video, the camera kept: the hip is at the top of the wall in one
    frame and back at the start in the next. No trail is drawn across the jump; a dyno's hip, one
    torso length a frame (the same body on the wall), keeps its trail."""
    from core.analysis.drawing import hip_path, trail
    from core.analysis.pose import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER

    n = 12
    lm = np.full((n, 33, 3), np.nan)
    ys = [500.0 - 40 * i for i in range(6)] + [600.0 - 100 * i for i in range(6)]  # climbs, jumps back, dynos up
    for i, y in enumerate(ys):
        lm[i, :, :] = [300.0, y, 0.9]
        lm[i, [L_HIP, R_HIP], 0] = [290.0, 310.0]
        lm[i, [L_SHOULDER, R_SHOULDER], 1] = y - 100  # a torso 100 px long
    lm[3] = np.nan  # a frame the body was not seen in: no leap there, nor across it
    transforms = np.repeat([[[1.0, 0, 0], [0, 1.0, 0]]], n, axis=0)
    hips, leaps = hip_path(lm, transforms)
    assert np.isnan(hips[3, 0]) and np.allclose(hips[7], [300.0, 500.0])
    assert list(np.flatnonzero(leaps)) == [6]  # 300 px down in one frame; the dyno's 100 px a frame is not one
    away = np.zeros(n, bool)
    assert len(trail(11, 24, hips, transforms, away, None, leaps)) == 6  # from the jump on
    assert len(trail(5, 24, hips, transforms, away, None, leaps)) == 6
    assert len(trail(11, 24, hips, transforms, away)) == 12  # (without the leaps: across the jump)
