"""What a coach does: one climber over time, two attempts side by side."""
from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from core.accounts import User
from core.analysis import catalog
from core.analysis.technique import AREAS
from core.api import charts
from core.api.results import blob, jobs, localize, owners, visible
from core.api.uploads import recent
from core.api.vocab import HIGHER_IS_BETTER
from core.errors import ErrorCode, PipelineError
from core.i18n import N_, _, date_time, language, num, pct, secs
from core.jobs import Status

__all__ = ["trend", "completed_options", "compare", "aligned_frames", "option_label", "WITHIN_SPREAD"]


def trend(viewer: User, climber: str | None = None, route: str | None = None, grade: str | None = None) -> list[dict[str, Any]]:
    """Completed sessions ``viewer`` may see, in time order, with the headline metrics flattened."""
    out = []
    for r in jobs().completed(climber, route, grade, owners(viewer)):
        m = r.get("metrics") or {}
        row: dict[str, Any] = {k: r.get(k) for k in ("analysis_id", "created_at", "climber", "route_name", "grade",
                                                     "performance_score")}
        row.update({k: m.get(k) for k in HIGHER_IS_BETTER if k in m})
        # how far each score moves when the climb is read again (see technique.reread): the chart's bars
        row["performance_score_spread"] = (m.get("score_spread") or {}).get("performance")
        row.update({f"{k}_spread": (m.get("value_spread") or {}).get(k) for k in HIGHER_IS_BETTER if k in m})
        for p in r.get("technique_points") or []:
            row[f"area_{p['area']}"] = p["score"] if p.get("assessed") else None
            row[f"area_{p['area']}_spread"] = p.get("spread") if p.get("assessed") else None
        out.append(row)
    return out


def option_label(r: dict[str, Any]) -> str:
    """How a picker names an analysis: climber, route and grade, attempt or send, which climb of the
    video (when it shows more than one), date."""
    kind = {"attempt": _("attempt"), "send": _("send")}.get(r.get("attempt_or_send") or "", "")
    m = r.get("metrics") or {}
    # a video of two climbs, each analysed on its own: which one this is
    which = (_("climb {start} to {end}").format(start=secs(m["climb_start_s"]), end=secs(m["climb_end_s"]))
             if m.get("other_climbs") and m.get("climb_start_s") is not None else "")
    parts = [r.get("climber") or _("Anonymous climber"), r.get("route_name") or "", r.get("grade") or "", kind,
             which, date_time(r.get("created_at"))]
    return " · ".join(p for p in parts if p)


def completed_options(viewer: User) -> list[dict[str, Any]]:
    return [{"analysis_id": r["analysis_id"], "label": option_label(r)}
            for r in recent(viewer, 200) if r["status"] == Status.COMPLETED]


#: How a coach names being better in an area (the verdict's words).
BETTER_IN = {"arms": N_("straighter arms"), "footwork": N_("more precise feet"),
             "hips": N_("hips better over the feet"), "pacing": N_("a steadier pace"),
             "fluency": N_("more fluent movement"), "dynamics": N_("more controlled dynamic moves")}
#: Below these, two attempts count as equal (area points, seconds, share of the path).
SAME_POINTS, SAME_SECONDS, SAME_SHARE = 5, 0.5, 0.05
#: ... and below this many times the spread of the difference (each score's spread when the pose is
#: read again, see technique.reread, combined): the same climb read again could give it.
SAME_SPREADS = 2.0
#: Wall frames whose colour histograms correlate below this are taken for different walls.
SAME_WALL = 0.5


def _noise(a: float | None, b: float | None) -> float:
    """The points two scores must differ by to be more than the reading (see SAME_SPREADS)."""
    return SAME_SPREADS * float(np.hypot(a or 0.0, b or 0.0))


