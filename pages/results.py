"""Results: the coaching for one analysis. The URL carries the analysis id (?id=...)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import api
from ui.session import media_url
from ui.shell import page
from ui.widgets import fmt_duration, live_status, md, score_text, title_of

user = page()
options = api.completed_options(user)
aid = st.query_params.get("id")
if not aid:
    if not options:
        st.title("Results")
        st.info("No analysis yet. Upload a climb first.")
        st.page_link("pages/upload.py", label="Upload a climb", icon=":material/upload:")
        st.stop()
    aid = options[0]["analysis_id"]
labels = {o["analysis_id"]: o["label"] for o in options}
if aid in labels:
    picked = st.selectbox("Analysis", list(labels), index=list(labels).index(aid), format_func=labels.get,
                          label_visibility="collapsed")
    if picked != aid:
        st.query_params["id"] = picked
        st.rerun()

rec = api.get(aid, user)
if rec is None:
    st.warning("This analysis does not exist, or it is not yours to see.")
    st.stop()
st.title(md(title_of(rec)))
st.caption(f"{rec.get('discipline') or ''} · {rec.get('attempt_or_send') or ''} · "
           f"{(rec.get('created_at') or '')[:16].replace('T', ' ')} UTC")
if rec["status"] != "completed":
    live_status(aid, key="results-status", user=user)
    st.stop()

m = rec.get("metrics") or {}
c = st.columns(4)
c[0].metric("Performance score", f"{score_text(rec.get('performance_score'))}/100")
c[1].metric("Confidence", f"{(rec.get('confidence') or 0):.0%}")
c[2].metric("Moves", (rec.get("route_analysis") or {}).get("total_moves", "-"))
c[3].metric("Climb time", f"{m.get('duration_s', 0):.1f} s")
st.caption("Analysed by: " + ", ".join(rec.get("analyzers_used") or ["offline"])
           + (f" · cost ${rec['cost']['usd']:.4f}" if (rec.get("cost") or {}).get("usd") else ""))
if rec.get("degraded"):
    st.warning(f"The coaching model was unavailable ({md(rec.get('degraded_reason'))}); this is our measured feedback. "
               "An admin can re-run the coaching later.")
if rec.get("low_confidence"):
    st.warning("The climber was hard to see in parts of this video, so treat these numbers with care.")
if rec.get("summary"):
    st.markdown(f"> {md(rec['summary'])}")

def replay_panel(aid: str) -> None:
    """The replay appears by itself once rendered (it is made after the result is stored)."""
    ready = api.replay_ready(aid, user)

    @st.fragment(run_every=None if ready else 2.0)
    def panel() -> None:
        if not api.replay_ready(aid, user):
            st.info("The annotated replay is being prepared…")
            return
        if not ready:
            st.rerun()
        source = media_url(aid, "replay") or api.replay(aid, user)
        if source is None:
            st.warning("The replay could not be loaded from storage.")
            return
        st.video(source, start_time=int(st.session_state.get(f"t-{aid}", 0)))
        st.caption("Replay with skeleton and hip trail. Click a time on a card to jump there.")

    panel()


tab_tech, tab_route, tab_frames, tab_data = st.tabs(["Technique", "Route & timeline", "Key frames", "Metrics & export"])

with tab_tech:
    left, right = st.columns([2, 3])
    with left:
        replay_panel(aid)
        st.plotly_chart(api.charts.radar_figure(rec), width="stretch", key="radar")
        if rec.get("strengths"):
            st.markdown("**Strengths**")
            for s in rec["strengths"]:
                st.markdown(f"- {md(s)}")
        if rec.get("recommendations"):
            st.markdown("**What to work on**")
            for s in rec["recommendations"]:
                st.markdown(f"- {md(s)}")
    with right:
        for p in rec.get("technique_points") or []:
            with st.container(border=True):
                head, score = st.columns([3, 1])
                head.markdown(f"#### {md(p.get('name') or p['area'])}")
                if p["assessed"]:
                    score.metric("score", f"{p['score']}", label_visibility="collapsed")
                    st.progress(p["score"] / 100)
                else:
                    score.caption("not assessed")
                st.markdown(md(p["feedback"]))
                st.markdown(f"**Drill:** {md(p['drill'])}")
                ev = p.get("evidence") or []
                if ev:
                    cols = st.columns(min(len(ev), 6))
                    for i, e in enumerate(ev[:6]):
                        if cols[i].button(f"▶ {e['time_start']:.1f}s", key=f"ev-{p['area']}-{i}"):
                            st.session_state[f"t-{aid}"] = e["time_start"]
                            st.rerun()

with tab_route:
    ra = rec.get("route_analysis") or {}
    wall = api.blob((ra.get("wall_frame") or {}).get("ref"))
    st.plotly_chart(api.charts.route_figure(rec, wall), width="stretch", key="route")
    st.caption("Orange: hip path. Numbered circles: hand contacts, squares: foot contacts, in order. "
               "Holds are where a hand or foot stayed still for 0.3 s or more.")
    st.plotly_chart(api.charts.timeline_figure(rec), width="stretch", key="timeline")
    segs = [s for s in ra.get("performance_segments", []) if s.get("issue")]
    if segs:
        st.markdown("**Weakest stretches:** " + md("; ".join(f"{s['time_start']:.1f}-{s['time_end']:.1f}s {s['issue']}" for s in segs)))

with tab_frames:
    kf = rec.get("key_frames") or []
    if not kf:
        st.caption("No key frames.")
    cols = st.columns(4)
    for i, k in enumerate(kf):  # in time order; served by /files/, which checks the session
        source = media_url(aid, Path(k.get("key") or "").stem) or api.blob(k.get("ref"))
        if source:
            cols[i % 4].image(source, caption=f"{k['time']:.1f} s", width="stretch")

with tab_data:
    st.dataframe(api.charts.metric_rows(rec, rec.get("language") or "en"), hide_index=True, width="stretch")
    d1, d2 = st.columns(2)
    d1.download_button("Download record (JSON)", api.export_json(aid, user), file_name=f"performate-{aid}.json",
                       mime="application/json", width="stretch")
    d2.download_button("Download metrics (CSV)", api.export_csv(aid, user), file_name=f"performate-{aid}.csv",
                       mime="text/csv", width="stretch")
    st.caption(f"Share this page: its address ends in `?id={aid}`. Analysis took {fmt_duration(rec.get('elapsed_s'))}.")
