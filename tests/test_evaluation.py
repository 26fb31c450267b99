"""The evaluation harness: labelled shares, tolerances, and the two honesty counters."""
from __future__ import annotations

import pytest

from core.analysis import technique
from core.ops import evaluation as E

LABEL = {"on_wall_start_s": 1.0, "off_wall_end_s": 11.0, "hand_moves": {"range": [3, 5]}, "dynamic_moves": [4.0],
         "feet_off_wall_intervals": [[4.0, 5.0], [10.5, 12.0]]}


def record(start: float, end: float, *, moves: int = 4, dynos: int = 1, feet_off: float | None = 0.15,
           coverage: float = 0.95, confidence: float = 0.9, low: bool = False) -> dict:
    return {"confidence": confidence, "low_confidence": low,
            "metrics": {"climb_start_s": start, "climb_end_s": end, "moves": moves, "dynos": dynos,
                        "feet_off_share": feet_off, "pose_coverage": coverage}}


def test_labelled_feet_off_share_is_clipped_to_the_labelled_window():
    assert E.labelled_feet_off_share(LABEL) == pytest.approx((1.0 + 0.5) / 10.0)


def test_a_slowed_copys_labels_are_as_late_and_its_shares_the_same():
    slow = E.stretched(LABEL, 1.5)
    assert (slow["on_wall_start_s"], slow["off_wall_end_s"], slow["dynamic_moves"]) == (1.5, 16.5, [6.0])
    assert slow["feet_off_wall_intervals"] == [[6.0, 7.5], [15.75, 18.0]] and slow["hand_moves"] == LABEL["hand_moves"]
    assert E.labelled_feet_off_share(slow) == pytest.approx(E.labelled_feet_off_share(LABEL))
    assert LABEL["on_wall_start_s"] == 1.0 and E.stretched(LABEL, 1.0) is LABEL  # the original untouched


def test_a_right_record_is_within_every_tolerance():
    r = E.judge("c", record(1.9, 10.1), LABEL)
    assert r.within == dict.fromkeys(E.MEASURES, True)
    assert not r.confidently_wrong and not r.needlessly_unsure


def test_each_measure_can_fall_outside():
    r = E.judge("c", record(2.2, 10.1, moves=6, dynos=0, feet_off=0.31, coverage=0.85), LABEL)
    assert r.within == dict.fromkeys(E.MEASURES, False)
    assert E.judge("c", record(1.0, 11.0, feet_off=None), LABEL).within["feet_off"] is False  # not assessed


def test_each_re_reading_of_the_pose_is_judged_as_the_reading_shown_is():
    """The record keeps the measures of every re-reading of the pose (technique.reread): each is
    judged by the same tolerances, so the table says which measures some readings put outside."""
    rec = record(1.9, 10.1)
    rec["metrics"]["reread"] = {"climb_start_s": [1.9, 2.2, 1.5], "climb_end_s": [10.1, 10.1, 10.1], "moves": [4, 4, 6],
                                "dynos": [1, 1, 1], "feet_off_share": [0.15, 0.15, None], "pose_coverage": [0.95] * 3}
    r = E.judge("c", rec, LABEL)
    assert r.within == dict.fromkeys(E.MEASURES, True)  # the reading shown
    assert r.held == {"window": (2, 3), "moves": (2, 3), "dynos": (3, 3), "feet_off": (2, 3), "coverage": (3, 3)}
    text = E.table([r, E.judge("d", record(1.9, 10.1), LABEL)])
    assert "window 2/3, moves 2/3, feet_off 2/3" in text  # the measures on an edge, in the clip's row
    assert E.held_line([r]) == "within tolerance when the pose is read again: window 2/3, moves 2/3, dynos 3/3, feet_off 2/3, coverage 3/3"
    assert text.splitlines()[-2] == E.held_line([r])  # (a record without re-readings adds none)
    assert text.splitlines()[-1] == E.summary_line([r, E.judge("d", record(1.9, 10.1), LABEL)])
    rec["metrics"]["reread"].update(climb_start_s=[1.9] * 3, moves=[4] * 3, feet_off_share=[0.15] * 3)
    assert "all 3" in E.table([E.judge("c", rec, LABEL)])
    assert set(E.JUDGED.values()) == set(technique.JUDGED)  # the record keeps what is judged


