"""Plotly figures built from analysis records (no Streamlit here; pages only display them)."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go

from core.analysis import catalog
from core.analysis.technique import AREAS
from core.i18n import _, date_time, language, num, secs
from core.ops import health as checks

ACCENT = "#E4572E"
HAND = "#E4572E"
FOOT = "#2E86AB"
HOLD = "#FFD23F"  # a hold used by a hand
FOOT_HOLD = "#9ED8F0"  # a hold used by feet only
PATH = "#F2A541"
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), template="plotly_white", height=420)


def _wall_box(ra: dict[str, Any], w: float, h: float) -> tuple[float, float, float, float]:
    """Where the wall frame lies in the route's coordinates (frame pixels): the first frame's view,
    or more of the wall where the camera moved on from it."""
    bx = (ra.get("wall_frame") or {}).get("box") or [0.0, 0.0, 1.0, 1.0]
    return bx[0] * w, bx[1] * h, bx[2] * w, bx[3] * h


def _wall_image(fig: go.Figure, wall_jpeg: bytes, box: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = box
    fig.add_layout_image(dict(source="data:image/jpeg;base64," + base64.b64encode(wall_jpeg).decode(),
                              xref="x", yref="y", x=x0, y=y0, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch",
                              layer="below", opacity=0.85))


def route_figure(rec: dict[str, Any], wall_jpeg: bytes | None) -> go.Figure:
    """The route as climbed over the wall frame: hip path and numbered hand/foot contacts."""
    ra = rec.get("route_analysis") or {}
    w, h = (ra.get("frame_size") or [1, 1])
    fig = go.Figure()
    path = [p for p in ra.get("climbed_path", []) if p.get("in_climb", True)]
    if path:
        fig.add_trace(go.Scatter(x=[p["x"] * w for p in path], y=[p["y"] * h for p in path], mode="lines",
                                 line=dict(color=PATH, width=4), name=_("hip path"),
                                 hovertemplate="%{text}<extra></extra>", text=[secs(p["time"]) for p in path]))
    kinds = {"hand": _("hand contacts"), "foot": _("foot contacts")}
    limbs = {"left_hand": _("left hand"), "right_hand": _("right hand"), "left_foot": _("left foot"),
             "right_foot": _("right foot")}
    used = ra.get("holds") or []
    for hd in used:  # each hold used, outlined where it was found on the wall
        x0, y0, x1, y1 = hd["box"]
        fig.add_shape(type="circle", x0=x0 * w - 4, y0=y0 * h - 4, x1=x1 * w + 4, y1=y1 * h + 4, layer="above",
                      line=dict(color=HOLD if hd.get("hand") else FOOT_HOLD, width=3))
    if used:
        fig.add_trace(go.Scatter(
            x=[(hd["box"][0] + hd["box"][2]) / 2 * w for hd in used], y=[hd["box"][1] * h - 14 for hd in used],
            mode="text", text=[str(hd["number"]) for hd in used], textfont=dict(color=HOLD, size=13),
            name=_("holds used"), showlegend=False,  # the caption explains the rings; a phone has no room
            hovertext=[_("hold {number}: first at {time}, {limbs}").format(
                number=hd["number"], time=secs(hd["first_s"]), limbs=", ".join(limbs.get(x, x) for x in hd["limbs"]))
                for hd in used],
            hoverinfo="text"))
    for kind, color, symbol in (("hand", HAND, "circle"), ("foot", FOOT, "square")):
        cs = [c for c in ra.get("ideal_route", []) if c["hold_type"] == kind]
        if cs:
            fig.add_trace(go.Scatter(
                x=[c["x"] * w for c in cs], y=[c["y"] * h for c in cs], mode="markers+text",
                marker=dict(size=18, color=color, symbol=symbol, line=dict(color="white", width=2)),
                text=[str(c["order"]) for c in cs], textfont=dict(color="white", size=10),
                name=kinds[kind],
                hovertext=[_("#{order} {limb} at {time} for {duration}").format(
                    order=c["order"], limb=limbs.get(c["limb"], c["limb"]), time=secs(c["time"]),
                    duration=secs(c["duration_s"]))
                    + (" · " + _("hold {number}").format(number=c["hold"]) if c.get("hold") else "") for c in cs],
                hoverinfo="text"))
    # everything drawn is in view: with a camera that moved (a phone following the climber up), the
    # holds taken late lie beyond the wall frame of the first moments (the top hold above it)
    marks = ra.get("ideal_route", [])
    x0, y0, x1, y1 = _wall_box(ra, w, h)
    xs = [x0, x1] + [p["x"] * w for p in path] + [c["x"] * w for c in marks]
    ys = [y0, y1] + [p["y"] * h for p in path] + [c["y"] * h for c in marks]
    if wall_jpeg:
        _wall_image(fig, wall_jpeg, (x0, y0, x1, y1))
    # constrain the domain, not the range: with the range, plotly widens it for the first width it
    # draws at and keeps it when the chart is narrower (a phone), leaving the wall a third of the width
    fig.update_xaxes(range=[min(xs) - 10, max(xs) + 10], visible=False, constrain="domain")
    fig.update_yaxes(range=[max(ys) + 10, min(ys) - 10], visible=False, scaleanchor="x", constrain="domain")
    # the legend above the wall, not below it: below, plotly's automatic margin for a wrapped legend
    # squeezed the wall frame to a third of a phone's width
    fig.update_layout(**{**LAYOUT, "height": 560, "margin": dict(l=0, r=0, t=70, b=0)}, title=_("Route as climbed"),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    return fig


def timeline_figure(rec: dict[str, Any]) -> go.Figure:
    """Height and speed over time, pauses shaded, weak segments marked."""
    ra = rec.get("route_analysis") or {}
    path = ra.get("climbed_path", [])
    fig = go.Figure()
    # without an "up" from the body (a roof) the height is how far the hips rose in the picture
    name = _("height (torso lengths)") if ra.get("height_basis") != "picture" else _("up the picture (torso lengths)")
    fig.add_trace(go.Scatter(x=[p["time"] for p in path], y=[p["height"] for p in path], name=name,
                             line=dict(color=ACCENT, width=3)))
    sp = [p for p in path if p.get("speed") is not None]
    fig.add_trace(go.Scatter(x=[p["time"] for p in sp], y=[p["speed"] for p in sp], name=_("hip speed (torso lengths/s)"),
                             yaxis="y2", line=dict(color=FOOT, width=1.5, dash="dot")))
    for p in (rec.get("metrics") or {}).get("pauses_detail", []):
        fig.add_vrect(x0=p["time_start"], x1=p["time_end"], fillcolor="#9CA3AF", opacity=0.25, line_width=0,
                      annotation_text=_("pause"), annotation_position="top left")
    for s in ra.get("performance_segments", []):
        if s.get("issue_key") or s.get("issue"):
            fig.add_vrect(x0=s["time_start"], x1=s["time_end"], fillcolor=ACCENT, opacity=0.08, line_width=0,
                          annotation_text=segment_issue(s), annotation_position="bottom left")
    win = ra.get("climb_window") or {}
    for key in ("start", "end"):
        if win.get(key) is not None:
            fig.add_vline(x=win[key], line_dash="dash", line_color="#6B7280")
    fig.update_layout(**LAYOUT, title=_("Height and speed over time"), xaxis_title=_("seconds"),
                      yaxis=dict(title=_("height")), yaxis2=dict(title=_("hip speed"), overlaying="y", side="right",
                                                                 showgrid=False, tickmode="auto", nticks=5),
                      legend=dict(orientation="h", y=-0.2), separators=_separators())
    return fig


#: The measures a trend can follow (those with a label for climbers).
TREND_METRICS = tuple(catalog.METRICS)


def metric_label(key: str) -> str:
    return catalog.metric_label(language(), key)


def _separators() -> str:
    """Plotly's decimal and thousands separators for the current language."""
    return ",." if language() == "de" else ".,"


