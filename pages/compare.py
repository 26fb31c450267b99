"""Compare: two attempts side by side as video, in sync, with a verdict; or one climber over time."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import api
from core.api import _
from ui.player import player
from ui.session import media_url
from ui.shell import page
from ui.widgets import fragment, md

user = page()
st.title(_("Compare sessions"))
side, over_time = st.tabs([_("Two attempts side by side"), _("One climber over time")])

with side:
    options = api.completed_options(user)
    if len(options) < 2:
        st.info(_("Two completed analyses are needed to compare."))
    else:
        labels = {o["analysis_id"]: o["label"] for o in options}
        ids = list(labels)
        c1, c2 = st.columns(2)
        a = c1.selectbox(_("Attempt A"), ids, index=1, format_func=labels.get)
        b = c2.selectbox(_("Attempt B"), ids, index=0, format_func=labels.get)
        cmp = api.compare(user, a, b)
        st.markdown(f"#### {md(cmp['verdict']['text'])}")
        for w in cmp["warnings"]:
            st.warning(w)

        # the two replays in sync from each climb's start; one set of controls drives both
        starts = [((r.get("route_analysis") or {}).get("climb_window") or {}).get("start") or 0.0
                  for r in (cmp["a"], cmp["b"])]
        urls = [media_url(r["analysis_id"], "replay") if r.get("replay_ref") else None for r in (cmp["a"], cmp["b"])]
        if all(urls):
            fps = float((cmp["a"].get("metrics") or {}).get("analysis_fps") or 8)
            player(f"compare-{a}-{b}", [{"src": urls[0], "label": _("A: {what}").format(what=labels[a]), "start": starts[0]},
                                        {"src": urls[1], "label": _("B: {what}").format(what=labels[b]), "start": starts[1]}],
                   fps, key=f"cmp-player-{a}-{b}")
            st.caption(_("Both replays start where each climb starts and play in step. If one is a little ahead, move B "
                         "by single frames."))
        elif media_url(a, "replay") is not None:
            # a replay is made after the result is stored: the player appears by itself once both are
            @fragment(run_every=2.0)
            def replays_pending() -> None:
                if all(api.replay_ready(x, user) for x in (a, b)):
                    st.rerun()
                st.info(_("A replay is still being prepared or was not kept; compare the key frames below."))

            replays_pending()

        g1, g2 = st.columns(2)
        g1.plotly_chart(api.charts.radar_figure(cmp["a"], cmp["b"], ("A", "B")), width="stretch")
        if len(cmp["height_unmeasured"]) < 2:  # (no empty chart where neither height is measured)
            g2.plotly_chart(api.charts.paths_overlay_figure(cmp["a"], cmp["b"], ("A", "B")), width="stretch")
        if cmp["height_unmeasured"]:
            g2.caption(api.ngettext("The height gained is not measured for {which}, so it is not drawn: which way is up "
                                    "is not certain in that video.",
                                    "The height gained is not measured for {which}, so neither is drawn: which way is "
                                    "up is not certain in those videos.",
                                    len(cmp["height_unmeasured"])).format(which=" & ".join(cmp["height_unmeasured"])))
        if cmp["same_wall"]:
            wall = api.blob(((cmp["a"].get("route_analysis") or {}).get("wall_frame") or {}).get("ref"))
            st.plotly_chart(api.charts.paths_on_wall_figure(cmp["a"], cmp["b"], wall, ("A", "B")), width="stretch")
        if cmp["table"]:
            st.dataframe(cmp["table"], hide_index=True, width="stretch")
            if any(v == api.WITHIN_SPREAD for row in cmp["table"] for v in row.values()):
                st.caption(_("≈: the two differ by no more than the same climb, read again from the video, could."))
        st.markdown("**" + _("Key frames at the same point of the climb") + "**")
        for i, (fa, fb) in enumerate(cmp["frames"]):
            q = i / max(1, len(cmp["frames"]) - 1)
            k1, k2 = st.columns(2)
            for col, f, n, rec in ((k1, fa, "A", cmp["a"]), (k2, fb, "B", cmp["b"])):
                if not f:
                    continue
                # served by /files/, which checks the session (bytes only without a browser address)
                source = media_url(rec["analysis_id"], Path(f.get("key") or "").stem) or api.blob(f.get("ref"))
                if source:
                    col.image(source, caption=_("{who} · {share} of the climb · {t}").format(
                        who=n, share=api.pct(q), t=api.secs(f["time"])), width="stretch")

with over_time:
    climbers = api.climbers(user)
    if not climbers:
        st.info(_("No completed sessions yet."))
    else:
        who = st.selectbox(_("Climber"), climbers)
        rows = api.trend(user, who)
        routes = sorted({r["route_name"] for r in rows if r.get("route_name")})
        grades = sorted({r["grade"] for r in rows if r.get("grade")})
        f1, f2 = st.columns(2)
        route = f1.selectbox(_("Route"), [None] + routes, format_func=lambda x: _("All routes") if x is None else x)
        grade = f2.selectbox(_("Grade"), [None] + grades, format_func=lambda x: _("All grades") if x is None else x)
        rows = api.trend(user, who, route, grade)
        if len(rows) == 0:
            st.info(_("No completed session matches."))
        else:
            st.caption(api.ngettext("{n} session", "{n} sessions", len(rows)).format(n=len(rows)))
            st.plotly_chart(api.charts.trend_figure(rows, "performance_score", _("Performance score")), width="stretch")
            metric = st.selectbox(_("Measure"), [k for k in api.HIGHER_IS_BETTER if k in api.charts.TREND_METRICS],
                                  format_func=api.charts.metric_label)
            better = _("higher is better") if api.HIGHER_IS_BETTER[metric] else _("lower is better")
            st.plotly_chart(api.charts.trend_figure(rows, metric, f"{api.charts.metric_label(metric)} ({better})"),
                            width="stretch")