def test_confidently_wrong_and_needlessly_unsure():
    wrong = E.judge("c", record(8.0, 14.0, confidence=0.95), LABEL)
    assert wrong.confidently_wrong
    assert not E.judge("c", record(8.0, 14.0, confidence=0.95, low=True), LABEL).confidently_wrong  # flagged
    unsure = E.judge("c", record(1.2, 10.8, confidence=0.5), LABEL)
    assert unsure.needlessly_unsure and not unsure.confidently_wrong


def test_the_table_shows_when_each_dynamic_move_was_beside_the_labels_moments():
    """The count is what is judged; the moment is what the Dynamics card plays, so the table shows
    both (a cut loose counted right but read a second late shows there)."""
    rec = record(1.0, 11.0)
    rec["metrics"]["dynamic_moves_at"] = [5.12]
    row = next(line for line in E.table([E.judge("clip.mp4", rec, LABEL)]).splitlines() if line.startswith("clip.mp4"))
    assert "5.1 (4.0)" in row
    assert "none (4.0)" in E.table([E.judge("clip.mp4", record(1.0, 11.0, dynos=0) | {"metrics": {
        **record(1.0, 11.0, dynos=0)["metrics"], "dynamic_moves_at": []}}, LABEL)])


def test_a_failed_analysis_counts_as_outside_and_the_summary_line_has_the_agreed_form():
    results = [E.judge("a", record(1.0, 11.0), LABEL), E.judge("b", None, LABEL, "NO_CLIMBER_DETECTED")]
    line = E.summary_line(results)
    assert line == ("within tolerance: window 1/2, moves 1/2, dynos 1/2, feet_off 1/2, coverage 1/2; "
                    "confidently wrong 0; needlessly unsure 0")
    assert "NO_CLIMBER_DETECTED" in E.table(results)


def test_altered_copies_carry_the_originals_labels_and_are_remade_when_their_filter_changes(
        short_climb, tmp_path, monkeypatch):
    import json

    import cv2

    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({short_climb.name: LABEL, "missing.mp4": LABEL}))
    monkeypatch.setattr(E, "VARIANTS", {"mirror": "hflip"})
    out = tmp_path / "copies"
    made = json.loads(E.make_variants(labels, short_climb.parent, out).read_text())
    copy = out / f"mirror.{short_climb.stem}.mp4"
    assert made == {copy.name: LABEL}  # a labelled clip that is not there makes no copy
    a, b = cv2.VideoCapture(str(short_climb)), cv2.VideoCapture(str(copy))
    fa, fb = a.read()[1], b.read()[1]
    assert fb.shape == fa.shape  # mirrored: the copy flipped back is the original, and it is not as it is
    assert abs(fb[:, ::-1].astype(int) - fa.astype(int)).mean() * 3 < abs(fb.astype(int) - fa.astype(int)).mean()
    first = copy.stat().st_mtime_ns
    E.make_variants(labels, short_climb.parent, out)
    assert copy.stat().st_mtime_ns == first  # the same filter: reused
    monkeypatch.setattr(E, "VARIANTS", {"mirror": "hflip,vflip"})
    E.make_variants(labels, short_climb.parent, out)
    assert copy.stat().st_mtime_ns != first  # another filter under the same name: made again
    size, second = copy.stat().st_size, copy.stat().st_mtime_ns
    monkeypatch.setattr(E, "ENCODE", {"mirror": ["-c:v", "libx264", "-crf", "45"]})
    E.make_variants(labels, short_climb.parent, out)
    assert copy.stat().st_mtime_ns != second and copy.stat().st_size < size  # other encoder settings: made again, with them