def segment_issue(seg: dict[str, Any]) -> str:
    """A weak stretch's issue in the reader's language (older records: the stored words)."""
    key = seg.get("issue_key")
    return catalog.text(language(), key) if key else str(seg.get("issue") or "")


def radar_figure(rec: dict[str, Any], other: dict[str, Any] | None = None, names: tuple[str, str] = ("", "")) -> go.Figure:
    """Area scores on a radar. An area not assessed is a gap named so on its axis, never a zero."""
    records = [(r, n, c) for r, n, c in ((rec, names[0], ACCENT), (other, names[1], FOOT)) if r]
    lang = language()
    scores = [{p["area"]: p["score"] for p in r.get("technique_points", []) if p.get("assessed")} for r, _n, _c in records]
    theta = []
    for area in AREAS:
        missing = [n for (r, n, _c), sc in zip(records, scores) if area not in sc]
        name = catalog.area_name(lang, area)
        # on a line of its own under the area's name: a long label would be cut at the chart's edge
        if missing and len(records) > 1 and len(missing) < len(records):
            name = _("{area} (not assessed for {who})").format(area=name, who=", ".join(missing)).replace(" (", "<br>(", 1)
        elif missing:
            name = _("{area} (not assessed)").format(area=name).replace(" (", "<br>(", 1)
        theta.append(name)
    fig = go.Figure()
    for (_r, name, color), sc in zip(records, scores):
        vals = [sc.get(a) for a in AREAS]
        fig.add_trace(go.Scatterpolar(r=vals + vals[:1], theta=theta + theta[:1], fill="toself", connectgaps=False,
                                      name=name or _("technique"), line=dict(color=color), mode="lines+markers",
                                      hovertemplate="%{theta}: %{r}/100<extra></extra>"))
    fig.update_layout(**{**LAYOUT, "height": 380, "margin": dict(l=70, r=70, t=50, b=30)}, title=_("Technique"),
                      polar=dict(radialaxis=dict(range=[0, 100], tickfont=dict(size=9)),
                                 angularaxis=dict(tickfont=dict(size=11))),
                      showlegend=other is not None, legend=dict(orientation="h", y=-0.1))
    return fig


