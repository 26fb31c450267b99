"""How far each score moves when the same climb is analysed again from other frames, against the
spread each analysis predicts for itself (technique.reread: the pose read again at other moments,
with noise as large as its own jitter).

Each shared clip is analysed ten times, all by `python -m core analyze`: as filmed at the analysis'
8 fps; 1, 2, 3, 5 and 7 video frames later (the clip re-encoded without its first frames: the same
climb sampled up to a quarter of a second later); and at 6, 7, 10 and 12 fps. First what each
reading measured (window, hand moves, dynamic moves, feet off, coverage), then per area: the ten
scores, their standard deviation, and the mean of the ten predicted spreads; the ratio says how
well the prediction covers what sampling does (1 = exactly; below 1, the prediction is too small).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.common import CACHE, ROOT, real_clips, table
from tests.media import FFMPEG

AREAS = ("arms", "footwork", "hips", "pacing", "fluency", "dynamics")


def _later(clip: Path, frames: int) -> Path:
    out = CACHE / f"{clip.stem}_{frames}_frames_later.mp4"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-i", str(clip), "-vf",
                        f"trim=start_frame={frames},setpts=PTS-STARTPTS", "-an", "-c:v", "libx264", "-crf", "16",
                        str(out)], check=True)
    return out


def _analyse(path: Path, fps: float, data: Path) -> dict:
    env = {**os.environ, "PERFORMATE_DATA_DIR": str(data), "PERFORMATE_ANALYSIS_FPS": str(fps)}
    r = subprocess.run([sys.executable, "-m", "core", "analyze", str(path), "--analyzer", "offline", "--no-replay"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout)


def main() -> list[str]:
    rows: list[list[object]] = []
    measured: list[list[object]] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as data:
        for name, clip in real_clips().items():
            readings = {"as filmed": (clip, 8.0), **{f"{k} frame{'s' if k > 1 else ''} later": (_later(clip, k), 8.0)
                                                      for k in (1, 2, 3, 5, 7)},
                        **{f"{fps:.0f} fps": (clip, fps) for fps in (6.0, 7.0, 10.0, 12.0)}}
            recs = [_analyse(path, fps, Path(data)) for path, fps in readings.values()]
            for how, rec in zip(readings, recs):
                m = rec["metrics"]
                measured.append([name, how, f"{m['climb_start_s']:.1f}-{m['climb_end_s']:.1f}", m["moves"],
                                 " ".join(f"{x:.1f}" for x in m["dynamic_moves_at"]) or "-",
                                 m["feet_off_share"], m["pose_coverage"], rec["performance_score"]])
            per: dict[str, tuple[list[float], list[float]]] = {}
            for rec in recs:
                for p in rec.get("technique_points") or []:
                    scores, spreads = per.setdefault(p["area"], ([], []))
                    if p.get("assessed") and p.get("score") is not None:
                        scores.append(p["score"])
                        if p.get("spread") is not None:
                            spreads.append(p["spread"])
                scores, spreads = per.setdefault("performance", ([], []))
                if rec.get("performance_score") is not None:
                    scores.append(rec["performance_score"])
                    got = ((rec.get("metrics") or {}).get("score_spread") or {}).get("performance")
                    if got is not None:
                        spreads.append(got)
            for area in (*AREAS, "performance"):
                scores, spreads = per.get(area, ([], []))
                if len(scores) < 2:
                    continue
                sd, pred = float(np.std(scores)), float(np.mean(spreads)) if spreads else float("nan")
                rows.append([name, area, " ".join(str(int(s)) for s in scores), round(sd, 1), round(pred, 1),
                             round(pred / sd, 2) if sd > 0 else "-"])
                if area == "performance":
                    lines.append(f"{name}: performance score {min(scores):.0f}-{max(scores):.0f} over ten readings "
                                 f"(sd {sd:.1f}); predicted spread {pred:.1f}")
    print("## Repeatability: the same climb analysed from other frames (1-7 video frames later, 6-12 fps)")
    print(table(measured, ["clip", "reading", "window s", "moves", "dynamic at s", "feet off", "coverage", "score"]))
    print()
    print(table(rows, ["clip", "area", "scores", "sd", "predicted", "predicted/sd"]))
    return lines


if __name__ == "__main__":
    main()
