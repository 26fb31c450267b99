"""How right the offline analysis is: measured against hand labels, with the labelling rules'
tolerances (tests/data/eval/README.md).

    python -m core eval [LABELS.json] [--videos DIR] [--json]      (make eval: the repo's own set)
    python -m core eval --variants [--json]                        (the same clips, altered; see VARIANTS)
    python -m core eval --probes [--json]                          (altered harder; see PROBES)
    python -m core eval ... --keep DIR                             (poses kept in DIR: a re-run re-scores only)

One row per clip, then two lines, the last of them
``within tolerance: window a/b, moves c/d, dynos e/f, feet_off g/h, coverage i/j; confidently wrong k; needlessly unsure n``.
A clip counts toward a measure only when its label has that field; an analysis that failed, or a
measure the analysis declined to give ("not assessed"), counts as outside the tolerance.

The line before it judges the same way the analysis' re-readings of each clip's pose (sampled a
moment earlier or later, every landmark moved by its own jitter: technique.reread; the record keeps
their measures): a measure within tolerance in all of them is not on the edge of it, and one within
it in few is right by a margin another reading (another phone, another CPU's arithmetic in the
pose model) may not keep. The re-readings add noise, so this errs low.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from core.config import ROOT, Settings
from core.errors import PipelineError
from core.media.probe import probe
from core.pipeline import analyze
from core.pipeline.ingest import file_sha256

DEFAULT_LABELS = ROOT / "tests" / "data" / "eval" / "labels.json"
DEFAULT_VIDEOS = ROOT / "tests" / "data" / "videos"
#: Tolerances of the labelling rules.
WINDOW_TOL_S = 1.0
FEET_OFF_TOL = 0.15
COVERAGE_MIN = 0.9
#: "Confidently wrong": a window overlapping the truth by less than this, said with at least this confidence.
WRONG_IOU = 0.5
SURE = 0.7
MEASURES = ("window", "moves", "dynos", "feet_off", "coverage")
#: What is judged of a record's metrics (and of each of its re-readings), by the name judged here.
JUDGED = {"start": "climb_start_s", "end": "climb_end_s", "moves": "moves", "dynos": "dynos",
          "feet_off": "feet_off_share", "coverage": "pose_coverage"}


@dataclass
class ClipResult:
    clip: str
    status: str  # completed | the error code
    values: dict[str, Any] = field(default_factory=dict)  # what the analysis said
    truth: dict[str, Any] = field(default_factory=dict)  # what the label says
    within: dict[str, bool] = field(default_factory=dict)  # per measure the label has
    confidently_wrong: bool = False
    needlessly_unsure: bool = False
    #: per measure: how many of the analysis' re-readings of the pose (technique.reread) are within
    #: the tolerance too, and how many there are; how near its edge the reading judged above is
    held: dict[str, tuple[int, int]] = field(default_factory=dict)


#: Copies of each labelled clip that change nothing the labels describe (the same climb, the same
#: times): what another phone, gym or camera position changes. The analysis should read them all alike;
#: a measure that only holds on the original leans on something that does not generalise. ffmpeg
#: filters; no black borders (a rotated copy is cropped), since static edges would read as a wall.
VARIANTS: dict[str, str] = {
    "mirror": "hflip",
    "480p": "scale=-2:480",
    # an old phone, or a clip sent small: the climber under the roof is a body 60 px long above a
    # seated crowd, and the pose model reads a body stretched across the crowd for the first seconds
    "360p": "scale=-2:360",
    "dark": "eq=brightness=-0.25:contrast=0.7",
    "zoom": "crop=iw/1.3:ih/1.3,scale=trunc(iw*1.3/2)*2:trunc(ih*1.3/2)*2",
    "noisy24": "fps=24,noise=alls=12:allf=t",
    # a phone held sideways, or a broadcast with the wall across the frame: "up" is frame-left
    "sideways": "transpose=2",
    # a phone panning about: a window 85% of the frame swinging across it and up and down
    "panning": "crop=trunc(iw*0.85/2)*2:trunc(ih*0.85/2)*2:x='(iw-ow)/2*(1+sin(t*1.3))':y='(ih-oh)/2*(1+sin(t*0.9+1))',"
               "scale=trunc(iw/0.85/2)*2:trunc(ih/0.85/2)*2",
    "tilt": "rotate=0.12:ow=trunc(iw*0.78/2)*2:oh=trunc(ih*0.78/2)*2,scale=trunc(iw/0.78/2)*2:trunc(ih/0.78/2)*2",
    # two climbers on one wall: the clip beside its own mirror image, each doing what the label says
    # (on the wall equally long, so the choice is unsure and the confidence says so)
    "pair": "split[a][b];[b]hflip[c];[a][c]hstack",
    # a clip sent through a messaging app: 540 px, 15 fps, heavily compressed (see ENCODE)
    "messenger": "scale=-2:540,fps=15",
    # a broadcast: the picture panning under a still picture-in-picture (the first frame, a third of
    # the size) in its top-left corner, which the camera's motion must not be read from
    "broadcast": "split[a][b];[b]trim=end_frame=1,loop=-1:1,scale=trunc(iw/3/2)*2:trunc(ih/3/2)*2[pip];"
                 "[a]crop=trunc(iw*0.85/2)*2:trunc(ih*0.85/2)*2:x='(iw-ow)/2*(1+sin(t*1.3))':y='(ih-oh)/2*(1+sin(t*0.9+1))',"
                 "scale=trunc(iw/0.85/2)*2:trunc(ih/0.85/2)*2[p];[p][pip]overlay=0:0:shortest=1",
    # someone walking past the lens at 4 s, too close for the detector: a dark textured shape a
    # third of the picture wide sweeping across it in 0.6 s (no labelled event happens then)
    "passer": "split[a][b];[b]crop=trunc(iw/3/2)*2:ih:0:0,hflip,eq=brightness=-0.2[p];"
              "[a][p]overlay=x='if(between(t,4,4.6),W-(t-4)/0.6*(W+w),-w)':y=0",
    # a portrait phone clip reposted in 16:9 (720 px), its sides filled with a blurred, enlarged copy
    # of itself: the climber is a third of the picture's width, and a blurred giant of them moves behind
    "pillarbox": "scale=-2:720,split[a][b];[b]scale=trunc(ih*16/9/2)*2:-2,crop=iw:trunc(iw*9/16/2)*2,boxblur=20[bg];"
                 "[bg][a]overlay=(W-w)/2:(H-h)/2",
    # the same climb taken 1.5 times as slowly (a phone's slow motion, a slower climber): every
    # labelled time is 1.5 times as late (see STRETCH); no frame is shown twice
    "slower": "setpts=1.5*PTS,fps=50/3",
}
FIXED, ROOF = "boulder_gym_fixed_camera_single_climber.mp4", "boulder_overhang_handheld_camera_h264_10bit.mp4"
#: Copies cut shorter, as a phone started late or stopped early: (from, to) seconds of the clip (to
#: None: its end); their labels are cut alike (see cut). Started after the first hand move (on the
#: roof clip in the swing after the cut loose: no foot is seen leaving); stopped with the climber
#: still on the wall (the fixed clip in its footwork, the roof clip before the match).
CUTS: dict[str, dict[str, tuple[float, float | None]]] = {
    "late": {FIXED: (3.0, None), ROOF: (2.0, None)},
    "stopped": {FIXED: (0.0, 10.0), ROOF: (0.0, 5.0)},
}


def _trims(cuts: Mapping[str, tuple[float, float | None]]) -> dict[str, str]:
    """The ffmpeg filter that cuts each clip as ``cuts`` says."""
    return {clip: f"trim=start={a}" + ("" if b is None else f":end={b}") + ",setpts=PTS-STARTPTS"
            for clip, (a, b) in cuts.items()}


#: A landscape half of the picture tilting up from the mat from 2 s to 11 s (see PROBES["follow"]).
FOLLOW = "crop=iw:trunc(ih/4)*2:0:'(ih-oh)-0.16*ih*min(max((t-2)/9\\,0)\\,1)'"
#: Shaken hard: an 80% window swinging across the picture (see PROBES["shaky"]).
SHAKY = ("crop=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2:x='(iw-ow)/2*(1+sin(t*4))':y='(ih-oh)/2*(1+sin(t*3))',"
         "scale=trunc(iw/0.8/2)*2:trunc(ih/0.8/2)*2")
#: Harder copies, a second and slower set outside CI (``--probes``): what a stranger's phone does
#: beyond the copies above. Most still fail somewhere; they are where to look next.
PROBES: dict[str, str | Mapping[str, str]] = {
    "rot180": "hflip,vflip",  # the phone upside down
    "cw": "transpose=1",  # turned the other way: "up" is frame-right
    "fast15": "setpts=PTS/1.5",  # a climber 1.5 and 2 times as fast (see STRETCH)
    "fast2": "setpts=PTS/2",
    "shaky": SHAKY,
    # ... and in a dim gym: darker, the shadows darkest (the legs under the climber out of sight)
    "darkshaky": "eq=brightness=-0.25:gamma=0.7," + SHAKY,
    "tight": "crop=iw:trunc(ih*0.82/2)*2:0:0",  # framed tight: the bottom of the picture (the mat) cut off
    # tilted 20 degrees and cropped to hide the corners: framed tighter, the mat out of view
    "tilt20": "rotate=0.35:ow=trunc(iw*0.6/2)*2:oh=trunc(ih*0.6/2)*2,scale=trunc(iw/0.6/2)*2:trunc(ih/0.6/2)*2",
    "blackbars": "scale=-2:720,pad=max(iw\\,1280):720:(ow-iw)/2:0:black",  # reposted in 16:9, black sides
    "letterpan": VARIANTS["panning"] + ",scale=-2:720,pad=max(iw\\,1280):720:(ow-iw)/2:0:black",
    "fps10": "fps=10",  # sources slower than the analysis' 8 fps or near it
    "fps6": "fps=6",
    "bright": "eq=brightness=0.25:contrast=0.6",  # over-exposed, backlit
    "blur": "tmix=frames=3",  # a slow shutter: motion blurred over three frames
    "lowq": "scale=-2:720,fps=30",  # 720 px, crushed by the encoder (see ENCODE)
    # the climber waits 8 s (a frozen start) while someone walks past the lens at 4 s
    "wait8": "tpad=start_duration=8:start_mode=clone," + VARIANTS["passer"],
    # the same clip sampled at other moments: started 0.04, 0.07 and 0.1 s later (the analysis samples
    # every 0.125 s, so each reads other frames of the same climb; see LATER)
    "sooner04": "trim=start=0.04,setpts=PTS-STARTPTS",
    "sooner07": "trim=start=0.07,setpts=PTS-STARTPTS",
    "sooner10": "trim=start=0.1,setpts=PTS-STARTPTS",
    # a climber far from the phone: the picture at 40% in the middle of a grey frame of the same size
    # (a wide shot spends the pixels around the climber on the rest of the gym)
    "small": "scale=trunc(iw/2.5/2)*2:trunc(ih/2.5/2)*2,pad=trunc(iw*2.5/2)*2:trunc(ih*2.5/2)*2:(ow-iw)/2:(oh-ih)/2:gray",
    # ... and far from a phone filming in 4K: the clip as it is in the middle of a grey frame twice its
    # size (the climber half as large in the analysis' frames, the video with every pixel of them)
    "far": "pad=iw*2:ih*2:(ow-iw)/2:(oh-ih)/2:gray",
    # stored with non-square pixels (an anamorphic encode, a broadcast capture): 1.43 times narrower
    # than shown, its sample aspect ratio saying so; read as stored, every body is squeezed
    "anamorphic": "scale=trunc(iw/1.43/2)*2:ih,setsar=1.43",
    # the phone held sideways, framed tight (the mat out of view): nothing but the body says which way
    # is up; alone, and with a second climber beside (turned alike, as a phone turns everyone in view)
    "tightcw": "crop=iw:trunc(ih*0.82/2)*2:0:0,transpose=1",
    "tightpaircw": "crop=iw:trunc(ih*0.82/2)*2:0:0," + VARIANTS["pair"] + ",transpose=1",
    # a broadcast or an edited clip cutting to a closer camera (the middle 1.6 times as large) at 5 s
    # and back to the wide one at 8 s (the roof clip ends on the close one)
    "cutzoom": "split[a][b];[b]crop=trunc(iw/1.6/2)*2:trunc(ih/1.6/2)*2[z];"
               "[z][a]scale2ref[z2][a2];[a2][z2]overlay=0:0:enable='between(t,5,8)'",
    # ... and to another camera's angle (the picture mirrored and 1.3 times as large: nothing of it is
    # found on the wall's view) from 5 to 8 s: those frames are not on the wall, nor measured
    "cutaway": "split[a][b];[b]crop=trunc(iw/1.3/2)*2:trunc(ih/1.3/2)*2,hflip[z];"
               "[z][a]scale2ref[z2][a2];[a2][z2]overlay=0:0:enable='between(t,5,8)'",
    # ... and opening on that camera for the first 2 s: the clip never shows it again, so the body
    # places it on the wall (the fixed clip leaves the mat there, the roof clip cuts loose there)
    "cutopen": "split[a][b];[b]crop=trunc(iw/1.3/2)*2:trunc(ih/1.3/2)*2,hflip[z];"
               "[z][a]scale2ref[z2][a2];[a2][z2]overlay=0:0:enable='lt(t,2)'",
    # filmed by a friend tilting the phone up as the climber climbs: a landscape half of the picture
    # that follows them from the mat (the floor leaves the view); only where the climb goes up the
    # picture (a copy made for one clip only names it)
    "follow": {FIXED: FOLLOW},
    # ... and turned a quarter, "up" to the left: a broadcast following a climber up a wall laid
    # across the picture (as speed climbing is shown), the floor leaving the view as they climb
    "followside": {FIXED: FOLLOW + ",transpose=2"},
    # a broadcast of a speed climb: the wall across the picture ("up" to the left), the camera
    # panning after the climber, who climbs 1.5 times as fast (see STRETCH)
    "speedcast": VARIANTS["panning"] + ",transpose=2,setpts=PTS/1.5",
    # a phone started late, or stopped early (see CUTS)
    "late": _trims(CUTS["late"]),
    "stopped": _trims(CUTS["stopped"]),
    # the fixed clip played backwards: the climber steps up off the mat and climbs down the route to
    # its start holds, then onto the mat (see BACKWARDS)
    "downclimb": {FIXED: "reverse"},
}
#: Copies played backwards: the labels' times are mirrored (see backwards).
BACKWARDS = {"downclimb"}
#: Copies played slower or faster: the labels' times are multiplied by this.
STRETCH: dict[str, float] = {"slower": 1.5, "fast15": 1 / 1.5, "fast2": 0.5, "speedcast": 1 / 1.5}
#: Copies that start later (or sooner): this many seconds are added to the labels' times.
LATER: dict[str, float] = {"wait8": 8.0, "sooner04": -0.04, "sooner07": -0.07, "sooner10": -0.1}
#: Encoder settings of a copy, where not ffmpeg's defaults.
ENCODE: dict[str, list[str]] = {"messenger": ["-c:v", "libx264", "-crf", "36"], "lowq": ["-c:v", "libx264", "-crf", "40"]}


def make_variants(labels: Path, videos: Path, out: Path, made: Mapping[str, str | Mapping[str, str]] | None = None) -> Path:
    """Write every VARIANTS copy (or every ``made`` one) of every labelled clip to ``out`` with a
    labels file for them (the originals' labels); returns that labels file. A copy given as
    {clip: filter} is made of those clips only."""
    data = json.loads(labels.read_text())
    out.mkdir(parents=True, exist_ok=True)
    copies: dict[str, Any] = {}
    for clip, label in data.items():
        if not isinstance(label, dict) or not (videos / clip).is_file():
            continue
        for name, how_made in (VARIANTS if made is None else made).items():
            vf = how_made if isinstance(how_made, str) else how_made.get(clip)
            if vf is None:
                continue
            dst = out / f"{name}.{Path(clip).stem}.mp4"
            made_by = dst.with_suffix(".filter")  # a copy is reused only if made the same way
            how = " ".join([vf, *ENCODE.get(name, [])])
            if not dst.is_file() or not made_by.is_file() or made_by.read_text() != how:
                subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error",
                                "-i", str(videos / clip), "-vf", vf, "-an", "-pix_fmt", "yuv420p",
                                *ENCODE.get(name, []), str(dst)], check=True, timeout=600)
                made_by.write_text(how)
            copies[dst.name] = stretched(label, STRETCH.get(name, 1.0), LATER.get(name, 0.0))
            if clip in CUTS.get(name, {}):
                copies[dst.name] = cut(copies[dst.name], *CUTS[name][clip])
            if name in BACKWARDS:
                copies[dst.name] = backwards(copies[dst.name], (label.get("video") or {}).get("duration_s")
                                             or probe(dst).duration_s)
    (out / "labels.json").write_text(json.dumps(copies, indent=1))
    return out / "labels.json"


def stretched(label: dict[str, Any], k: float, later: float = 0.0) -> dict[str, Any]:
    """``label`` for its clip played ``k`` times as slowly and ``later`` seconds later: every time in
    it ``k`` times as late, plus ``later`` (a climber already on the wall when the clip began, at
    0.0, still is)."""
    if k == 1.0 and later == 0.0:
        return label
    out = json.loads(json.dumps(label))

    def late(x: Any) -> Any:
        return None if x is None else round(float(x) * k + later, 3)
    start = out.get("on_wall_start_s")
    for key in ("on_wall_start_s", "off_wall_end_s"):
        out[key] = late(out.get(key))
    if start == 0.0:
        out["on_wall_start_s"] = 0.0
    if isinstance(out.get("video"), dict) and "duration_s" in out["video"]:
        out["video"]["duration_s"] = late(out["video"]["duration_s"])
    if isinstance(out.get("hand_moves"), dict) and out["hand_moves"].get("times_s") is not None:
        out["hand_moves"]["times_s"] = [late(x) for x in out["hand_moves"]["times_s"]]
    if out.get("dynamic_moves") is not None:
        out["dynamic_moves"] = [late(x) for x in out["dynamic_moves"]]
    if out.get("feet_off_wall_intervals") is not None:
        out["feet_off_wall_intervals"] = [[late(a), late(b)] for a, b in out["feet_off_wall_intervals"]]
    return out


def cut(label: dict[str, Any], start: float, end: float | None = None) -> dict[str, Any]:
    """``label`` for its clip cut to ``start``-``end`` seconds (``end`` None: to its end), as a phone
    started late or stopped early: every time ``start`` sooner, what happened outside dropped (each
    labelled hand move dropped takes one off both ends of the range; the range's uncertain extra
    moves are not among the labelled times); a climber on the wall when the cut clip begins is on it
    from 0.0, one still on it when it ends is there at its end."""
    out = json.loads(json.dumps(label))
    dur = (out.get("video") or {}).get("duration_s")
    stop = end if end is not None and (dur is None or end < dur) else dur
    length = None if stop is None else round(stop - start, 3)

    def inside(x: float) -> bool:
        return x >= start and (stop is None or x <= stop)
    a, b = out.get("on_wall_start_s"), out.get("off_wall_end_s")
    if a is not None:
        out["on_wall_start_s"] = round(max(0.0, a - start), 3)
    if b is not None:
        if stop is not None and b > stop:
            out["off_wall_end_s"], out["outcome"] = length, "still_on_wall_at_end"
        else:
            out["off_wall_end_s"] = round(b - start, 3)
    if isinstance(out.get("video"), dict) and length is not None:
        out["video"]["duration_s"] = length
    moves = out.get("hand_moves")
    if isinstance(moves, dict) and moves.get("times_s") is not None:
        gone = sum(1 for x in moves["times_s"] if not inside(x))
        moves["times_s"] = [round(x - start, 3) for x in moves["times_s"] if inside(x)]
        if moves.get("count") is not None:
            moves["count"] = max(0, moves["count"] - gone)
        if moves.get("range"):
            moves["range"] = [max(0, n - gone) for n in moves["range"]]
    if out.get("dynamic_moves") is not None:
        out["dynamic_moves"] = [round(x - start, 3) for x in out["dynamic_moves"] if inside(x)]
    if out.get("feet_off_wall_intervals") is not None:
        out["feet_off_wall_intervals"] = [
            [round(max(x0, start) - start, 3), round((x1 if stop is None else min(x1, stop)) - start, 3)]
            for x0, x1 in out["feet_off_wall_intervals"] if x1 > start and (stop is None or x0 < stop)]
    return out


def backwards(label: dict[str, Any], dur: float) -> dict[str, Any]:
    """``label`` for its clip (``dur`` seconds long) played backwards: every time ``t`` at ``dur`` -
    ``t``; the climb starts where it ended and ends where it started (a climber on the wall from the
    clip's start is on it at its end). Every labelled hand move is taken to have gone up the wall, so each one goes
    down now: climbing down, which the labelling rules do not count (true of the fixed clip: its
    moves and the extra ones its range allows are all up)."""
    out = json.loads(json.dumps(label))

    def back(x: float) -> float:
        return round(min(max(dur - x, 0.0), dur), 3)
    a, b = label.get("on_wall_start_s"), label.get("off_wall_end_s")
    out["on_wall_start_s"] = 0.0 if b is None or b >= dur else back(b)
    out["off_wall_end_s"] = dur if a is None or a <= 0.0 else back(a)
    out["outcome"] = "still_on_wall_at_end" if out["off_wall_end_s"] >= dur else "drop_off"
    for note in [k for k in out if k.endswith("_note")]:  # (of the times as they were)
        del out[note]
    out["hand_moves"] = {"count": 0, "range": [0, 0], "times_s": [],
                         "detail": "played backwards: every hand move goes down the wall (climbing down)"}
    if out.get("dynamic_moves") is not None:
        out["dynamic_moves"] = sorted(back(x) for x in out["dynamic_moves"])
    if out.get("feet_off_wall_intervals") is not None:
        out["feet_off_wall_intervals"] = sorted([back(y), back(x)] for x, y in out["feet_off_wall_intervals"])
    return out


def labelled_feet_off_share(label: dict[str, Any]) -> float | None:
    """The labelled share of the labelled climb window with neither foot on the wall."""
    a, b = label.get("on_wall_start_s"), label.get("off_wall_end_s")
    spans = label.get("feet_off_wall_intervals")
    if a is None or b is None or spans is None or b <= a:
        return None
    off = sum(max(0.0, min(e, b) - max(s, a)) for s, e in spans)
    return off / (b - a)


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def judge(clip: str, rec: dict[str, Any] | None, label: dict[str, Any], error: str | None = None) -> ClipResult:
    """Compare one analysis record (None when it failed) with its label."""
    r = ClipResult(clip, error or "completed")
    m = (rec or {}).get("metrics") or {}
    r.values = {**{k: m.get(key) for k, key in JUDGED.items()},
                "confidence": (rec or {}).get("confidence"), "low_confidence": bool((rec or {}).get("low_confidence")),
                "dynamic_at": m.get("dynamic_moves_at")}
    a, b = label.get("on_wall_start_s"), label.get("off_wall_end_s")
    dyn = label.get("dynamic_moves")
    r.truth = {"start": a, "end": b, "moves": (label.get("hand_moves") or {}).get("range"),
               "dynos": None if dyn is None else len(dyn), "feet_off": labelled_feet_off_share(label), "dynamic_at": dyn}
    v = r.values
    r.within = _within(v, r.truth)
    if a is not None and b is not None and v["start"] is not None and v["end"] is not None:
        overlap = iou((v["start"], v["end"]), (a, b))
        sure = (v["confidence"] or 0) >= SURE and not v["low_confidence"]
        r.confidently_wrong = overlap < WRONG_IOU and sure
        r.needlessly_unsure = r.within["window"] and not sure
    again = m.get("reread") or {}
    n = min((len(again.get(key) or []) for key in JUDGED.values()), default=0)
    if n:
        readings = [_within({k: again[key][i] for k, key in JUDGED.items()}, r.truth) for i in range(n)]
        r.held = {k: (sum(w[k] for w in readings), n) for k in r.within}
    return r


def _within(v: dict[str, Any], truth: dict[str, Any]) -> dict[str, bool]:
    """Per measure the label has: is what the analysis said (``v``) within its tolerance?"""
    out: dict[str, bool] = {}
    a, b, moves, share = truth["start"], truth["end"], truth["moves"], truth["feet_off"]
    if a is not None and b is not None:
        out["window"] = (v["start"] is not None and v["end"] is not None
                         and abs(v["start"] - a) <= WINDOW_TOL_S and abs(v["end"] - b) <= WINDOW_TOL_S)
    if moves:
        out["moves"] = v["moves"] is not None and moves[0] <= v["moves"] <= moves[1]
    if truth["dynos"] is not None:
        out["dynos"] = v["dynos"] is not None and v["dynos"] == truth["dynos"]
    if share is not None:
        out["feet_off"] = v["feet_off"] is not None and abs(v["feet_off"] - share) <= FEET_OFF_TOL
    out["coverage"] = v["coverage"] is not None and v["coverage"] >= COVERAGE_MIN
    return out


def evaluate(labels: Path = DEFAULT_LABELS, videos: Path = DEFAULT_VIDEOS, settings: Settings | None = None,
             progress: Callable[[str], None] | None = None, keep: Path | None = None) -> list[ClipResult]:
    """Analyse every labelled clip (offline) and judge it. In a scratch data dir, or in ``keep``,
    where each clip's sampled frames and poses stay for the next run: a change after the pose stage
    (the camera, the metrics, the coaching) is re-scored without tracking anyone again. A clip is
    known there by its content, so a copy made again differently is analysed afresh."""
    data = json.loads(Path(labels).read_text())
    base = settings or Settings()
    out = []
    with tempfile.TemporaryDirectory(prefix="performate-eval-") as tmp:
        s = base.model_copy(update={"data_dir": Path(keep or tmp), "analyzer": "offline"})
        for n, (clip, label) in enumerate(sorted(data.items())):
            if progress:
                progress(clip)
            path = Path(videos) / clip
            aid = f"eval_{file_sha256(path)[:20]}" if keep and path.is_file() else f"eval{n}"
            try:
                rec = analyze({"analysis_id": aid, "video_ref": str(path)}, s)
                out.append(judge(clip, rec, label))
            except PipelineError as exc:
                out.append(judge(clip, None, label, exc.code.value))
    return out



def totals(results: list[ClipResult]) -> dict[str, Any]:
    t: dict[str, Any] = {k: [sum(1 for r in results if r.within.get(k)), sum(1 for r in results if k in r.within)]
                         for k in MEASURES}
    t["confidently_wrong"] = sum(r.confidently_wrong for r in results)
    t["needlessly_unsure"] = sum(r.needlessly_unsure for r in results)
    t["held"] = {k: [sum(r.held[k][0] for r in results if k in r.held), sum(r.held[k][1] for r in results if k in r.held)]
                 for k in MEASURES}
    return t


def held_line(results: list[ClipResult]) -> str:
    """How many of the re-readings of every clip's pose keep each measure within tolerance."""
    held = totals(results)["held"]
    return "within tolerance when the pose is read again: " + ", ".join(f"{k} {held[k][0]}/{held[k][1]}" for k in MEASURES)


def summary_line(results: list[ClipResult]) -> str:
    t = totals(results)
    parts = ", ".join(f"{k} {t[k][0]}/{t[k][1]}" for k in MEASURES)
    return f"within tolerance: {parts}; confidently wrong {t['confidently_wrong']}; needlessly unsure {t['needlessly_unsure']}"


def _cell(got: Any, want: Any, ok: bool | None, fmt: str = "{}") -> str:
    g = "-" if got is None else fmt.format(got)
    w = "-" if want is None else (f"{want[0]}-{want[1]}" if isinstance(want, list) else fmt.format(want))
    mark = "" if ok is None else (" ok" if ok else " X")
    return f"{g} ({w}){mark}"


def _held(r: ClipResult) -> str:
    """The measures some re-readings put outside the tolerance, with how many kept within it."""
    if not r.held:
        return "-"
    short = [f"{k} {a}/{n}" for k, (a, n) in r.held.items() if a < n]
    return ", ".join(short) if short else f"all {next(iter(r.held.values()))[1]}"


def _times(xs: list[float] | None) -> str:
    """Moments, as the table shows them (not judged: the labels' times are good to about 0.3 s)."""
    return "-" if xs is None else (" ".join(f"{x:.1f}" for x in xs) or "none")


def table(results: list[ClipResult]) -> str:
    """One row per clip: what the analysis said (what the label says) and whether it is within tolerance."""
    head = ["clip", "status", "window s", "hand moves", "dynamic", "dynamic at s", "feet off", "coverage", "confidence",
            "read again"]
    rows = [head]
    for r in results:
        v, t, w = r.values, r.truth, r.within
        win = "-" if v["start"] is None else f"{v['start']:.1f}-{v['end']:.1f}"
        want = "-" if t["start"] is None else f"{t['start']:.1f}-{t['end']:.1f}"
        conf = "-" if v["confidence"] is None else f"{v['confidence']:.2f}" + (" low" if v["low_confidence"] else "")
        if r.confidently_wrong:
            conf += " CONFIDENTLY WRONG"
        rows.append([r.clip[:44], r.status, f"{win} ({want})" + ("" if "window" not in w else (" ok" if w["window"] else " X")),
                     _cell(v["moves"], t["moves"], w.get("moves")), _cell(v["dynos"], t["dynos"], w.get("dynos")),
                     f"{_times(v['dynamic_at'])} ({_times(t['dynamic_at'])})",
                     _cell(v["feet_off"], t["feet_off"], w.get("feet_off"), "{:.2f}"),
                     _cell(v["coverage"], COVERAGE_MIN, w.get("coverage"), "{:.2f}"), conf, _held(r)])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines + ["", held_line(results), summary_line(results)])