def test_kept_poses_are_reused_by_the_next_run_and_a_clip_made_again_differently_is_tracked_afresh(short_climb, tmp_path):
    """``--keep DIR``: the second run re-scores from the poses of the first (nobody tracked again),
    with the same result; a clip of the same name but other content is analysed as a new clip."""
    import json
    import shutil

    from tests.media import ffmpeg

    videos = tmp_path / "videos"
    videos.mkdir()
    shutil.copy(short_climb, videos / "c.mp4")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"c.mp4": LABEL}))
    keep = tmp_path / "keep"
    first = E.evaluate(labels, videos, keep=keep)
    poses = list(keep.glob("work/eval_*/people.npz"))
    assert len(poses) == 1
    stamp = poses[0].stat().st_mtime_ns
    again = E.evaluate(labels, videos, keep=keep)
    assert [r.values for r in again] == [r.values for r in first]
    assert poses[0].stat().st_mtime_ns == stamp  # read, not written: nobody tracked again
    ffmpeg("-i", str(short_climb), "-vf", "hflip", "-an", str(videos / "c.mp4"))  # another clip, same name
    E.evaluate(labels, videos, keep=keep)
    assert len(list(keep.glob("work/eval_*/people.npz"))) == 2


def test_a_copy_played_faster_or_later_carries_its_labels_times_along():
    fast = E.stretched(LABEL, 0.5)
    assert (fast["on_wall_start_s"], fast["off_wall_end_s"], fast["dynamic_moves"]) == (0.5, 5.5, [2.0])
    assert E.labelled_feet_off_share(fast) == pytest.approx(E.labelled_feet_off_share(LABEL))
    later = E.stretched(LABEL, 1.0, 8.0)
    assert (later["on_wall_start_s"], later["off_wall_end_s"], later["feet_off_wall_intervals"][0]) == (9.0, 19.0, [12.0, 13.0])
    on_wall = E.stretched(dict(LABEL, on_wall_start_s=0.0), 1.0, 8.0)
    assert on_wall["on_wall_start_s"] == 0.0 and on_wall["off_wall_end_s"] == 19.0  # on the wall from the first frame still


def test_every_probe_is_made_by_ffmpeg_with_its_labels(short_climb, tmp_path):
    """The harder copies (``make eval-probes``, outside CI) are made from any clip: each filter is one
    ffmpeg accepts, and each copy carries its labels, moved where the copy moves them. (Made from
    a second of the short climb at a quarter of its pixels: what is tested is the filters and the
    labels, and two dozen full copies took 42 s of the suite.)"""
    import json

    from tests.media import ffmpeg

    (tmp_path / "clip").mkdir()
    clip = tmp_path / "clip" / short_climb.name
    ffmpeg("-t", "1", "-i", str(short_climb), "-vf", "scale=270:360", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(clip))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({clip.name: LABEL}))
    made = json.loads(E.make_variants(labels, clip.parent, tmp_path / "probes", E.PROBES).read_text())
    # a copy made for named clips only (the camera following a climb up the picture) is not made of others
    assert set(made) == {f"{name}.{clip.stem}.mp4" for name, vf in E.PROBES.items() if isinstance(vf, str)}
    for name, vf in E.PROBES.items():
        if not isinstance(vf, str) and name not in E.CUTS:  # ... and ffmpeg accepts its filter
            (one,) = vf.values()
            again = json.loads(E.make_variants(labels, clip.parent, tmp_path / "named", {name: {clip.name: one}}).read_text())
            assert set(again) == {f"{name}.{clip.stem}.mp4"}
            assert (tmp_path / "named" / f"{name}.{clip.stem}.mp4").stat().st_size > 1000
    assert all((tmp_path / "probes" / name).stat().st_size > 1000 for name in made)
    assert made[f"fast2.{clip.stem}.mp4"]["off_wall_end_s"] == 5.5
    assert made[f"speedcast.{clip.stem}.mp4"]["off_wall_end_s"] == round(11.0 / 1.5, 3)  # a speed climb: faster
    assert made[f"wait8.{clip.stem}.mp4"]["on_wall_start_s"] == 9.0
    assert made[f"cw.{clip.stem}.mp4"] == LABEL


