"""Camera motion: the wall's motion, not what is drawn on the picture."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.analysis import camera


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
