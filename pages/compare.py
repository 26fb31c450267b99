"""Compare: one climber over time, or two attempts side by side."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import api
from ui.session import media_url
from ui.shell import page

user = page()
st.title("Compare sessions")
over_time, side = st.tabs(["One climber over time", "Two attempts side by side"])

with over_time:
    climbers = api.climbers(user)
    if not climbers:
        st.info("No completed sessions yet.")
    else:
        who = st.selectbox("Climber", climbers)
        rows = api.trend(user, who)
        routes = sorted({r["route_name"] for r in rows if r.get("route_name")})
        grades = sorted({r["grade"] for r in rows if r.get("grade")})
        f1, f2 = st.columns(2)
        route = f1.selectbox("Route", ["All routes"] + routes)
        grade = f2.selectbox("Grade", ["All grades"] + grades)
        rows = api.trend(user, who, None if route == "All routes" else route, None if grade == "All grades" else grade)
        if len(rows) == 0:
            st.info("No completed session matches.")
        else:
            st.caption(f"{len(rows)} session(s)")
            st.plotly_chart(api.charts.trend_figure(rows, "performance_score", "Performance score"), width="stretch")
            metric = st.selectbox("Metric", [k for k in api.HIGHER_IS_BETTER if k != "performance_score"],
                                  format_func=lambda k: k.replace("_", " "))
            better = "higher" if api.HIGHER_IS_BETTER[metric] else "lower"
            st.plotly_chart(api.charts.trend_figure(rows, metric, f"{metric.replace('_', ' ')} ({better} is better)"),
                            width="stretch")

with side:
    options = api.completed_options(user)
    if len(options) < 2:
        st.info("Two completed analyses are needed to compare.")
    else:
        labels = {o["analysis_id"]: o["label"] for o in options}
        ids = list(labels)
        c1, c2 = st.columns(2)
        a = c1.selectbox("Attempt A", ids, index=1, format_func=labels.get)
        b = c2.selectbox("Attempt B", ids, index=0, format_func=labels.get)
        cmp = api.compare(user, a, b)
        names = ("A", "B")
        g1, g2 = st.columns(2)
        g1.plotly_chart(api.charts.radar_figure(cmp["a"], cmp["b"], names), width="stretch")
        g2.plotly_chart(api.charts.paths_overlay_figure(cmp["a"], cmp["b"], names), width="stretch")
        st.table([{"metric": r["metric"].replace("_", " "), "A": f"{r['A']:.3g}", "B": f"{r['B']:.3g}",
                   "B - A": f"{r['delta (B-A)']:+.3g}", "better": r["better"]} for r in cmp["rows"]])
        st.markdown("**Key frames at the same point of the climb**")
        for i, (fa, fb) in enumerate(cmp["frames"]):
            q = int(100 * i / max(1, len(cmp["frames"]) - 1))
            k1, k2 = st.columns(2)
            for col, f, n, rec in ((k1, fa, "A", cmp["a"]), (k2, fb, "B", cmp["b"])):
                if not f:
                    continue
                # served by /files/, which checks the session (bytes only without a browser address)
                source = media_url(rec["analysis_id"], Path(f.get("key") or "").stem) or api.blob(f.get("ref"))
                if source:
                    col.image(source, caption=f"{n} · {q}% of the climb · {f['time']:.1f} s", width="stretch")