#: Dates under a trend stand at least this share of its span apart (closer ones wrote over each
#: other on a phone), so there are at most 1/TREND_TICK_GAP + 1 of them.
TREND_TICK_GAP = 0.25
#: Room after the last session, as a share of the time the trend spans.
TREND_PAD = 0.25


def trend_figure(rows: list[dict[str, Any]], metric: str, label: str) -> go.Figure:
    """One measure over the sessions, on a time axis whose dates are written in the reader's language;
    a score with bars as long as it moves when the climb is read again (``{metric}_spread``), so a
    change inside them is not read as progress."""
    pts = sorted((r for r in rows if r.get(metric) is not None), key=lambda r: r["created_at"])
    when = [date_time(r["created_at"]) for r in pts]
    spread = [r.get(f"{metric}_spread") for r in pts]
    bars = dict(type="data", array=[s or 0.0 for s in spread], visible=True, color=ACCENT, thickness=1.5, width=4) \
        if any(s is not None for s in spread) else None
    fig = go.Figure(go.Scatter(x=[r["created_at"] for r in pts], y=[r[metric] for r in pts], mode="lines+markers",
                               customdata=[[w, r.get("route_name") or "", "" if s is None else f" ± {num(s, 0)}"]
                                           for w, r, s in zip(when, pts, spread)],
                               hovertemplate="%{customdata[0]} %{customdata[1]}: %{y}%{customdata[2]}<extra></extra>",
                               error_y=bars, line=dict(color=ACCENT)))
    if pts:
        at = [datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) for r in pts]
        # dates at least TREND_TICK_GAP of the span apart, the latest always
        gap = (at[-1] - at[0]) * TREND_TICK_GAP
        ticks: list[int] = []
        for i, t in enumerate(at):
            if not ticks or t - at[ticks[-1]] >= gap:
                ticks.append(i)
        ticks[-1] = len(at) - 1  # (the one it replaces, if another, is less than a gap before it)
        # date over time, level (slanted, a date from the right edge ran out of the chart)
        fig.update_xaxes(tickvals=[pts[i]["created_at"] for i in ticks], tickangle=0,
                         ticktext=["<br>".join(when[i].rsplit(", ", 1)) for i in ticks])
        # room after the latest: its date, written slanted from the right edge, was hidden on a phone
        pad = (at[-1] - at[0]) * TREND_PAD if at[-1] > at[0] else timedelta(hours=1)
        fig.update_xaxes(range=[(at[0] - pad / 4).isoformat(), (at[-1] + pad).isoformat()])
    if metric == "performance_score":
        fig.update_yaxes(range=[0, 100], ticksuffix="/100")
    fig.update_layout(**{**LAYOUT, "height": 300}, title=label, separators=_separators())
    return fig