def _differences(ra: dict[str, Any], rb: dict[str, Any], same_wall: bool = True) -> list[dict[str, Any]]:
    """The differences between two attempts a coach would name, each with who is ahead, its size
    for ranking (in area points, or points-equivalent) and its words. The path's directness and the
    time only on one route on one wall (``same_wall``: not seen to differ; see warnings): across
    two, they say more of the routes than of the climbing."""
    out = []
    sa = {p["area"]: p["score"] for p in ra.get("technique_points") or [] if p.get("assessed")}
    sb = {p["area"]: p["score"] for p in rb.get("technique_points") or [] if p.get("assessed")}
    ua = {p["area"]: p.get("spread") for p in ra.get("technique_points") or []}
    ub = {p["area"]: p.get("spread") for p in rb.get("technique_points") or []}
    for area in AREAS:
        if area in sa and area in sb and abs(sb[area] - sa[area]) >= max(SAME_POINTS, _noise(ua.get(area), ub.get(area))):
            d = sb[area] - sa[area]
            out.append({"who": "B" if d > 0 else "A", "size": abs(d),
                        "words": _("{what} ({points} points)").format(what=_(BETTER_IN[area]), points=f"+{abs(d)}")})
    ma, mb = ra.get("metrics") or {}, rb.get("metrics") or {}
    same_route = same_wall and (ra.get("route_name") or "").strip().lower() == (rb.get("route_name") or "").strip().lower()
    ea, eb = ma.get("path_efficiency"), mb.get("path_efficiency")
    if ea is not None and eb is not None and abs(eb - ea) >= SAME_SHARE and same_route:
        out.append({"who": "B" if eb > ea else "A", "size": 100 * abs(eb - ea),
                    "words": _("a more direct path ({a} vs {b})").format(a=pct(max(ea, eb)), b=pct(min(ea, eb)))})
    da, db = ma.get("duration_s"), mb.get("duration_s")
    if da and db and abs(db - da) >= SAME_SECONDS and same_route:
        out.append({"who": "B" if db < da else "A", "size": 10 * abs(db - da),
                    "words": _("{s} faster").format(s=f"{num(abs(db - da), 1)} s")})
    return sorted(out, key=lambda d: -d["size"])


def verdict(ra: dict[str, Any], rb: dict[str, Any], same_wall: bool = True) -> dict[str, Any]:
    """Which attempt was better and why, in plain words: the overall score first, then the two or
    three largest differences on the winner's side (see _differences for ``same_wall``)."""
    pa, pb = (None if r.get("performance_score") is None else int(round(r["performance_score"])) for r in (ra, rb))
    diffs = _differences(ra, rb, same_wall)
    spread_a, spread_b = (((r.get("metrics") or {}).get("score_spread") or {}).get("performance") for r in (ra, rb))
    if pa is None or pb is None:
        lead = None
    elif abs(pb - pa) < max(3, _noise(spread_a, spread_b)):
        lead = None
    else:
        lead = "B" if pb > pa else "A"
    if lead is None:
        best = diffs[:3]
        if pa is not None and pb is not None and abs(pb - pa) >= 3:  # apart, but no more than a second reading could be
            head = _("The two attempts are close: performance score {a}/100 and {b}/100 differ by no more than the same "
                     "climb read again could.").format(a=pa, b=pb)
        else:
            head = _("The two attempts are close (performance score {a}/100 and {b}/100).").format(
                a=pa if pa is not None else "-", b=pb if pb is not None else "-")
        detail = "; ".join(_("{who}: {what}").format(who=_("Attempt {x}").format(x=d["who"]), what=d["words"]) for d in best)
        text = head + (" " + detail + "." if detail else "")
    else:
        best = [d for d in diffs if d["who"] == lead][:3]
        reasons = ", ".join(d["words"] for d in best)
        text = _("Attempt {x} was better: performance score {hi}/100 against {lo}/100.").format(
            x=lead, hi=max(pa, pb), lo=min(pa, pb))  # type: ignore[type-var]
        if reasons:
            text += " " + _("Mostly {reasons}.").format(reasons=reasons)
        others = [d for d in diffs if d["who"] != lead][:1]
        if others:
            text += " " + _("Attempt {x} was ahead in one thing: {what}.").format(x=others[0]["who"], what=others[0]["words"])
    return {"better": lead, "text": text, "differences": diffs}


def _wall_similarity(ra: dict[str, Any], rb: dict[str, Any]) -> float | None:
    """Correlation of the hue-saturation histograms of the two wall frames (1 = same look)."""
    imgs = []
    for r in (ra, rb):
        data = blob(((r.get("route_analysis") or {}).get("wall_frame") or {}).get("ref"))
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
        if img is None:
            return None
        hsv = cv2.cvtColor(cv2.resize(img, (160, 160)), cv2.COLOR_BGR2HSV)
        h = cv2.calcHist([hsv], [0, 1], None, [30, 16], [0, 180, 0, 256])
        imgs.append(cv2.normalize(h, h).flatten())
    return float(cv2.compareHist(imgs[0], imgs[1], cv2.HISTCMP_CORREL))