def test_a_copy_cut_short_keeps_the_labels_of_what_remains():
    """A phone started late or stopped early: the times move with the cut, what is cut off is gone
    (a labelled hand move off both ends of the range), a climber on the wall at either edge is there."""
    label = dict(LABEL, video={"duration_s": 12.0}, hand_moves={"count": 3, "range": [3, 5], "times_s": [2.0, 5.0, 8.0]})
    late = E.cut(label, 4.5)
    assert (late["on_wall_start_s"], late["off_wall_end_s"], late["video"]["duration_s"]) == (0.0, 6.5, 7.5)
    assert late["hand_moves"] == {"count": 2, "range": [2, 4], "times_s": [0.5, 3.5]}
    assert late["dynamic_moves"] == [] and late["feet_off_wall_intervals"] == [[0.0, 0.5], [6.0, 7.5]]
    stopped = E.cut(label, 0.0, 8.0)
    assert (stopped["on_wall_start_s"], stopped["off_wall_end_s"], stopped["outcome"]) == (1.0, 8.0, "still_on_wall_at_end")
    assert stopped["hand_moves"]["range"] == [3, 5] and stopped["hand_moves"]["times_s"] == [2.0, 5.0, 8.0]
    assert stopped["dynamic_moves"] == [4.0] and stopped["feet_off_wall_intervals"] == [[4.0, 5.0]]
    assert E.labelled_feet_off_share(stopped) == pytest.approx(1.0 / 7.0)
    assert label["off_wall_end_s"] == 11.0 and label["hand_moves"]["range"] == [3, 5]  # the original untouched


def test_the_cut_probes_are_cut_by_ffmpeg_as_their_labels_say(short_climb, tmp_path, monkeypatch):
    """The late and stopped probes (``make eval-probes``): each copy is as long as its cut, and its
    labels are cut alike. (Cut here from a second of the short climb, at its own times.)"""
    import json

    from core.media.probe import probe
    from tests.media import ffmpeg

    (tmp_path / "clip").mkdir()
    clip = tmp_path / "clip" / short_climb.name
    ffmpeg("-t", "1", "-i", str(short_climb), "-vf", "scale=270:360", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(clip))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({clip.name: dict(LABEL, on_wall_start_s=0.2, off_wall_end_s=1.0, video={"duration_s": 1.0})}))
    monkeypatch.setitem(E.CUTS, "late", {clip.name: (0.4, None)})
    monkeypatch.setitem(E.CUTS, "stopped", {clip.name: (0.0, 0.6)})
    made = json.loads(E.make_variants(labels, clip.parent, tmp_path / "cut", {
        name: E._trims(E.CUTS[name]) for name in ("late", "stopped")}).read_text())
    late, stopped = made[f"late.{clip.stem}.mp4"], made[f"stopped.{clip.stem}.mp4"]
    assert (late["on_wall_start_s"], late["off_wall_end_s"]) == (0.0, 0.6)
    assert (stopped["on_wall_start_s"], stopped["off_wall_end_s"], stopped["outcome"]) == (0.2, 0.6, "still_on_wall_at_end")
    for name, want in (("late", 0.6), ("stopped", 0.6)):
        assert probe(tmp_path / "cut" / f"{name}.{clip.stem}.mp4").duration_s == pytest.approx(want, abs=0.1)


def test_a_copy_played_backwards_mirrors_its_labels_and_climbs_down():
    """The down-climb probe: the fixed clip played backwards. The climb starts where it ended and ends
    where it started, every moment mirrored; every hand move goes down the wall, which the labelling
    rules do not count. A climber on the wall from the first frame is on it at the last."""
    label = dict(LABEL, video={"duration_s": 12.0}, hand_moves={"count": 3, "range": [3, 5], "times_s": [2.0, 5.0, 8.0]},
                 outcome_note="drops off at 11 s")
    back = E.backwards(label, 12.0)
    assert (back["on_wall_start_s"], back["off_wall_end_s"], back["outcome"]) == (1.0, 11.0, "drop_off")
    assert back["hand_moves"]["range"] == [0, 0] and back["hand_moves"]["times_s"] == []
    assert back["dynamic_moves"] == [8.0] and back["feet_off_wall_intervals"] == [[0.0, 1.5], [7.0, 8.0]]
    assert "outcome_note" not in back
    assert E.labelled_feet_off_share(back) == pytest.approx(1.5 / 10.0)
    on_wall = E.backwards(dict(label, on_wall_start_s=0.0), 12.0)
    assert (on_wall["on_wall_start_s"], on_wall["off_wall_end_s"], on_wall["outcome"]) == (1.0, 12.0, "still_on_wall_at_end")
    assert label["hand_moves"]["range"] == [3, 5] and label["off_wall_end_s"] == 11.0  # the original untouched