def height_measured(rec: dict[str, Any]) -> bool:
    """Is the height gained measured in this record: was "up" certain (from the body, or confirmed)?
    Where it was not (a roof, a turned picture nothing confirms), the record's path heights are how
    far the hips rose in the picture, and its summary says the height is not measured."""
    return (rec.get("route_analysis") or {}).get("height_basis") != "picture"


def paths_overlay_figure(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str]) -> go.Figure:
    """Both hip paths, normalised: time as progress 0-1, height relative to each climb's start; a
    climb whose height is not measured (see height_measured) is left out, not drawn as a height."""
    fig = go.Figure()
    for r, name, color in ((a, names[0], ACCENT), (b, names[1], FOOT)):
        path = [p for p in (r.get("route_analysis") or {}).get("climbed_path", []) if p.get("in_climb", True)]
        if len(path) < 2 or not height_measured(r):
            continue
        t0, t1 = path[0]["time"], path[-1]["time"]
        h0 = path[0]["height"]
        fig.add_trace(go.Scatter(x=[(p["time"] - t0) / max(t1 - t0, 1e-6) for p in path],
                                 y=[p["height"] - h0 for p in path], name=name, line=dict(color=color, width=3)))
    fig.update_layout(**{**LAYOUT, "height": 360}, title=_("Hip height through the climb"),
                      xaxis=dict(title=_("progress through the climb"), tickformat=".0%"),
                      yaxis_title=_("height gained (torso lengths)"), separators=_separators(),
                      showlegend=True, legend=dict(orientation="h", y=-0.25))  # (which one, when one is drawn)
    return fig


def paths_on_wall_figure(a: dict[str, Any], b: dict[str, Any], wall_jpeg: bytes | None,
                         names: tuple[str, str]) -> go.Figure:
    """Both hip paths over A's wall frame (for two clips of the same wall from the same place);
    each path in its own frame's proportions, drawn on A's frame size."""
    ra = a.get("route_analysis") or {}
    w, h = (ra.get("frame_size") or [1, 1])
    fig = go.Figure()
    for r, name, color in ((a, names[0], ACCENT), (b, names[1], FOOT)):
        path = [p for p in (r.get("route_analysis") or {}).get("climbed_path", []) if p.get("in_climb", True)]
        if len(path) >= 2:
            fig.add_trace(go.Scatter(x=[p["x"] * w for p in path], y=[p["y"] * h for p in path], mode="lines",
                                     name=name, line=dict(color=color, width=4),
                                     hovertemplate="%{text}<extra></extra>", text=[secs(p["time"]) for p in path]))
    x0, y0, x1, y1 = _wall_box(ra, w, h)
    if wall_jpeg:
        _wall_image(fig, wall_jpeg, (x0, y0, x1, y1))
    fig.update_xaxes(range=[x0, x1], visible=False, constrain="domain")
    fig.update_yaxes(range=[y1, y0], visible=False, scaleanchor="x", constrain="domain")
    fig.update_layout(**{**LAYOUT, "height": 520}, title=_("Both hip paths on the wall"),
                      legend=dict(orientation="h", y=-0.02))
    return fig