def warnings(ra: dict[str, Any], rb: dict[str, Any], sim: float | None) -> list[str]:
    """What makes the two clips hard to compare: different routes, different walls (``sim``: the
    wall frames' similarity, None when a frame is missing)."""
    out = []
    na, nb = (ra.get("route_name") or "").strip().lower(), (rb.get("route_name") or "").strip().lower()
    if na and nb and na != nb:
        out.append(_("These are different routes ({a} and {b}): times and paths are not directly comparable.").format(
            a=ra.get("route_name"), b=rb.get("route_name")))
    if sim is not None and sim < SAME_WALL:
        out.append(_("The two clips look like different walls or camera positions: compare technique scores, not paths."))
    return out


#: In the table of measures, a difference no larger than the reading's spread (see SAME_SPREADS).
WITHIN_SPREAD = "≈"


def metric_table(ra: dict[str, Any], rb: dict[str, Any]) -> list[dict[str, Any]]:
    """The measures side by side in the reader's language, with the change in percent (of a share:
    in percentage points) and which is better: WITHIN_SPREAD where the two differ by no more than the same climb read again could."""
    lang = language()
    rows = []
    for key in catalog.METRICS:
        va, vb = (ra.get("metrics") or {}).get(key), (rb.get("metrics") or {}).get(key)
        if va is None or vb is None or key not in HIGHER_IS_BETTER and key != "pose_coverage":
            continue
        sa, sb = (((r.get("metrics") or {}).get("value_spread") or {}).get(key) for r in (ra, rb))
        better = "" if va == vb or key not in HIGHER_IS_BETTER else \
            WITHIN_SPREAD if abs(vb - va) <= _noise(sa, sb) else ("A" if (va > vb) == HIGHER_IS_BETTER[key] else "B")
        sign = "+" if vb >= va else "−"
        if catalog.METRICS[key]["kind"] == "pct":  # a share: how many percentage points it moved,
            # between the two as shown (24% and 54% differ by 30 points, whatever the decimals)
            change = sign + _("{v} pp").format(v=num(abs(round(vb * 100) - round(va * 100)), 0))
        else:
            change = f"{sign}{pct(abs(vb - va) / abs(va))}" if va else "-"
        rows.append({_("Measure"): catalog.metric_label(lang, key), "A": catalog.metric_value(lang, key, va),
                     "B": catalog.metric_value(lang, key, vb), _("Change from A to B"): change, _("Better"): better})
    return rows


def compare(viewer: User, a: str, b: str) -> dict[str, Any]:
    """Two attempts side by side: metric deltas with which is better, key frames aligned by progress."""
    va_, vb_ = visible(a, viewer), visible(b, viewer)
    if not va_ or not vb_:
        raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "analysis not found")
    ra, rb = localize(dict(va_)), localize(dict(vb_))
    rows = []
    for k, higher in HIGHER_IS_BETTER.items():
        va = ra.get(k) if k == "performance_score" else (ra.get("metrics") or {}).get(k)
        vb = rb.get(k) if k == "performance_score" else (rb.get("metrics") or {}).get(k)
        if va is None or vb is None:
            continue
        better = "=" if va == vb else ("A" if (va > vb) == higher else "B")
        rows.append({"metric": k, "A": va, "B": vb, "delta (B-A)": round(vb - va, 3), "better": better})
    sim = _wall_similarity(ra, rb)
    return {"a": ra, "b": rb, "rows": rows, "frames": aligned_frames(dict(ra), dict(rb)),
            "verdict": verdict(ra, rb, not (sim is not None and sim < SAME_WALL)), "warnings": warnings(ra, rb, sim),
            "table": metric_table(ra, rb),
            # the attempts whose height gained is not measured, left out of the height chart
            "height_unmeasured": [n for n, r in (("A", ra), ("B", rb)) if not charts.height_measured(r)],
            # the same wall seen from the same place: both hip paths can be drawn on A's wall frame
            "same_wall": sim is not None and sim >= SAME_WALL}


def aligned_frames(ra: dict[str, Any], rb: dict[str, Any], n: int = 5) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pairs of key frames at the same progress (0-100%) through each climb."""
    def at(rec: dict[str, Any], q: float) -> dict[str, Any] | None:
        kf = rec.get("key_frames") or []
        win = (rec.get("route_analysis") or {}).get("climb_window") or {}
        if not kf:
            return None
        a, b = win.get("start", kf[0]["time"]), win.get("end", kf[-1]["time"])
        target = a + q * (b - a)
        return min(kf, key=lambda k: abs(k["time"] - target))

    return [(at(ra, q), at(rb, q)) for q in [i / (n - 1) for i in range(n)]]
