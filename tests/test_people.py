"""Every person detected, one identity over the clip, the climber chosen and picked.

Real parts: MediaPipe's bundled models under LiteRT on real frames, the whole pipeline on a
generated clip of two climbers on one wall (the shared clip beside its mirrored, later self)."""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.analysis import pose as P
from core.analysis.blazepose import BlazePose, Roi, box_iou
from core.analysis.people import People, Person, climber, link, on_the_wall, others_down, seen_far_longer, smooth
from core.config import Settings
from core.ops.health import REFERENCE_PERSON
from core.pipeline import analyze
from tests.media import REAL_FIXED, REAL_HANDHELD, ffmpeg, two_climbers


@pytest.fixture(scope="module")
def models() -> BlazePose:
    return BlazePose()


def _frame(path, t: float, side: int = 960) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_MSEC, t * 1000)
    ok, img = cap.read()
    cap.release()
    assert ok
    s = side / max(img.shape[:2])
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


def test_the_region_of_interest_stands_the_body_upright():
    up = Roi.from_points(np.array([100.0, 200.0]), np.array([100.0, 100.0]))  # head straight above the hip
    assert abs(up.angle) < 1e-9 and up.size == pytest.approx(2 * 100 * 1.25)
    side = Roi.from_points(np.array([100.0, 200.0]), np.array([200.0, 200.0]))  # lying, head to the right
    assert side.angle == pytest.approx(math.pi / 2)
    m = up.to_crop(256)
    assert np.allclose(m @ np.array([100.0, 200.0, 1.0]), [128, 128])  # the hip is the crop's centre
    assert up.contains(np.array([[100.0, 90.0], [100.0, 400.0]])).tolist() == [True, False]


def test_landmarks_match_mediapipes_own_pose_on_a_real_frame(models: BlazePose):
    """The detector and landmark model run outside MediaPipe's graph give the same body as the
    legacy Pose solution (which ships the same models), within a few percent of a torso."""
    import mediapipe as mp

    img = _frame(REAL_FIXED, 9.5)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        res = pose.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    h, w = img.shape[:2]
    ref = np.array([[p.x * w, p.y * h] for p in res.pose_landmarks.landmark])
    dets = models.detect(img)
    assert dets, "the detector finds the climber"
    body = models.landmarks(img, dets[0].roi)
    assert body is not None and P.torso_visibility(body.landmarks) > 0.8
    torso = P.torso_length(np.column_stack([ref, np.ones(33)]))
    err = np.median(np.linalg.norm(body.landmarks[:, :2] - ref, axis=1)) / torso
    assert err < 0.06, err
    # and the region the next frame looks in, from this frame's landmarks, holds the same body
    again = models.landmarks(img, body.next_roi)
    assert again is not None and np.linalg.norm(P.hip_centre(again.landmarks) - P.hip_centre(body.landmarks)) < 0.1 * torso


def test_every_person_on_a_frame_is_a_candidate(models: BlazePose):
    """Two climbers side by side on one frame: both are found, each with their own body."""
    left, right = _frame(REAL_FIXED, 9.5, 640), cv2.flip(_frame(REAL_FIXED, 11.0, 640), 1)
    img = np.hstack([left, right])
    seen = P.PeopleTracker(models).frame(img, 0.0)
    assert len(seen) == 2, [c.source for c in seen]
    xs = sorted(P.hip_centre(c.landmarks)[0] for c in seen)
    assert xs[0] < left.shape[1] < xs[1]  # one on each half
    for c in seen:  # nobody's joints wander to the other person: each body stays on its own half
        pts = c.landmarks[c.landmarks[:, 2] > 0.5, 0]
        assert (pts < left.shape[1]).all() or (pts > left.shape[1]).all()


def test_two_climbers_the_detector_misses_are_both_found_where_the_picture_moves(models: BlazePose):
    """The roof clip beside its mirror image, as the first sampled frames: the climbers hang under
    the roof above a crowd, and the detector finds neither in the whole frame nor in its halves.
    Where nobody is found, the regions that move are looked at: each climber is a blob of their
    own, and both are found in the first frame (only the larger was looked at, and the other
    climber was found a second later)."""
    def pair(t: float) -> np.ndarray:
        img = _frame(REAL_HANDHELD, t, 853)
        return np.hstack([img, cv2.flip(img, 1)])

    prev, cur, nxt = pair(0.0), pair(0.16), pair(0.28)
    assert len(P.moving_boxes(prev, cur, nxt)) >= 2
    seen = P.PeopleTracker(models).frame(cur, 0.16, prev, nxt)
    half = cur.shape[1] / 2
    sides = sorted(bool(P.hip_centre(c.landmarks)[0] > half) for c in seen)
    assert sides == [False, True], [(c.source, P.hip_centre(c.landmarks).round()) for c in seen]
    assert {c.source for c in seen} == {"motion"}


def test_the_health_reference_frame_has_a_person(models: BlazePose):
    seen = P.PeopleTracker(models).frame(cv2.imread(str(REFERENCE_PERSON)), 0.0)
    assert seen and P.torso_visibility(seen[0].landmarks) > 0.5


def _body(x: float, y: float, torso: float = 100.0) -> np.ndarray:
    """A standing skeleton with its hip centre at (x, y)."""
    lm = np.zeros((33, 3))
    lm[:, 2] = 0.9
    lm[:, 0], lm[:, 1] = x, y - torso / 2
    lm[[P.L_SHOULDER, P.R_SHOULDER], 0] = x - 20, x + 20
    lm[[P.L_SHOULDER, P.R_SHOULDER], 1] = y - torso
    lm[[P.L_HIP, P.R_HIP], 0] = x - 15, x + 15
    lm[[P.L_HIP, P.R_HIP], 1] = y
    lm[[P.L_KNEE, P.R_KNEE], 1] = y + 60
    lm[[P.L_ANKLE, P.R_ANKLE], 1] = y + 120
    return lm