def metric_rows(rec: dict[str, Any], lang: str | None = None) -> list[dict[str, Any]]:
    """The metrics with a one-line explanation of what each means for this climber, in the reader's
    language (column names too)."""
    lang = lang or language()
    m = rec.get("metrics") or {}
    out = []
    for key in catalog.METRICS:
        v = m.get(key)
        if v is None:
            continue
        out.append({_("Measure"): catalog.metric_label(lang, key), _("Value"): catalog.metric_value(lang, key, v),
                    _("What it means"): catalog.metric_meaning(lang, key, v, m)})
    return out


#: At most this many times written under the health history.
HEALTH_TICKS = 6


def health_figure(history: list[dict[str, Any]]) -> go.Figure:
    """Health history: one row per check, coloured by status."""
    colour = {"ok": 2, "skipped": 1, "degraded": 1, "fail": 0}
    runs = list(reversed(history))
    names = [c["name"] for c in runs[-1]["checks"]]
    z = [[colour.get(next((c["status"] for c in r["checks"] if c["name"] == n), "skipped"), 1) for r in runs] for n in names]
    at = [r["at"][:16].replace("T", " ") for r in runs]
    fig = go.Figure(go.Heatmap(z=z, x=at, y=[_(checks.NAMES.get(n, n)) for n in names], zmin=0, zmax=2, customdata=[[date_time(r["at"]) for r in runs]] * len(names),
                               hovertemplate="%{y} · %{customdata}<extra></extra>",
                               colorscale=[[0, "#DC2626"], [0.5, "#F59E0B"], [1, "#16A34A"]], showscale=False))
    # times written as the reader's language writes them (plotly's own date ticks are English)
    step = max(1, -(-len(runs) // HEALTH_TICKS))
    fig.update_xaxes(tickvals=at[::step], ticktext=[date_time(r["at"]) for r in runs[::step]])
    # (the colours' meaning on a line of its own: one long title is cut off on a phone)
    fig.update_layout(**{**LAYOUT, "height": 320, "margin": dict(l=10, r=10, t=60, b=10)},
                      title=dict(text=_("Health history") + "<br><sup>" + _("green ok, amber degraded or skipped, red failed")
                                 + "</sup>"))
    return fig


def sli_figure(sli: dict[str, Any]) -> go.Figure:
    """Failures by code and degraded results by reason over the last 24 h."""
    w = sli["windows"]["24h"]
    fig = go.Figure()
    if w["failures_by_code"]:
        fig.add_trace(go.Bar(x=list(w["failures_by_code"]), y=list(w["failures_by_code"].values()), name=_("failed"),
                             marker_color="#DC2626"))
    if w["degraded_by_reason"]:
        fig.add_trace(go.Bar(x=list(w["degraded_by_reason"]), y=list(w["degraded_by_reason"].values()), name=_("degraded"),
                             marker_color="#F59E0B"))
    if not (w["failures_by_code"] or w["degraded_by_reason"]):
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    fig.update_layout(**{**LAYOUT, "height": 300, "margin": dict(l=10, r=10, t=60, b=10)},
                      title=dict(text=_("Last 24 h") + "<br><sup>" + _("failures by code, degraded by reason") + "</sup>"),
                      annotations=[] if (w["failures_by_code"] or w["degraded_by_reason"]) else
                      [dict(text=_("No failures or degraded results in the last 24 h"), showarrow=False, x=0.5, y=0.5,
                            xref="paper", yref="paper")])
    return fig
