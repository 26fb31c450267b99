"""Technique points: six areas, each a 0-100 score traceable to a metric and a threshold, the
evidence (time ranges), feedback and one drill; or "not assessed" with the reason.

Scores are piecewise linear between a "needs work" anchor (0) and a "good" anchor (100), so every
score is monotonic in its metric. Anchors are named below with their source.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.analysis import catalog
from core.analysis import metrics as M

# --- anchors: (needs-work value -> 0, good value -> 100) ---------------------------------------
#: Share of hanging time on straight arms (>= 150 degrees, Beltran Beltran et al. 2023); we take
#: 60% as expert-like and 10% as novice-like (our calibration on gym footage).
ARMS = (0.10, 0.60)
#: Foot re-placements per foot contact: novices adjust often (our calibration).
FOOT_REPLACEMENTS = (1.0, 0.0)
#: Share of the climb with no foot on a hold (feet cut or swinging).
FEET_OFF = (0.6, 0.1)
#: Share of three-point moments with the hip inside the support polygon.
HIP_SUPPORT = (0.2, 0.8)
#: Immobility ratio: Seifert et al. 2014 report lower immobility for experienced climbers.
IMMOBILITY = (0.6, 0.2)
#: Longest pause in seconds.
LONGEST_PAUSE = (10.0, 1.5)
#: Path tortuosity ln(2L/c) of the smoothed hip path (the form of Cordier et al.'s geometric index
#: of entropy, on our sampled path, so not comparable with their figures): 0.7 means the path is
#: twice as long as the half-perimeter of the area it covers, 1.6 five times.
GIE = (1.6, 0.7)
#: Smoothness per movement, SPARC of the hip speed (Balasubramanian et al. 2015): about -1.5 for
#: one fluent reach; -2.5 and below for halting, multi-peaked ones.
SPARC = (-2.5, -1.5)
#: Share of dynamic moves followed by a swing.
SWING_SHARE = (1.0, 0.0)
#: performance_score weights (renormalised over assessed areas).
WEIGHTS = {"fluency": 0.25, "arms": 0.2, "footwork": 0.2, "pacing": 0.15, "hips": 0.15, "dynamics": 0.05}
AREAS = tuple(WEIGHTS)
GOOD_SCORE = 70  # at or above: "good" text and a strength


def ramp(value: float, bad: float, good: float) -> float:
    """0 at ``bad``, 100 at ``good``, linear between, clamped; works in both directions."""
    if bad == good:
        return 100.0
    return float(np.clip((value - bad) / (good - bad), 0.0, 1.0) * 100.0)


@dataclass
class Point:
    area: str
    score: int | None
    assessed: bool
    said: catalog.Phrase  # the feedback, as a phrase (rendered in the reader's language)
    drill_said: catalog.Phrase
    evidence: list[dict[str, float]]
    basis: dict[str, Any]  # metric values and anchors behind the score

    def feedback(self, lang: str) -> str:
        return catalog.render(lang, self.said)

    def drill(self, lang: str) -> str:
        return catalog.render(lang, self.drill_said)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "area": self.area, "name": catalog.area_name(lang, self.area), "score": self.score,
            "assessed": self.assessed, "feedback": self.feedback(lang), "drill": self.drill(lang),
            "phrases": {"feedback": self.said, "drill": self.drill_said},
            "evidence": self.evidence, "basis": self.basis, "confidence": self.basis.get("reliability"),
            "spread": self.basis.get("spread"),
        }


def _ev(a: float, b: float) -> dict[str, float]:
    return {"time_start": round(float(a), 2), "time_end": round(float(b), 2)}


#: Samples of one kind this close in time are one moment (several sampled frames in a row).
MOMENT_GAP_S = 0.3


def moments(times: list[float], n: int = 6) -> list[tuple[float, float]]:
    """The ``n`` longest runs of ``times`` (no gap over MOMENT_GAP_S), in time order."""
    runs_: list[list[float]] = []
    for x in sorted(set(times)):
        if runs_ and x - runs_[-1][-1] <= MOMENT_GAP_S:
            runs_[-1].append(x)
        else:
            runs_.append([x])
    longest = sorted(runs_, key=lambda r: (r[-1] - r[0], len(r)), reverse=True)[:n]
    return sorted((r[0], r[-1]) for r in longest)


def _point(area: str, lang: str, scores: list[float], values: dict[str, Any], evidence: list[dict[str, float]],
           basis: dict[str, Any], parts: tuple[str, str] | None = None, variant: str = "") -> Point:
    """An assessed area: the mean of ``scores``, said as "good" or "work". With ``parts`` (the names
    of two scores' halves of the statement), a part scoring the other way from the whole is said
    too: "{good|work}_{part}" names the part that is the exception (a direct path, halting reaches).
    A ``variant`` ("_seen") says it otherwise: "{good|work}{variant}"."""
    score = int(round(sum(scores) / len(scores)))
    key = "good" if score >= GOOD_SCORE else "work"
    if parts is not None:
        off = [name for name, sc in zip(parts, scores) if (sc >= GOOD_SCORE) != (key == "good")]
        if len(off) == 1:
            key = f"{key}_{off[0]}"
    key += variant
    return Point(area, score, True, catalog.say(f"{area}.{key}", **values), catalog.say(f"{area}.drill"),
                 evidence[:6], basis)


def _na(area: str, lang: str, reason: str, key: str = "na") -> Point:
    return Point(area, None, False, catalog.say(f"{area}.{key}"), catalog.say(f"{area}.drill"), [], {"reason": reason})


#: An area is assessed only when the measure it rests on was seen in at least this share of the climb.
MIN_RELIABILITY = 0.5
#: What each area's measure needs to see (see ``reliability``).
NEEDS = {"arms": "body", "footwork": "feet", "hips": "feet", "pacing": "body", "fluency": "body", "dynamics": "feet"}


def reliability(m: M.Metrics) -> dict[str, float]:
    """Per area, the share of the climb in which what its measure needs was seen: the tracked body
    (pose coverage times the share of steady tracking), or the feet (frames whose feet state is
    known). Measured agreement, not a guess."""
    body = m.coverage * m.continuity
    return {area: round(body * (m.feet_known if need == "feet" else 1.0), 3) for area, need in NEEDS.items()}


def assess(m: M.Metrics, lang: str = "en", again: Rereadings | None = None) -> list[Point]:
    """The six areas; with ``again`` (see ``reread``), each assessed score carries its spread, and an
    area whose score moves more than UNREPEATABLE is not assessed."""
    points = _assess(m, lang)
    rel = reliability(m)
    out = []
    for p in points:
        r = rel[p.area]
        sd = spread(again.scores[p.area]) if again is not None else None
        if p.assessed and r < MIN_RELIABILITY:
            what = catalog.say(f"unreliable.{NEEDS[p.area]}")
            p = Point(p.area, None, False, catalog.say("unreliable", what=what, pct=round(100 * r)), p.drill_said, [],
                      {"reason": f"{NEEDS[p.area]} seen reliably in {r:.0%} of the climb (needs {MIN_RELIABILITY:.0%})"})
        elif p.assessed and sd is not None and sd > UNREPEATABLE:
            p = Point(p.area, None, False, catalog.say("unrepeatable", sd=round(sd)), p.drill_said, [],
                      {"reason": f"the score moves by +-{sd:.0f} points when the pose is read again "
                                 f"(more than {UNREPEATABLE:.0f})"})
        if p.assessed and sd is not None:
            p.basis["spread"] = sd
        p.basis["reliability"] = r
        out.append(p)
    return out


@dataclass
class Rereadings:
    """The climb measured again (see ``reread``): per area its scores, per measure (READ_AGAIN) its
    values, one per reading; None where the area was not assessed or the measure not measured."""

    scores: dict[str, list[int | None]]
    values: dict[str, list[float | None]]
    #: per JUDGED measure its value, one per reading (what ``make eval`` judges against the labels)
    judged: dict[str, list[float | None]] = field(default_factory=dict)


#: The measures whose spread is kept beside the scores' (the ones a coach follows over time).
READ_AGAIN = ("gie", "smoothness", "immobility_ratio", "longest_pause_s", "path_efficiency", "vertical_speed",
              "straight_arm_ratio", "feet_off_share", "moves_per_min", "duration_s", "hip_in_support_share")
#: The measures the hand labels judge (core/ops/evaluation.py), kept per reading: how many readings
#: keep each within its tolerance says how near the edge of it the one reading shown is.
JUDGED = ("climb_start_s", "climb_end_s", "moves", "dynos", "feet_off_share", "pose_coverage")
#: How often the climb is read again, and the seed of the noise, so an analysis always says the same.
REREADS = 10
REREAD_SEED = 7
#: An area whose score moves more than this (points, standard deviation over the readings) is not
#: assessed: the number would say more about the reading than about the climb.
UNREPEATABLE = 15.0


def reread(track: M.Track, m: M.Metrics) -> Rereadings:
    """The climb measured again as another reading of the same video could give it, REREADS times:
    sampled at other moments (every landmark taken up to half a frame interval earlier or later,
    between its readings in the frames either side) and every landmark moved by noise as large as
    its own jitter on this clip (``M.jitter``); the same window rules (or the same manual trim, or
    the same climb picked). How
    far a score moves over these is about how far the same climb, sampled at other moments or rates
    and read again, moves it (bench/repeatability.py compares the two on the shared clips)."""
    sig = np.nan_to_num(M.jitter(track))
    trim = (m.window[0], m.window[1]) if m.window[2] == M.TRIMMED else None
    at = (m.window[0] + m.window[1]) / 2 if m.values.get("climb_picked") else None  # the climb picked, again
    rng = np.random.default_rng(REREAD_SEED)
    out = Rereadings({a: [] for a in AREAS}, {k: [] for k in READ_AGAIN}, {k: [] for k in JUDGED})
    n = len(track.t)
    for _ in range(REREADS):
        shift = float(rng.uniform(-0.5, 0.5))  # of a frame interval
        other = np.clip(np.arange(n) + (1 if shift > 0 else -1), 0, n - 1)
        both = track.found & track.found[other]
        lm = track.lm.copy()
        lm[both, :, :2] = (1 - abs(shift)) * track.lm[both, :, :2] + abs(shift) * track.lm[other[both], :, :2]
        lm[:, :, :2] += rng.standard_normal(lm[:, :, :2].shape) * sig
        again = M.compute(replace(track, lm=lm), trim, at)
        scores = {p.area: p.score if p.assessed else None for p in _assess(again)}
        for a in AREAS:
            out.scores[a].append(scores.get(a))
        for k in READ_AGAIN:
            out.values[k].append(again.values.get(k))
        for k in JUDGED:
            out.judged[k].append(again.values.get(k))
    return out


def spread(scores: list[int | None] | list[float | None], digits: int = 1) -> float | None:
    """The standard deviation of an area's scores (or a measure's values) over the readings (None
    if it was measured in fewer than half of them)."""
    got = [s for s in scores if s is not None]
    return round(float(np.std(got)), digits) if got and len(got) >= len(scores) / 2 else None


def performance_spread(points: list[Point], again: Rereadings) -> float | None:
    """How far the performance score moves over the readings, over the areas ``points`` assess."""
    areas = [p.area for p in points if p.assessed and p.score is not None]
    n = len(next(iter(again.scores.values()), []))
    return spread([_weighted({a: again.scores[a][k] for a in areas})
                   if areas and all(again.scores[a][k] is not None for a in areas) else None for k in range(n)])


def _assess(m: M.Metrics, lang: str = "en") -> list[Point]:
    v = m.values
    out: list[Point] = []
    # arms
    r = v.get("straight_arm_ratio")
    if r is None or m.straight_arm_samples < 5:
        out.append(_na("arms", lang, "arms above shoulders in fewer than 5 frames"))
    else:
        # the evidence is the moments the statement is about: hanging on straight arms where it praises
        # them, on bent arms where it asks for straighter ones
        good = ramp(r, *ARMS) >= GOOD_SCORE
        out.append(_point("arms", lang, [ramp(r, *ARMS)], {"pct": round(100 * r), "pct_bent": round(100 * (1 - r))},
                          [_ev(a, b) for a, b in moments([tm for tm, st in m.hanging if st == good])],
                          {"straight_arm_ratio": r, "anchors": ARMS, "threshold_deg": M.STRAIGHT_ARM_DEG}))
    # footwork
    rp, fo = v.get("foot_replacements_per_contact"), v.get("feet_off_share")
    parts = ([ramp(rp, *FOOT_REPLACEMENTS)] if rp is not None else []) + ([ramp(fo, *FEET_OFF)] if fo is not None else [])
    if not parts:
        out.append(_na("footwork", lang, "no foot contact and feet not visible"))
    else:
        # the evidence: the longest stretches with both feet off, then the re-placements
        off = sorted(m.feet_off_spans, key=lambda ab: ab[1] - ab[0], reverse=True)[:3]
        shown = off + [(x, x) for x in m.replaced_at[:6 - len(off)]]
        # the share of feet off is of the time the feet were seen: where that is not (nearly) the
        # whole climb, the statement says so (a climb started hanging, its legs faintly seen, read
        # "feet off 0% of the time")
        part = fo is not None and m.feet_known < catalog.SEEN_IN_FULL
        out.append(_point("footwork", lang, parts,
                          {"replacements": v.get("foot_replacements", 0),
                           "foot_contacts": v["foot_placements"],
                           "feet_off": round(100 * (fo or 0)), **({"seen": round(100 * m.feet_known)} if part else {})},
                          [_ev(a, b) for a, b in sorted(shown)],
                          {"foot_replacements_per_contact": rp, "feet_off_share": fo, "feet_seen_share": round(m.feet_known, 3),
                           "anchors": {"replacements": FOOT_REPLACEMENTS, "feet_off": FEET_OFF}},
                          variant="_seen" if part else ""))
    # hips
    hs = v.get("hip_in_support_share")
    if not v.get("hips_judged", True) and v.get("climb_window") == M.UP_UNSURE:  # a turned picture, unconfirmed
        out.append(_na("hips", lang, "which way is up is not certain (the body lies across the picture, nothing "
                                     "else in view confirms it): no telling whether the hips are over the feet",
                       key="na_up_unsure"))
    elif not v.get("hips_judged", True):  # a roof
        out.append(_na("hips", lang, "which way is down is not known (the body did not show it, as under a roof): "
                                     "no telling whether the hips are over the feet", key="na_up"))
    elif hs is None:
        out.append(_na("hips", lang, "fewer than 5 moments with a foot and another limb on holds"))
    else:
        over = ramp(hs, *HIP_SUPPORT) >= GOOD_SCORE  # praised: the hip over its base; else: outside it
        out.append(_point("hips", lang, [ramp(hs, *HIP_SUPPORT)], {"pct": round(100 * hs)},
                          [_ev(a, b) for a, b in moments([tm for tm, o in m.supported if o == over])],
                          {"hip_in_support_share": hs, "anchors": HIP_SUPPORT}))
    # pacing
    if v["duration_s"] < 3:
        out.append(_na("pacing", lang, "climb shorter than 3 s"))
    else:
        stop = (catalog.say("pacing.stop", pauses=v["pauses"], longest=float(v["longest_pause_s"])) if v["pauses"]
                else catalog.say("pacing.no_stop"))
        out.append(_point("pacing", lang,
                          [ramp(v["immobility_ratio"], *IMMOBILITY), ramp(v["longest_pause_s"], *LONGEST_PAUSE)],
                          {"immobile": round(100 * v["immobility_ratio"]), "stop": stop},
                          [_ev(p["time_start"], p["time_end"]) for p in m.pauses],
                          {"immobility_ratio": v["immobility_ratio"], "longest_pause_s": v["longest_pause_s"],
                           "anchors": {"immobility": IMMOBILITY, "longest_pause": LONGEST_PAUSE},
                           "immobile_speed": M.IMMOBILE_SPEED}))
    # fluency
    if v.get("gie") is None or v.get("smoothness") is None:
        out.append(_na("fluency", lang, "no movement of at least 0.75 s to measure"))
    else:
        segs = sorted(segments(m, lang), key=lambda s: s["score"])[:2]
        out.append(_point("fluency", lang, [ramp(v["gie"], *GIE), ramp(v["smoothness"], *SPARC)],
                          {"gie": f"{v['gie']:.2f}", "moves": v["smoothness_movements"],
                           "smooth": round(ramp(v["smoothness"], *SPARC))},
                          [_ev(s["time_start"], s["time_end"]) for s in segs],
                          {"gie": v["gie"], "smoothness_sparc": v["smoothness"],
                           "movements": v["smoothness_movements"], "anchors": {"gie": GIE, "sparc": SPARC}},
                          parts=("path", "reaches")))
    # dynamics: the control of dynos and lunges (a swing after the catch is a lost one); feet cutting
    # loose without a flight are a swing by themselves, said but not scored
    flights = [d for d in m.dynos if d not in m.cut_looses]
    if flights:
        share = len(m.swings) / len(flights)
        out.append(_point("dynamics", lang, [ramp(share, *SWING_SHARE)], {"dynos": len(flights), "swings": len(m.swings)},
                          [_ev(d - 0.5, d + 1.0) for d in flights],
                          {"dynos": len(flights), "swings": len(m.swings), "cut_looses": len(m.cut_looses),
                           "dyno_speed": M.DYNO_SPEED, "anchors": SWING_SHARE}))
    elif m.cut_looses:
        times = [catalog.say("seconds", s=float(t)) for t in m.cut_looses]
        out.append(Point("dynamics", None, False, catalog.say("dynamics.cut_loose", n=len(m.cut_looses), times=times),
                         catalog.say("dynamics.drill"), [_ev(t, t + 1.5) for t in m.cut_looses],
                         {"reason": "feet cut loose, no dyno or lunge to judge", "cut_looses": len(m.cut_looses)}))
    else:
        out.append(_na("dynamics", lang, "no dynamic move detected"))
    return out


def performance_score(points: list[Point]) -> int | None:
    return _weighted({p.area: p.score for p in points if p.assessed and p.score is not None})


def _weighted(scores: dict[str, int | None]) -> int | None:
    """The WEIGHTS-weighted mean of the scores given (renormalised over them)."""
    scored = [(WEIGHTS[a], s) for a, s in scores.items() if s is not None]
    if not scored:
        return None
    total = sum(w for w, _ in scored)
    return int(round(sum(w * s for w, s in scored) / total))


def segments(m: M.Metrics, lang: str = "en") -> list[dict[str, Any]]:
    """Stretches of the climb scored by local immobility and directness; the weakest are flagged."""
    t, hip, v = m.hip_t, m.hip_path, m.hip_speed
    if len(t) < 8:
        return []
    a, b = float(t[0]), float(t[-1])
    n = max(1, min(8, int((b - a) // 2.5)))
    edges = np.linspace(a, b, n + 1)
    out: list[dict[str, Any]] = []
    for s, e in zip(edges[:-1], edges[1:]):
        w = (t >= s) & (t <= e)
        if w.sum() < 3:
            continue
        imm = float((v[w] < M.IMMOBILE_SPEED).mean())
        L = M.path_length(hip[w])
        eff = float(np.linalg.norm(hip[w][-1] - hip[w][0]) / L) if L > 1e-6 else 1.0
        mean_v = float(v[w].mean())
        s_imm, s_eff = ramp(imm, *IMMOBILITY), ramp(eff, 0.1, 0.7)
        score = int(round((s_imm + s_eff) / 2))
        issue = None
        if score < 60:
            issue = "segment.hesitation" if s_imm <= s_eff else "segment.indirect"
            if mean_v > 1.5 and s_eff < 50:
                issue = "segment.fast"
        out.append({"time_start": round(float(s), 2), "time_end": round(float(e), 2), "score": score,
                    "issue_key": issue, "immobility": round(imm, 2), "efficiency": round(eff, 2)})
    if out and not any(o["issue_key"] for o in out):
        worst = min(out, key=lambda o: o["score"])
        if worst["score"] < 80:
            worst["issue_key"] = "segment.hesitation" if worst["immobility"] > 0.3 else "segment.indirect"
    for o in out:  # the words, in the analysis' language (pages render issue_key in the reader's)
        o["issue"] = catalog.text(lang, o["issue_key"]) if o["issue_key"] else None
    return out