def _look(hue_bin: int) -> np.ndarray:
    out = np.zeros(P.LOOK_SIZE, np.float32)
    out[hue_bin * P.LOOK_BINS[1]] = 1.0
    out[P.LOOK_SIZE // 2 + hue_bin * P.LOOK_BINS[1]] = 1.0
    return out


def test_one_body_read_two_ways_is_one_person_and_two_climbers_side_by_side_are_two():
    """The landmark model can read one body twice from two crops, with the hips a torso apart (under
    a roof at 480 px: once with the legs reaching into the crowd); their boxes mostly overlap, so
    they are one person. Two climbers a metre apart on one wall are two."""
    a = _body(300, 600)
    b = _body(300, 600)
    b[[P.L_HIP, P.R_HIP], 1] += 100  # the hips read a torso lower, the box much the same
    b[[P.L_KNEE, P.R_KNEE, P.L_ANKLE, P.R_ANKLE], 1] = a[[P.L_KNEE, P.R_KNEE, P.L_ANKLE, P.R_ANKLE], 1] + 40
    assert np.linalg.norm(P.hip_centre(a) - P.hip_centre(b)) >= P.SAME_BODY_TORSOS * P.torso_length(a)
    assert P.same_body(a, b)
    assert not P.same_body(_body(300, 600), _body(420, 600))  # side by side, boxes apart
    assert not P.same_body(_body(300, 600), _body(330, 500))  # one above, boxes overlapping a little


def test_a_body_read_again_from_its_legs_is_the_same_body_someone_behind_it_is_not():
    """Under a roof the landmark model can read a climber's legs as a whole person of their own: the
    hips a knee's length away and the boxes overlapping by less than half, yet every joint of that
    reading lies on the climber's. A smaller person behind the climber (further from the lens), boxes
    overlapping as much, has joints of their own: two people."""
    a = _body(300, 600)
    legs = np.zeros((33, 3))
    legs[:, 2] = 0.9
    legs[:, :2] = (300, 603)  # the head and arms of the legs' reading: on the climber's hips
    legs[[P.L_SHOULDER, P.R_SHOULDER], :2] = a[[P.L_HIP, P.R_HIP], :2]
    legs[[P.L_HIP, P.R_HIP], :2] = a[[P.L_KNEE, P.R_KNEE], :2] + ((-3, 0), (3, 0))
    legs[[P.L_KNEE, P.R_KNEE], :2] = a[[P.L_ANKLE, P.R_ANKLE], :2]
    legs[[P.L_ANKLE, P.R_ANKLE], :2] = a[[P.L_ANKLE, P.R_ANKLE], :2] + (0, 5)
    behind = _body(310, 660, torso=40)
    for other in (legs, behind):  # neither the hips nor the boxes say it
        assert np.linalg.norm(P.hip_centre(a) - P.hip_centre(other)) >= P.SAME_BODY_TORSOS * P.torso_length(a)
        assert box_iou(np.array(P.bbox(a)), np.array(P.bbox(other))) < P.SAME_BODY_IOU
    assert P.same_body(a, legs) and P.same_body(legs, a)
    assert not P.same_body(a, behind) and not P.same_body(behind, a)


class _Reader:
    """Stands in for the pose models (our own interface, not an SDK's): one body with its hips at
    ``hip``, which the landmark model reads only in a region at least ``needs`` times as big as the
    body's own; the detector finds nobody (a hanging body in a pose it does not know)."""

    def __init__(self, hip: tuple[float, float], needs: float) -> None:
        self.hip, self.needs, self.size = np.array(hip), needs, 300.0

    def detect(self, _img: np.ndarray) -> list:
        return []

    def landmarks(self, _img: np.ndarray, roi: Roi):
        from core.analysis.blazepose import Body

        if roi.size < self.needs * self.size:
            return None
        lm = _body(*self.hip)
        return Body(lm, 0.9, roi, np.array([self.hip, self.hip - (0, self.size / 2)]))


def test_a_followed_body_lost_in_its_predicted_region_is_read_in_a_wider_one_around_the_same_place():
    """A fast swing leaves the region the last landmarks predicted: the body is looked for again in a
    wider region and found, instead of lost until the detector sees it again. A body whose hips lie
    outside the predicted region is somebody else, and not taken."""
    img = np.zeros((960, 720, 3), np.uint8)
    for hip, found in (((360.0, 500.0), True), ((360.0 + 200, 500.0), False)):
        tracker = P.PeopleTracker(_Reader(hip, needs=1.3))  # type: ignore[arg-type]
        tracker.follow = [(Roi(360.0, 500.0, 300.0, 0.3), 0.0, P.Followed(np.zeros(P.LOOK_SIZE, np.float32), 100.0))]  # predicted here, turned a little
        tracker.seen = 1  # not a detection round
        got = tracker.frame(img, 0.125)
        assert bool(got) is found
        if found:
            assert got[0].source == "track" and np.allclose(P.hip_centre(got[0].landmarks), hip)


class _TwoFrames:
    """Stands in for the pose models (our interface): ``first`` frame read by ``start``, every other
    by ``later`` (see _Reader)."""

    def __init__(self, first: np.ndarray, start: _Reader, later: _Reader) -> None:
        self.first, self.start, self.later = first, start, later

    def detect(self, _img: np.ndarray) -> list:
        return []

    def landmarks(self, img: np.ndarray, roi: Roi):
        return (self.start if img is self.first else self.later).landmarks(img, roi)


def test_a_body_followed_back_and_not_read_in_its_predicted_region_is_read_in_a_wider_one():
    """Followed back in time, a body is looked for as the tracker looks for one it lost going
    forward: the region its reading in the later frame predicts reads nobody (the roof clip crushed
    by an encoder, a second in: the hanging climber's region reads no body, a wider one does), so
    it is read in a wider one around the same place, and followed on to the clip's first frame. A
    body there whose hips lie outside the predicted region is a neighbour: following back stops."""
    img, first = np.zeros((960, 720, 3), np.uint8), np.zeros((960, 720, 3), np.uint8)
    for hip, frames in (((360.0, 500.0), [4, 3, 2, 1, 0]), ((360.0 + 200, 500.0), [])):
        # read in its own region in the frame followed from, and in the frames before only in a wider one
        models = _TwoFrames(first, _Reader((360.0, 500.0), needs=1.0), _Reader(hip, needs=1.3))
        got = list(P.follow_back(models, lambda f: first if f == 5 else img, 5,  # type: ignore[arg-type]
                                 Roi(360.0, 500.0, 300.0, 0.0), range(4, -1, -1)))
        assert [f for f, _c in got] == frames
        assert all(c.source == "back" and np.allclose(P.hip_centre(c.landmarks), hip) for _f, c in got)


class _SmallClimber:
    """Stands in for the pose models (our interface): a climber so small that the detector finds them
    only in a crop at most ``sees_in`` pixels wide, and the landmark model reads them only in the
    region the detector gives (centred on their hip, as their own)."""

    def __init__(self, hip: tuple[float, float], sees_in: int) -> None:
        self.hip, self.sees_in, self.crops = np.array(hip), sees_in, []

    def detect(self, img: np.ndarray) -> list:
        from core.analysis.blazepose import Detection

        self.crops.append(img.shape[:2])
        if max(img.shape[:2]) > self.sees_in:
            return []
        # the crop's own coordinates: where in it the hip is (PeopleTracker adds the crop's corner)
        return [Detection(0.9, np.zeros(4), np.array([self.hip - self.offset, self.hip - self.offset - (0, 60), (0, 0), (0, 0)]))]

    def landmarks(self, _img: np.ndarray, roi: Roi):
        from core.analysis.blazepose import Body

        if not np.allclose((roi.cx, roi.cy), self.hip) or abs(roi.angle) > 1e-6:
            return None
        lm = _body(*self.hip, torso=30)
        return Body(lm, 0.9, roi, np.array([self.hip, self.hip - (0, 60)]))


def test_a_small_climber_lost_in_the_predicted_region_is_looked_for_closely_by_the_detector():
    """A climber 30 px long in a 720 px picture under a crowd: their region from the last frame reads
    nobody (a frame the landmark model missed), the wider regions neither, and the detector, shown the
    whole picture, finds them too small to see. Shown the surroundings of the region closely, it
    finds them, and they go on being followed; someone found there whose hips lie outside the region
    is a neighbour, and not taken."""
    img = np.zeros((720, 1280, 3), np.uint8)
    for hip, found in (((500.0, 250.0), True), ((500.0 + 150, 250.0), False)):
        models = _SmallClimber(hip, sees_in=400)
        r = Roi(480.0, 240.0, 150.0, 0.2)  # predicted about here: turned a little, as the body was
        half = r.size * P.CLOSER / 2
        models.offset = np.array([max(0.0, r.cx - half), max(0.0, r.cy - half)]).astype(int)
        tracker = P.PeopleTracker(models)  # type: ignore[arg-type]
        tracker.follow = [(r, 0.0, P.Followed(np.zeros(P.LOOK_SIZE, np.float32), 30.0))]
        tracker.seen = 1  # not a detection round
        got = [c for c in tracker.frame(img, 0.125) if c.source == "track"]
        assert bool(got) is found, models.crops
        if found:
            assert np.allclose(P.hip_centre(got[0].landmarks), hip)
            assert any(max(c) <= 400 for c in models.crops)  # it was the close look that found them


class _Mistaken:
    """Stands in for the pose models (our interface): shown the whole picture (or anything wider than
    ``sees_in``), the detector takes something the size of the picture for a person, a region
    holding nobody; shown a crop no wider, it finds the small climber (hip at ``hip``; the crop's
    corner at ``corner``), whom the landmark model reads in the region it gives."""

    def __init__(self, hip: tuple[float, float], sees_in: int, corner: tuple[int, int]) -> None:
        self.hip, self.sees_in, self.corner = np.array(hip), sees_in, np.array(corner)

    def detect(self, img: np.ndarray) -> list:
        from core.analysis.blazepose import Detection

        h, w = img.shape[:2]
        if max(h, w) > self.sees_in:
            return [Detection(0.7, np.zeros(4), np.array([(w / 2, h / 2), (w / 2, 0.0), (0, 0), (0, 0)]))]
        at = self.hip - self.corner
        return [Detection(0.9, np.zeros(4), np.array([at, at - (0, 60), (0, 0), (0, 0)]))]

    def landmarks(self, _img: np.ndarray, roi: Roi):
        from core.analysis.blazepose import Body

        if not np.allclose((roi.cx, roi.cy), self.hip) or abs(roi.angle) > 1e-6:
            return None
        return Body(_body(*self.hip, torso=30), 0.9, roi, np.array([self.hip, self.hip - (0, 60)]))


def test_a_small_climber_is_looked_for_closely_where_the_detector_mistook_the_picture_for_a_person():
    """A climber far from the phone, a few pixels high to the detector shown the whole picture: it
    reports something the size of the picture instead (as the roof clip at half size in a frame twice
    as large: a region round the whole clip), and the landmark model finds nobody there. As where the
    detector finds nobody, the regions that move are looked at closely: the climber is found there
    (the clip at half size was followed from 2.0 s, not 6.5 s, its coverage 0.67 -> 1.0)."""
    def frame(dx: int) -> np.ndarray:
        img = np.zeros((720, 1280, 3), np.uint8)
        img[300 + dx:340 + dx, 600:620] = 255  # the climber, moving
        return img

    prev, cur, nxt = frame(-48), frame(0), frame(48)
    (box,) = P.moving_boxes(prev, cur, nxt)
    corner = P._square(box, 1280, 720, 1.4)[:2]
    models = _Mistaken((610.0, 320.0), sees_in=400, corner=corner)
    seen = P.PeopleTracker(models).frame(cur, 0.125, prev, nxt)  # type: ignore[arg-type]
    assert [c.source for c in seen] == ["motion"]
    assert np.allclose(P.hip_centre(seen[0].landmarks), (610.0, 320.0))


class _Regions:
    """Stands in for the pose models (our interface): the landmark model reads, in a region, the body
    given for the region's centre (None: nobody there, or only in a region at least ``wider`` big)."""

    def __init__(self, bodies: dict[tuple[float, float], tuple[np.ndarray, float] | None],
                 wider: tuple[np.ndarray, float] | None = None, detects: list[np.ndarray] = ()) -> None:
        self.bodies, self.wider, self.detects = bodies, wider, list(detects)

    def detect(self, _img: np.ndarray) -> list:
        """The detector's finds: (4, 2) keypoints each (hip centre and body circle point first)."""
        from core.analysis.blazepose import Detection

        return [Detection(0.9, np.zeros(4), k) for k in self.detects]

    def landmarks(self, _img: np.ndarray, roi: Roi):
        from core.analysis.blazepose import Body

        got = self.bodies.get((roi.cx, roi.cy))
        if got is None and roi.size > 300.0 and self.wider is not None:
            got = self.wider
        if got is None:
            return None
        lm, presence = got
        hip = P.hip_centre(lm)
        return Body(lm, presence, roi, np.array([hip, hip - (0, 150)]))


def test_of_two_readings_of_one_body_the_one_like_the_body_followed_read_in_its_own_region_is_kept():
    """Under a roof, a passer-by's followed region drifts onto the climber and the landmark model reads
    a body across both (the climber's head, the crowd's legs): it overlaps the climber's own reading,
    so the two are one person, and the model is surer of the wrong one. The climber's reading is
    kept: it wears what the climber followed there wore, while the other wears the climber's shirt
    and the crowd behind, nothing like the passer-by it followed; and when the other was read in a
    region widened around a body lost, that region reaches the neighbour."""
    img = np.zeros((960, 720, 3), np.uint8)
    img[:, :] = (40, 40, 200)  # the crowd behind: red
    climber = _body(320, 510, torso=60)
    across = _body(300, 520, torso=160)  # the chimera: around the climber, a torso far longer
    assert P.same_body(climber, across)
    cv2.fillConvexPoly(img, np.round(climber[[P.L_SHOULDER, P.R_SHOULDER, P.R_HIP, P.L_HIP], :2]).astype(np.int32),
                       (200, 80, 20))  # the climber's blue shirt
    passer = np.zeros((60, 40, 3), np.uint8)
    passer[:, :] = (20, 200, 220)  # the passer-by's yellow clothes
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    shirt, yellow = P.look(hsv, climber), P.look(cv2.cvtColor(passer, cv2.COLOR_BGR2HSV), _body(20, 50, torso=40))
    assert P.likeness(shirt, P.look(hsv, climber)) > 0.9 and P.likeness(yellow, P.look(hsv, across)) < 0.5
    # (each the size it was: the passer-by's region drifting onto the climber grew a little)
    follow = [(Roi(322.0, 498.0, 297.0, 0.0), 0.0, P.Followed(shirt, 60.0)),
              (Roi(196.0, 499.0, 554.0, 0.0), 0.0, P.Followed(yellow, 130.0))]

    def seen(models) -> list:
        tracker = P.PeopleTracker(models)  # type: ignore[arg-type]
        tracker.follow = list(follow)
        tracker.seen = 1  # not a detection round
        return tracker.frame(img, 0.125)

    both = {(322.0, 498.0): (climber, 0.93), (196.0, 499.0): (across, 1.0)}
    got = seen(_Regions(both))
    assert len(got) == 1 and np.allclose(got[0].landmarks, climber)
    # neither body followed showed its clothes (nothing to tell the readings apart by): the one the
    # landmark model is surer of
    unseen = np.zeros(P.LOOK_SIZE, np.float32)
    follow[0], follow[1] = (follow[0][0], 0.0, P.Followed(unseen, 60.0)), (follow[1][0], 0.0, P.Followed(unseen, 130.0))
    got = seen(_Regions(both))
    assert len(got) == 1 and np.allclose(got[0].landmarks, across)
    # the other body lost in its region and read across both in a wider one: the climber's kept
    # (still nothing to tell them apart by their clothes)
    follow[1] = (Roi(196.0, 499.0, 280.0, 0.0), 0.0, P.Followed(unseen, 130.0))
    got = seen(_Regions({(322.0, 498.0): (climber, 0.93)}, wider=(across, 1.0)))
    assert len(got) == 1 and np.allclose(got[0].landmarks, climber)


def test_a_reading_that_shrinks_the_body_followed_to_a_third_loses_to_one_that_keeps_its_size():
    """A camera following a climber up the wall (the fixed clip, filmed tilting up with them): at a
    detection round the detector gives a region around the head and raised arms, and the landmark
    model reads a whole body into it (a torso 47 px long where the climber's is 160), surer of it
    (1.00) than of the climber read in their own followed region (0.99). It is the same body, and
    bodies do not shrink to a third between two frames: the reading that keeps the size is kept,
    and followed on. Without a body followed to measure against, the surer one is kept."""
    img = np.zeros((640, 960, 3), np.uint8)
    climber = _body(300, 500, torso=160)
    collapsed = climber.copy()
    collapsed[[P.L_HIP, P.R_HIP], 1] = 340 + 47  # the hips read just below the shoulders
    collapsed[[P.L_KNEE, P.R_KNEE, P.L_ANKLE, P.R_ANKLE], 1] = 340 + 80
    assert P.same_body(climber, collapsed) and round(P.torso_length(collapsed)) == 47
    head = np.array([[310.0, 300.0], [310.0, 200.0], [0, 0], [0, 0]])  # the detector's region: head and arms
    followed = Roi(300.0, 490.0, 640.0, 0.0)
    models = _Regions({(300.0, 490.0): (climber, 0.99), (310.0, 300.0): (collapsed, 1.0)}, detects=[head])

    def round_of(was: P.Followed | None) -> list:
        tracker = P.PeopleTracker(models)  # type: ignore[arg-type]
        tracker.follow = [(followed, 0.0, was)] if was is not None else []
        tracker.seen = P.DETECT_EVERY  # a detection round
        return tracker.frame(img, 0.125)

    got = round_of(P.Followed(np.zeros(P.LOOK_SIZE, np.float32), 162.0))
    assert len(got) == 1 and np.allclose(got[0].landmarks, climber) and got[0].source == "track"
    got = round_of(None)  # nobody followed yet: the detector's region only, the surer reading
    assert len(got) == 1 and np.allclose(got[0].landmarks, collapsed)


def test_a_tracklet_filling_a_hole_inside_another_is_measured_against_its_edges():
    """A tracklet may skip a few frames (a misread body it did not take, the skeleton collapsed to
    18 px in a dark roof clip) and go on: the tracklet of those frames lies inside its span, and is
    as near to it as the frames either side, so the two can be one person."""
    from core.analysis.people import _nearest_end

    t = np.arange(0, 4, 0.125)
    seen: list[list[P.Candidate]] = [[P.Candidate(_body(300 + 5 * i, 600), np.zeros(4), 0.9, _look(2), "track")]
                                     for i in range(len(t))]
    people = People.from_frames(seen)
    hips = np.array([P.hip_centre(lm) for lm in people.landmarks])
    torsos = np.array([P.torso_length(lm) for lm in people.landmarks])
    hole = [k for k in range(len(t)) if 16 <= people.frame[k] <= 21]
    around = [k for k in range(len(t)) if k not in hole]
    gap, d = _nearest_end(people, t, hips, torsos, [around], hole)
    assert gap == pytest.approx(0.125) and d < 0.1


def test_people_keep_one_identity_and_a_passer_by_is_someone_else():
    """A climber seen for 4 s with a 1.5 s gap (hidden behind a volume) stays one person; a second
    climber beside them is another; someone in other clothes crossing the frame is a third, even
    when they pass right where the climber was a moment before."""
    t = np.arange(0, 6, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i, ti in enumerate(t):
        if not 2.0 <= ti < 3.5:  # the climber, hidden for 1.5 s, then further up
            seen[i].append(P.Candidate(_body(300, 600 - 20 * ti), np.zeros(4), 0.9, _look(2), "track"))
        seen[i].append(P.Candidate(_body(700, 600), np.zeros(4), 0.9, _look(7), "track"))  # beside
        if 2.0 <= ti < 3.0:  # a passer-by in other clothes walks across where the climber hung
            seen[i].append(P.Candidate(_body(100 + 400 * (ti - 2.0), 560), np.zeros(4), 0.9, _look(10), "detect"))
    people = link(People.from_frames(seen), t)
    assert people.count == 3
    for i in range(len(t)):  # two people in one frame never share a number
        ids = people.person[people.frame == i].tolist()
        assert len(set(ids)) == len(ids) == len(seen[i])
    tracked = np.array(people.source) == "track"
    xs = np.array([P.hip_centre(lm)[0] for lm in people.landmarks])
    assert set(people.person[tracked & (np.abs(xs - 300) < 1)].tolist()) == {1}  # the climber, across the gap
    assert set(people.person[tracked & (np.abs(xs - 700) < 1)].tolist()) == {2}  # the one beside
    assert set(people.person[~tracked].tolist()) == {3}  # the passer-by


@pytest.mark.parametrize("then_looks, then_size, climbers", [(2, 100.0, True), (10, 100.0, False), (2, 200.0, False)])
def test_a_region_that_slides_off_a_bystander_onto_the_climber_leaves_the_climber_their_own(then_looks, then_size,
                                                                                           climbers):
    """The climber hangs at (500, 400) from the start; a bystander is found at (100, 600) at 1 s and
    their followed region slides towards the climber (readings across both, drifting right), and
    from 2 s only that reading is left, nearer the slide's end than the climber's last reading for
    longer than a tracklet waits, then on the climber. The readings there look like the climber (2):
    they are the climber's, who is then seen from the start; the slide is someone else's. Where
    they look like the bystander (10), or keep the sliding body's size (twice the climber's: a
    shaken picture carrying someone else across where the climber was), that one went there after
    the climber was lost: as followed, nothing changed."""
    t = np.arange(0, 5, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i, ti in enumerate(t):
        if ti < 2.0:
            seen[i].append(P.Candidate(_body(500, 400), np.zeros(4), 0.9, _look(2), "track"))
        if 1.0 <= ti < 2.0:  # the bystander's region, sliding towards the climber: read across both
            # (a body twice as large), wearing more of the climber's colours the further it slides
            w = max(0.0, (ti - 1.25) / 0.125) / 10
            seen[i].append(P.Candidate(_body(100 + 400 * w, 600 - 200 * w, 200.0), np.zeros(4), 0.9,
                                       (1 - w) * _look(10) + w * _look(2), "track"))
        if ti >= 2.0:  # only one reading left, across both for a while (nearer where the slide ended,
            # for its size, than the climber's last reading), then on the climber
            x, y, size = {2.0: (340, 480, 200.0)}.get(float(ti), (430, 435, 200.0) if ti < 3.25 else (490, 405, then_size))
            seen[i].append(P.Candidate(_body(x, y, size), np.zeros(4), 0.9, _look(then_looks), "track"))
    people = link(People.from_frames(seen), t)
    first = int(people.person[np.flatnonzero(people.frame == 0)[0]])
    later = set(people.person[people.frame >= 16].tolist())
    slid = set(people.person[(people.frame >= 8) & (people.frame < 16) & (np.array([P.hip_centre(lm)[0] for lm in
                                                                                        people.landmarks]) < 480)].tolist())
    assert people.count == 2 and len(slid) == 1
    if climbers:
        assert later == {first} and slid != {first}
    else:
        assert later == slid != {first}


def test_someone_seen_far_longer_than_the_person_chosen_flags_the_choice():
    """The tight, paired, turned roof copy at 1920 px: the one "on the wall longest" is someone seen
    for 13 frames of 58 (1.5 s), while a climber hanging under the roof in the turned picture, never
    read as leaving the floor, was seen in 34. Someone else seen in twice as many frames flags the
    choice; not once the climber picked, nor for someone seen about as long, or too briefly to offer."""
    chosen = Person(2, 13, 0.0, 1.52, (0.0, 1.52))
    assert seen_far_longer([Person(1, 34, 0.0, 0.0, None), chosen], 2, "longest on the wall")
    assert not seen_far_longer([Person(1, 34, 0.0, 0.0, None), chosen], 2, "picked")
    assert not seen_far_longer([Person(1, 25, 0.0, 0.0, None), chosen], 2, "longest on the wall")
    assert not seen_far_longer([Person(1, 5, 0.0, 0.0, None), Person(2, 2, 0.0, 0.2, (0.0, 0.2))], 2,
                               "longest on the wall")


def _turned(lm: np.ndarray) -> np.ndarray:
    """The skeleton as a phone turned a quarter (frame-right is up) shows it: (x, y) -> (1000 - y, x)."""
    out = lm.copy()
    out[:, 0], out[:, 1] = 1000 - lm[:, 1], lm[:, 0]
    return out


@pytest.mark.parametrize("bystanders, says", [((), None), ((True,), [-1.0, 0.0]), ((True, True), [-1.0, 0.0]),
                                              ((False,), [0.0, 1.0]), ((True, False), None)])
def test_everyone_else_in_the_picture_says_which_way_is_down_where_they_agree(bystanders, says):
    """The climber (1) and people standing by: each turned a quarter (the phone held sideways) or
    upright. Which way is down for everyone but the climber: theirs where they all say the same,
    nothing where nobody else is seen or they disagree."""
    t = np.arange(0, 3, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i in range(len(t)):
        seen[i].append(P.Candidate(_turned(_body(300, 600 - 10 * i)), np.zeros(4), 0.9, _look(2), "track"))
        for k, turned in enumerate(bystanders):
            body = _body(650 + 150 * k, 300)  # right of the climber either way: numbered after them
            seen[i].append(P.Candidate(_turned(body) if turned else body, np.zeros(4), 0.9, _look(6 + 2 * k), "track"))
    people = link(People.from_frames(seen), t)
    assert people.count == 1 + len(bystanders)
    still = np.repeat(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), len(t), axis=0)
    got = others_down(on_the_wall(people, t, still, 1000, 1000), 1)
    assert (None if got is None else got.tolist()) == says


def test_a_person_found_late_is_followed_back_and_the_misreading_there_is_no_longer_anyone():
    """The climber (person 2) is seen from frame 6 on and again from frame 14 after a gap; before
    frame 6 a body read across them and the crowd was followed as person 1. Followed back from
    frames 6 and 14, the readings are theirs while they look like them (the follower reads frames
    5..2 alike, then someone in other clothes at frame 1: it stops there); person 1's candidates
    that are the same body in those frames are nobody's. Nothing after the last frame is followed."""
    from core.analysis.people import fill_back

    t = np.arange(0, 2.5, 0.125)  # 20 frames
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i in range(20):
        if 6 <= i < 10 or i >= 14:
            seen[i].append(P.Candidate(_body(300, 600 - 5 * i), np.zeros(4), 0.9, _look(2), "track"))
        if i < 6:  # the misreading: hips half a torso off, the legs in the crowd (other colours)
            seen[i].append(P.Candidate(_body(270, 610), np.zeros(4), 0.9, _look(9), "track"))
    people = link(People.from_frames(seen), t)
    assert people.count == 2 and set(people.person[people.frame < 6].tolist()) == {1}
    asked = []

    def follow(start, roi, frames):
        asked.append((start, list(frames)))
        for f in frames:
            yield f, P.Candidate(_body(300, 600 - 5 * f), np.zeros(4), 0.8, _look(2 if f >= 2 else 10), "back")

    assert fill_back(people, 2, follow) == 4 + 4  # frames 5..2 and 13..10
    # the second gap is followed on into the stretch before it, which is the same body (frame 9)
    assert asked == [(6, [5, 4, 3, 2, 1, 0]), (14, [13, 12, 11, 10, 9, 8, 7, 6])]
    theirs = sorted(people.frame[people.person == 2].tolist())
    assert theirs == list(range(2, 20))
    assert sorted(people.frame[people.person == 1].tolist()) == [0, 1]  # where the follower stopped
    assert np.array(people.source)[people.person == 2].tolist().count("back") == 8
    assert len(people.presence) == len(people.look) == len(people.roi) == len(people.landmarks) == len(people.frame)


@pytest.mark.parametrize("unlike, theirs_from", [((4,), 0), ((4, 3), 5), ((), 0)])
def test_one_frame_that_does_not_look_like_the_climber_followed_back_does_not_stop_following(unlike, theirs_from):
    """The roof clip with the climber far away (40% of the picture): followed back from where the
    tracker found them, the climber's few hundred pixels of colour look like the crowd behind them
    in one frame (likeness 0.53), between frames that look like them, and following back stopped
    there, leaving the first two seconds to a body read across the crowd. One frame unlike them
    between two alike is theirs; two running unlike them are someone else: it stops before them."""
    from core.analysis.people import fill_back

    t = np.arange(0, 2.5, 0.125)  # 20 frames
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i in range(8, 20):
        seen[i].append(P.Candidate(_body(300, 600 - 5 * i), np.zeros(4), 0.9, _look(2), "track"))
    people = link(People.from_frames(seen), t)

    def follow(start, roi, frames):
        for f in frames:
            yield f, P.Candidate(_body(300, 600 - 5 * f), np.zeros(4), 0.8, _look(10 if f in unlike else 2), "back")

    fill_back(people, 1, follow)
    assert sorted(people.frame[people.person == 1].tolist()) == list(range(theirs_from, 20))


def _one_chain_across_a_gap(torso_before: Callable[[int], float]) -> People:
    """The tracker's one chain over 20 frames: before a gap at frame 6, a body of torso
    ``torso_before(frame)`` (the climber's is 100) a little off the climber's place; after it, the
    climber."""
    t = np.arange(0, 2.5, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i in range(20):
        if i < 6:
            seen[i].append(P.Candidate(_body(330, 640, torso=torso_before(i)), np.zeros(4), 0.9, _look(2), "track"))
        elif i > 6:
            seen[i].append(P.Candidate(_body(300, 600 - 5 * i), np.zeros(4), 0.9, _look(2), "track"))
    people = People.from_frames(seen)
    people.person[:] = 1
    return people


@pytest.mark.parametrize("before, back, replaced", [(250.0, 100.0, [2, 3, 4, 5]), (140.0, 100.0, []), (100.0, 40.0, [])])
def test_a_body_of_another_size_the_tracker_followed_before_a_gap_is_replaced_by_the_climber_followed_back(before, back, replaced):
    """The roof clip crushed by an encoder: for its first second the tracker followed a body read
    across the climber and the crowd (a torso 2.5 times the climber's), then after a frame where
    nobody was read, the climber; one chain of one person. Followed back from after the gap, the
    climber is read in each frame before it, keeping the size they have after it, until the
    follower stops (frame 1, other clothes): the tracker's readings there, 2.5 times as large, are
    replaced and no one's, and so is the rest of that body (frames 0 and 1), where nobody is read
    instead. A body read 1.4 times as large (a torso seen from another angle) is as likely the
    climber: kept. And where the follower reads a collapsed body (the darker roof copy: a torso
    0.4 times the climber's), the tracker's readings before the gap are kept."""
    from core.analysis.people import fill_back

    people = _one_chain_across_a_gap(lambda i: before)

    def follow(start, roi, frames):
        for f in frames:
            yield f, P.Candidate(_body(300, 600 - 5 * f, torso=back), np.zeros(4), 0.8, _look(2 if f >= 2 else 10), "back")

    assert fill_back(people, 1, follow) == 1 + len(replaced)
    src = np.array(people.source)
    assert sorted(people.frame[(people.person == 1) & (src == "back")].tolist()) == [*replaced, 6]
    dropped = [0, 1, *replaced] if replaced else []
    assert sorted(people.frame[people.person == 0].tolist()) == dropped
    theirs = sorted(people.frame[people.person == 1].tolist())
    assert theirs == [f for f in range(20) if f not in dropped or f in replaced]  # one reading a frame


def test_a_tracker_reading_off_the_climbers_size_where_the_one_followed_back_keeps_it_is_replaced():
    """The roof climber far from the phone: before the gap, the tracker's body across the crowd is
    up to three times the climber's size, and in one frame 1.8 times (here the last before the
    gap); the climber followed back keeps their size. Of the two, the one that keeps the size is
    the climber's, as going forward: the body across the crowd is replaced, to the clip's first
    frame, not left from the frame where it strays less than twice."""
    from core.analysis.people import fill_back

    people = _one_chain_across_a_gap(lambda i: 180.0 if i == 5 else 300.0)

    def follow(start, roi, frames):
        for f in frames:
            yield f, P.Candidate(_body(300, 600 - 5 * f), np.zeros(4), 0.8, _look(2), "back")

    assert fill_back(people, 1, follow) == 7
    src = np.array(people.source)
    assert sorted(people.frame[(people.person == 1) & (src == "back")].tolist()) == list(range(7))
    assert sorted(people.frame[people.person == 0].tolist()) == list(range(6))


@pytest.fixture(scope="module")
def roof_two_frames_later(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-held roof clip without its first two frames (re-encoded)."""
    out = tmp_path_factory.mktemp("later") / "roof_two_frames_later.mp4"
    ffmpeg("-i", str(REAL_HANDHELD), "-vf", "trim=start_frame=2,setpts=PTS-STARTPTS", "-an", "-c:v", "libx264",
           "-crf", "16", str(out))
    return out


def test_a_climber_found_late_is_followed_back_to_the_clips_start(roof_two_frames_later: Path, tmp_path: Path):
    """The roof clip two frames later: the detector's region in the first frame stands a body
    across the hanging climber and the crowd behind (the hips on the climber, the legs on a
    bystander's), which the tracker follows until 1.4 s, where it reads the climber. The climber
    was found there, on the wall, and the climb was said to start at 1.4 s (label: 0.0), without
    its first move and the lunge at 1.0 s. Followed back from there, the climber is read in every
    frame from the first; the counts are the clip's own (2 moves, 1 dynamic)."""
    rec = analyze({"analysis_id": "later", "video_ref": str(roof_two_frames_later)},
                  Settings(data_dir=tmp_path, analyzer="offline"))
    m = rec["metrics"]
    assert m["pose_sources"].get("back", 0) >= 5
    assert m["climb_start_s"] <= 1.0 and m["climb_end_s"] >= 6.2
    assert m["pose_coverage"] >= 0.9
    assert 2 <= m["moves"] <= 3 and m["dynos"] == 1


def test_smoothing_removes_jitter_at_rest_and_follows_a_fast_move():
    t = np.arange(0, 4, 0.125)
    rng = np.random.default_rng(1)
    lm = np.stack([_body(300, 600) for _ in t])
    lm[:, :, :2] += rng.normal(0, 3, lm[:, :, :2].shape)  # 3 px of jitter on a 100 px torso
    lm[t >= 2.0, :, 0] += 150  # then a lunge of 1.5 torso lengths
    out = smooth(lm, t)
    rest = t < 1.8
    def jitter(a):
        return np.std(np.diff(a[rest][:, P.L_WRIST, 0]))
    assert jitter(out) < 0.9 * jitter(lm)
    after = np.flatnonzero(t >= 2.0)[2]  # two samples (0.25 s) after the lunge
    assert out[after, P.L_WRIST, 0] > 300 + 0.8 * 150
    # a joint that drops out of sight for one frame does not flicker off and on
    vis = lm.copy()
    vis[10, P.L_ANKLE, 2] = 0.0
    assert smooth(vis, t)[10, P.L_ANKLE, 2] >= 0.5


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    clip = two_climbers(tmp_path_factory.mktemp("two") / "two_climbers.mp4")
    s = Settings(data_dir=tmp_path_factory.mktemp("two-data"), analyzer="offline", pose_processes=2)
    return s, analyze({"analysis_id": "two", "video_ref": str(clip)}, s)


def test_the_climber_on_the_wall_longest_is_analysed_by_default(two):
    _s, rec = two
    people = rec["people"]
    assert people["count"] == 2 and people["how"] == "longest on the wall" and people["certain"] is True
    by = {p["person"]: p for p in people["list"]}
    # numbered left to right; the left climber climbs 1.4-13.4 s, the right one about 4 s
    assert people["chosen"] == 1 and by[1]["on_wall_s"] > 10 and 2 < by[2]["on_wall_s"] < 6
    assert abs(rec["metrics"]["climb_start_s"] - 1.35) <= 1.0 and abs(rec["metrics"]["climb_end_s"] - 13.4) <= 1.0
    boxes = people["overview"]["boxes"]
    assert boxes["1"][2] < 0.5 < boxes["2"][0]  # on the overview image, 1 on the left half, 2 on the right
    assert rec["route_analysis"]["climbed_path"][0]["x"] < 0.5  # the path drawn is the left climber's
    # the other climber, upright, says which way is down (what would confirm a turned picture)
    assert rec["metrics"]["others_down"] == [0.0, 1.0]


def test_picking_another_person_reruns_from_the_stored_poses(two):
    s, first = two
    rec = analyze({"analysis_id": "two", "video_ref": "/nonexistent/video.mp4", "person": 2}, s)
    # the video is not even read again: frames and everyone's poses were kept
    assert rec["metrics"]["timings_s"]["poses_reused"] is True
    assert rec["people"]["chosen"] == 2 and rec["people"]["how"] == "picked"
    assert rec["route_analysis"]["climbed_path"][0]["x"] > 0.5
    assert rec["metrics"]["duration_s"] < first["metrics"]["duration_s"] - 5


def test_two_people_on_the_wall_about_as_long_make_the_choice_unsure():
    from core.analysis.people import Person, choice_is_clear

    a, b = Person(1, 90, 0.0, 10.0, (1.0, 11.0)), Person(2, 80, 0.0, 8.5, (2.0, 10.5))
    assert not choice_is_clear([a, b], 1, "longest on the wall")
    assert choice_is_clear([a, b], 2, "picked")  # the climber said who they are
    assert choice_is_clear([a, Person(2, 80, 0.0, 3.0, (2.0, 5.0))], 1, "longest on the wall")


def test_on_the_wall_counts_only_climbing(two):
    """A person who only stands or walks (no rise, no feet off the floor) has 0 s on the wall."""
    t = np.arange(0, 5, 0.125)
    seen = [[P.Candidate(_body(200 + 10 * ti, 600), np.zeros(4), 0.9, _look(3), "track")] for ti in t]
    people = link(People.from_frames(seen), t)
    persons = on_the_wall(people, t, np.repeat(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), len(t), axis=0), 960, 640)
    assert persons[0].on_wall_s == 0.0 and climber(persons) == 1  # still the only one to analyse


def test_a_person_whose_every_reading_was_the_climber_followed_back_is_nobody():
    """The tracker found the climber a second in; in the first frames it had read their body as
    someone else (person 2: another look, the crowd's colours). Followed back from where they were
    found, those readings are the climber's body and no longer person 2's, who is then seen nowhere:
    the list of people skips them (it stopped the analysis of the roof clip at half size in a frame
    twice as large with an internal error)."""
    from core.analysis.people import fill_back

    t = np.arange(0, 4, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for f in range(8, len(t)):
        seen[f].append(P.Candidate(_body(300, 600), np.array([300, 600, 400, 0], np.float32), 0.9, _look(3), "track"))
    for f in range(2, 6):
        seen[f].append(P.Candidate(_body(302, 601), np.array([300, 600, 400, 0], np.float32), 0.9, _look(9), "detect"))
    people = link(People.from_frames(seen), t)
    climber_no = int(people.person[people.frame == 8][0])
    assert people.count == 2 and int((people.person == 3 - climber_no).sum()) == 4  # (numbered as first seen)

    def follow(start, roi, frames):
        for f in frames:
            yield f, P.Candidate(_body(300, 600), np.array([300, 600, 400, 0], np.float32), 0.9, _look(3), "back")

    assert fill_back(people, climber_no, follow) == 8
    assert not (people.person == 3 - climber_no).any()  # nothing is theirs now
    still = np.repeat(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), len(t), axis=0)
    persons = on_the_wall(people, t, still, 960, 640)
    assert [q.number for q in persons] == [climber_no] and persons[0].frames == len(t)


def test_someone_seen_only_hanging_is_not_time_on_the_wall_and_the_picker_says_what_was_seen():
    """A body never standing (feet beside the hip, not below it) nor rising: hanging on the wall all
    along, or sitting on the floor; the two look alike, so it is no time on the wall for the choice,
    and the picker says how long they were seen so, and that it is one or the other (it said "on the
    wall 0.0 s" of a climber hanging under a roof the whole clip)."""
    from core import api

    t = np.arange(0, 5, 0.125)
    hanging = _body(300, 400)
    hanging[[P.L_KNEE, P.R_KNEE], 1] = 400
    hanging[[P.L_KNEE, P.R_KNEE], 0] = 240, 360
    hanging[[P.L_ANKLE, P.R_ANKLE], 1] = 390
    hanging[[P.L_ANKLE, P.R_ANKLE], 0] = 190, 410
    seen = [[P.Candidate(hanging.copy(), np.zeros(4), 0.9, _look(3), "track")] for _ti in t]
    people = link(People.from_frames(seen), t)
    persons = on_the_wall(people, t, np.repeat(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), len(t), axis=0), 960, 640)
    assert persons[0].on_wall_s == 0.0 and persons[0].hanging_s == pytest.approx(t[-1])
    listed = persons[0].to_dict()
    assert api.person_label(listed) == "Person 1 · hanging or sitting 4.9 s"
    assert api.person_label({**listed, "on_wall_s": 3.25, "hanging_s": 0.0}) == "Person 1 · on the wall 3.2 s"
    # a record made before hanging was told apart claims nothing of them
    before = {k: v for k, v in listed.items() if k != "hanging_s"}
    assert api.person_label(before) == "Person 1"
    assert api.person_label({**before, "on_wall_s": 3.25}) == "Person 1 · on the wall 3.2 s"
    api.use_language("de")
    try:
        assert api.person_label(listed) == "Person 1 · hängend oder sitzend 4,9 s"
    finally:
        api.use_language("en")


def test_the_climber_is_never_the_bystander_walking_past(tmp_path_factory: pytest.TempPathFactory):
    """The hand-held clip: a person in ochre trousers walks across the left of the frame in the first
    1.3 s. The skeleton stays on the climber under the roof: no joint of it on the passer-by."""
    s = Settings(data_dir=tmp_path_factory.mktemp("bystander"), analyzer="offline", pose_processes=2)
    analyze({"analysis_id": "hh", "video_ref": str(REAL_HANDHELD)}, s)
    lm = np.load(s.work_dir / "hh" / "poses.npz")["landmarks"]
    early = lm[:10]  # 0-1.2 s at 8 fps, frames 540 px wide
    assert not np.isnan(early[:, P.L_HIP, 0]).any()  # the climber is followed all along
    hips = np.array([P.hip_centre(f) for f in early])
    torso = np.nanmedian([P.torso_length(f) for f in early])
    assert (np.linalg.norm(np.diff(hips, axis=0), axis=1) < 0.75 * torso).all()  # no leap to another body
    # the passer-by's legs are left of x = 200 px; MediaPipe's single-person tracker drew the
    # climber's wrist and ankle there (x 70-154 px) at 0.2-1.0 s
    seen = early[:, :, 2] >= 0.5
    assert early[:, :, 0][seen].min() >= 200, early[:, :, 0][seen].min()


@pytest.fixture(scope="module")
def two_clip(tmp_path_factory: pytest.TempPathFactory):
    return two_climbers(tmp_path_factory.mktemp("two-clip") / "two_climbers.mp4")


def test_the_results_page_offers_the_others_and_a_pick_reanalyses_from_stored_poses(two_clip):
    """The climber sees everyone numbered, picks person 2, and the analysis runs again for them
    without tracking anyone again; a stranger cannot pick."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from core import api
    from core.config import reset_settings
    from core.errors import PipelineError
    from core.jobs import Jobs
    from tests.accounts import make_user, session_for
    from tests.conftest import fast_settings

    reset_settings()
    s = fast_settings()
    pia = make_user("pia@test.example")
    jobs = Jobs(s)
    aid = jobs.submit_ref(str(two_clip), {"climber": "Pia", "route_name": "Twins", "owner_id": pia.id})
    jobs.complete(aid, "t", analyze(jobs.claim("t", aid), s))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=90)
    at.session_state["session_token"] = session_for(pia)
    at.run()
    at.switch_page("pages/results.py")
    at.query_params["id"] = aid
    at.run()
    assert not at.exception
    assert any("We saw 2 people in this video and analysed person 1" in i.value for i in at.info)
    at.selectbox(key="person-pick").set_value(2)
    at.button(key="person-go").click()
    at.run()
    assert not at.exception
    job = jobs.get(aid)
    assert job["status"] == "queued" and job["person"] == 2 and job["started_at"] is None  # timed from its own start
    assert [e["detail"] for e in api.events(aid)][-1] == "analyse person 2"
    with pytest.raises(PipelineError):
        api.pick_person(aid, make_user("ben@test.example"), 1)  # not theirs: as if it did not exist
    claimed = jobs.claim("t", aid)
    assert claimed["person"] == 2
    rec = analyze(claimed, s)
    assert rec["people"]["chosen"] == 2 and rec["metrics"]["timings_s"]["poses_reused"] is True
    assert jobs.complete(aid, "t", rec) and api.get(aid, pia)["people"]["chosen"] == 2
    # the same pick through the HTTP API with a personal token: back to person 1
    from core import http
    from core.accounts import Accounts
    from tests.accounts import call_api

    token = Accounts().issue_api_token(pia)
    path = f"/api/analyses/{aid}/person"
    assert call_api(http.get_one, f"/api/analyses/{aid}", token, aid=aid)[1]["people"]["chosen"] == 2
    assert call_api(http.pick, path, token, {"person": 7}, aid=aid)[0] == 409  # nobody of that number
    assert call_api(http.pick, path, token, {"person": "1"}, aid=aid)[0] == 400
    assert call_api(http.pick, path, Accounts().issue_api_token(make_user("ben@test.example")), {"person": 1},
                    aid=aid)[0] == 404  # not theirs: as if it did not exist
    assert call_api(http.pick, path, token, {"person": 1}, aid=aid) == (200, {"analysis_id": aid, "status": "queued",
                                                                              "person": 1})
    assert jobs.get(aid)["status"] == "queued" and jobs.get(aid)["person"] == 1
    busy = call_api(http.pick, path, token, {"person": 2}, aid=aid)  # already queued: one at a time
    assert busy[0] == 409 and "once this analysis has finished" in busy[1]["message"]
    assert jobs.complete(aid, "t", analyze(jobs.claim("t", aid), s))
    assert api.get(aid, pia)["people"]["chosen"] == 1
    # once the video is gone (no consent, retention), nobody else can be analysed: said, not offered
    jobs.mark_video_purged(aid)
    assert not api.can_pick(api.get(aid, pia))
    with pytest.raises(PipelineError) as e:
        api.pick_person(aid, pia, 1)
    assert "no longer kept" in e.value.user_message and jobs.get(aid)["status"] == "completed"
    at.run()
    assert not at.exception and not [b for b in at.button if b.key == "person-go"]


def test_a_pick_where_the_work_dir_is_gone_decodes_again_but_tracks_nobody_again(two, two_clip):
    """A pick runs on whichever worker claims it (Celery), or after the work dir was cleaned up:
    everyone's poses come from the store, the frames from the video; nobody is tracked again."""
    import shutil

    s, _first = two
    analyze({"analysis_id": "elsewhere", "video_ref": str(two_clip)}, s)
    shutil.rmtree(s.work_dir / "elsewhere")
    rec = analyze({"analysis_id": "elsewhere", "video_ref": str(two_clip), "person": 2}, s)
    assert rec["metrics"]["timings_s"]["poses_reused"] is True and rec["metrics"]["timings_s"]["frames_reused"] is False
    assert rec["people"]["chosen"] == 2 and rec["route_analysis"]["climbed_path"][0]["x"] > 0.5


def test_across_a_cut_to_a_view_not_placed_on_the_wall_people_are_told_apart_by_their_look():
    """Two climbers side by side; at frame 16 the clip cuts to a closer camera that was never found
    on the wall's view: each is 1.5 times as large and elsewhere in the picture (the one in red now
    where nobody was). Across the cut, where someone was says nothing: each goes on as the one who
    looks like them; the same frames read without the cut are four people."""
    t = np.arange(0, 4, 0.125)
    seen: list[list[P.Candidate]] = [[] for _ in t]
    for i in range(len(t)):
        before = i < 16
        for x, hue in ((300, 2), (700, 7)):
            at = (x, 600) if before else (1200 - 1.5 * x, 900)
            seen[i].append(P.Candidate(_body(*at, torso=100 if before else 150), np.zeros(4), 0.9, _look(hue), "track"))
    hues = np.array([int(np.argmax(c.look)) for cs in seen for c in cs])
    assert link(People.from_frames(seen), t).count == 4
    people = link(People.from_frames(seen), t, cuts=[16])
    assert people.count == 2
    for p in (1, 2):  # each keeps their look across the cut
        assert len(set(hues[people.person == p].tolist())) == 1
        assert np.ptp(people.frame[people.person == p]) == len(t) - 1
