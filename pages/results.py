"""Results: the coaching for one analysis. The URL carries the analysis id (?id=...)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import api
from core.api import _
from ui.player import chips, copy_link, player
from ui.session import media_url
from ui.shell import page
from ui.widgets import delete_panel, fmt_duration, fragment, live_status, md, score_text, title_of

user = page()
options = api.completed_options(user)
aid = st.query_params.get("id")
if not aid:
    if not options:
        st.title(_("Results"))
        st.info(_("No analysis yet. Upload a climb first."))
        st.page_link("pages/upload.py", label=_("Upload a climb"), icon=":material/upload:")
        st.stop()
    aid = options[0]["analysis_id"]
    st.query_params["id"] = aid  # the results page always carries its id in the address
labels = {o["analysis_id"]: o["label"] for o in options}
if aid in labels:
    picked = st.selectbox(_("Analysis"), list(labels), index=list(labels).index(aid), format_func=labels.get,
                          label_visibility="collapsed")
    if picked != aid:
        st.query_params["id"] = picked
        st.rerun()

rec = api.get(aid, user)
if rec is None:
    st.warning(_("This analysis does not exist, or it is not yours to see."))
    st.stop()
kind = {"attempt": _("attempt"), "send": _("send")}.get(rec.get("attempt_or_send") or "", "")
disciplines = {"bouldering": _("bouldering"), "lead": _("lead"), "top-rope": _("top-rope"), "board": _("board"),
               "speed": _("speed")}
st.title(md(title_of(rec)))
st.caption(" · ".join(x for x in [disciplines.get(rec.get("discipline") or "", rec.get("discipline") or ""), kind,
                                  api.date_time(rec.get("created_at"))] if x))
if rec["status"] != "completed":
    live_status(aid, key="results-status", user=user)
    if rec["status"] in ("failed", "cancelled"):
        delete_panel(rec, user)
    st.stop()

m = rec.get("metrics") or {}
c = st.columns(4)
perf_spread = (m.get("score_spread") or {}).get("performance")
c[0].metric(_("Performance score"), score_text(rec.get("performance_score")),
            help=None if perf_spread is None else _(
                "Read again from the same video, the score would move by about {sd} points either way.").format(
                sd=api.num(perf_spread, 0)))
c[1].metric(_("Confidence"), api.pct(rec.get("confidence") or 0))
c[2].metric(_("Hand moves"), (rec.get("route_analysis") or {}).get("total_moves", "-"), help=api.moves_read_again(rec))
c[3].metric(_("Climb time"), api.secs(m.get("duration_s", 0)))

copy_link(_("Copy link to this page"), _("Link copied"), key="copy-link")

with st.expander(_("How this is measured")):
    st.markdown(_("Analysed by: {who}").format(who=", ".join(
        {"offline": _("our measurements (pose tracking)"), "vision": _("a coaching model")}.get(x, x)
        for x in rec.get("analyzers_used") or ["offline"])))
    st.markdown(_("The skeleton is tracked on {n} frames ({fps} per second). Scores run from 0 to 100 between a "
                  "'needs work' and a 'good' value of each measure; an area is 'not assessed' when what it needs "
                  "was seen in less than half of the climb. Each score says how far it moves when the climb is "
                  "measured again from the pose read at other moments, with its own jitter; an area whose score "
                  "moves more than {most} points is not assessed either. Smoothness is the spectral arc length of the "
                  "hip speed (Balasubramanian et al.); the path detour is the tortuosity of the hip path.").format(
        n=m.get("sampled_frames", "-"), fps=api.num(m.get("analysis_fps") or 0, 0), most=api.num(api.MOST_SCORE_SPREAD, 0)))
    if said := api.window_said(rec):
        st.markdown(said)
    if (rec.get("cost") or {}).get("usd"):
        st.caption(_("Cost of the coaching model: {usd} USD").format(usd=api.num(rec["cost"]["usd"], 4)))
if rec.get("degraded"):
    st.warning(_("The coaching model was unavailable; this is our measured feedback. An admin can re-run the "
                 "coaching later."))
if rec.get("model_words_hidden"):
    st.info(_("The coaching model wrote its notes in another language; here is our measured feedback in yours."))
if rec.get("low_confidence"):  # why, as far as the analysis knows: only the window unsure, or the climber hard to see
    if m.get("low_confidence_why") == "window":
        st.warning(_("When the climb began is not certain here (you may have been on the wall already, or still on "
                     "the mat), so treat these numbers with care."))
    elif m.get("low_confidence_why") == "person":
        st.warning(_("We may have analysed the wrong person: someone else was in this video far longer. Check "
                     "the people below, and pick the climber if this is not you."))
    elif m.get("low_confidence_why") == "up":
        st.warning(_("Which way is up is not certain here: your body lies across the picture and no floor is in "
                     "view (a phone held sideways, or a body misread from far away), so when the climb began and "
                     "ended may be wrong. Treat these numbers with care."))
    elif m.get("low_confidence_why") != "attempt":  # (the other climbs, below, say that one)
        st.warning(_("The climber was hard to see in parts of this video, so treat these numbers with care."))
climbs = api.other_climbs(rec)
if others := api.other_climbs_said(rec, climbs):
    (st.warning if api.which_climb_unsure(rec, climbs) else st.info)(others)
    cols = st.columns(min(3, len(climbs)))
    for k, climb in enumerate(climbs):
        times = {"start": api.secs(climb.start), "end": api.secs(climb.end)}
        if climb.analysis is None and not api.can_pick(rec):  # each climb analysed once, on its own: to compare
            continue
        label = (_("Open the analysis of the climb at {start} to {end}") if climb.analysis else
                 _("Analyse the climb at {start} to {end} too")).format(**times)
        if cols[k % len(cols)].button(label, key=f"climb-go-{k}"):
            try:
                other = climb.analysis or api.pick_climb(aid, user, climb.at)
            except api.PipelineError as exc:
                st.error(_(exc.user_message))
            else:
                st.query_params["id"] = other
                st.rerun()
if rec.get("summary"):
    st.markdown(f"> {md(rec['summary'])}")

people = rec.get("people") or {}
if people.get("count", 0) > 1:
    chosen = people.get("chosen")
    why = (_("the one on the wall longest") if people.get("how") == "longest on the wall" else _("as picked"))
    said = _("We saw {n} people in this video and analysed person {k}, {why}.").format(n=people["count"], k=chosen, why=why)
    if people.get("certain") is False:
        said += " " + _("Another person was on the wall about as long: check that this is you.")
    st.info(said)
    with st.expander(_("Not the right climber? Pick another person")):
        overview = people.get("overview") or {}
        source = media_url(aid, "people") or api.blob(overview.get("ref"))
        if source:
            st.image(source, caption=_("Everyone we saw, numbered; the person analysed is in orange."), width="stretch")
        others = [p for p in people.get("list") or [] if p["person"] != chosen]
        if not api.can_pick(rec):
            st.caption(_("The video is no longer kept, so another person cannot be analysed."))
        elif others:
            pick = st.selectbox(_("Person"), [p["person"] for p in others], key="person-pick",
                                format_func=lambda n: api.person_label(next(p for p in others if p["person"] == n)))
            if st.button(_("Analyse this person instead"), key="person-go"):
                try:
                    api.pick_person(aid, user, int(pick))
                except api.PipelineError as exc:
                    st.error(_(exc.user_message))
                else:
                    st.rerun()

PLAYER = f"replay-{aid}"


def replay_panel(aid: str) -> None:
    """The replay with review controls; appears by itself once rendered (it is made after the
    result is stored)."""
    ready = api.replay_ready(aid, user)

    @fragment(run_every=None if ready else 2.0)
    def panel() -> None:
        if not api.replay_ready(aid, user):
            st.info(_("The annotated replay is being prepared…"))
            return
        if not ready:
            st.rerun()
        url = media_url(aid, "replay")
        if url is not None:  # served by /files/, which checks the session
            player(PLAYER, [{"src": url, "label": "", "start": api.replay_start(rec)}], float(m.get("analysis_fps") or 8),
                   key="player")
        else:  # no browser address (AppTest): the bytes
            source = api.replay(aid, user)
            if source is None:
                st.warning(_("The replay could not be loaded from storage."))
                return
            st.video(source)
        st.caption(_("Replay with skeleton and hip trail. Press a time on a card to watch that moment."))

    panel()


tab_tech, tab_route, tab_frames, tab_data = st.tabs([_("Technique"), _("Route and timeline"), _("Key frames"),
                                                      _("Measures and export")])

with tab_tech:
    left, right = st.columns([2, 3])
    with left:
        replay_panel(aid)
        st.plotly_chart(api.charts.radar_figure(rec), width="stretch", key="radar")
        if rec.get("strengths"):
            st.markdown("**" + _("Strengths") + "**")
            for s in rec["strengths"]:
                st.markdown(f"- {md(s)}")
        if rec.get("recommendations"):
            st.markdown("**" + _("What to work on") + "**")
            for s in rec["recommendations"]:
                st.markdown(f"- {md(s)}")
    with right:
        for p in rec.get("technique_points") or []:
            with st.container(border=True):
                head, score = st.columns([3, 1])
                head.markdown(f"#### {md(p.get('name') or p['area'])}")
                if p["assessed"]:
                    score.metric(_("score"), score_text(p["score"]), label_visibility="collapsed")
                    st.progress(p["score"] / 100)
                    if p.get("spread") is not None:
                        st.caption(_("± {sd} points when the pose is read again").format(sd=api.num(p["spread"], 0)))
                else:
                    score.caption(_("not assessed"))
                st.markdown(md(p["feedback"]))
                # a drill answers what was measured; where nothing was, it is only offered
                st.markdown("**" + (_("Drill:") if p["assessed"] else _("To train it anyway:")) + "** " + md(p["drill"]))
                ev = (p.get("evidence") or [])[:6]
                if ev:
                    seen = {api.secs(e["time_start"]): e["time_start"] for e in ev}  # one chip per shown time
                    chips(PLAYER, [(t, label) for label, t in seen.items()], key=f"ev-{p['area']}")

with tab_route:
    ra = rec.get("route_analysis") or {}
    wall = api.blob((ra.get("wall_frame") or {}).get("ref"))
    st.plotly_chart(api.charts.route_figure(rec, wall), width="stretch", key="route")
    st.caption(_("Orange: hip path. Numbered circles: hand contacts, squares: foot contacts, in order. A contact is "
                 "where a hand or foot stayed still for 0.3 s or more."))
    if (ra.get("wall_frame") or {}).get("plate"):
        used, cs = ra.get("holds") or [], ra.get("ideal_route") or []
        st.caption(_("The wall is shown with the people taken out where the frames allow (put together from the "
                     "frames where each part of it was uncovered; whoever stayed in one place all along still shows). "
                     "Rings: the holds used, numbered in the order first touched; yellow where a hand "
                     "took them, light blue where only feet did. {matched} of {contacts} contacts were matched to a "
                     "hold seen on the wall; the others were on holds too small or too close to the wall's colour "
                     "to find, or on the wall itself (a smear).").format(
            matched=sum(1 for c in cs if c.get("hold")), contacts=len(cs)))
    st.plotly_chart(api.charts.timeline_figure(rec), width="stretch", key="timeline")
    segs = [s for s in ra.get("performance_segments", []) if s.get("issue_key") or s.get("issue")]
    if segs:
        st.markdown("**" + _("Weakest stretches:") + "** " + md("; ".join(
            f"{api.num(s['time_start'])}–{api.secs(s['time_end'])} {api.charts.segment_issue(s)}" for s in segs)))

with tab_frames:
    kf = sorted(rec.get("key_frames") or [], key=lambda k: k["time"])  # in time order, also on a phone
    if not kf:
        st.caption(_("No key frames."))
    cols = st.columns(4)
    for i, k in enumerate(kf):  # served by /files/, which checks the session
        source = media_url(aid, Path(k.get("key") or "").stem) or api.blob(k.get("ref"))
        if source:
            cols[i % 4].image(source, caption=api.secs(k["time"]), width="stretch")

with tab_data:
    st.dataframe(api.charts.metric_rows(rec), hide_index=True, width="stretch")
    d1, d2 = st.columns(2)
    d1.download_button(_("Download record (JSON)"), api.export_json(aid, user), file_name=f"performate-{aid}.json",
                       mime="application/json", width="stretch")
    d2.download_button(_("Download measures (CSV)"), api.export_csv(aid, user), file_name=f"performate-{aid}.csv",
                       mime="text/csv", width="stretch")
    st.caption(_("Analysis took {t}.").format(t=fmt_duration(rec.get("elapsed_s"))))
    delete_panel(rec, user)
