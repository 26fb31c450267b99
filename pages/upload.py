"""Upload: a climber sends a video, watches it progress, and finds their climbs again."""
from __future__ import annotations

import streamlit as st

from core import api
from core.api import _
from ui.shell import page
from ui.widgets import (
    STATUS_ICON,
    client_id,
    fmt_duration,
    fragment,
    md,
    score_text,
    status_body,
    status_word,
    title_of,
    uploader_words,
)

user = page()
if st.session_state.pop("deleted", False):  # back here from a results page that deleted its analysis
    st.toast(_("Analysis deleted"), icon=":material/delete:")
s = api.settings()
st.title(_("Analyse a climb"))
st.caption(_("MP4, MOV, WebM or MKV up to {mb} MB and {min} minutes. Film from a few metres away with your whole "
             "body in view.").format(mb=s.max_upload_mb, min=int(s.max_duration_s // 60)))

grades = [f"{g} ({system})" for system, gs in api.GRADES.items() for g in gs]
disciplines = {"bouldering": _("bouldering"), "lead": _("lead"), "top-rope": _("top-rope"), "board": _("board"),
               "speed": _("speed")}
uploader_words(s.max_upload_mb)
with st.form("upload", clear_on_submit=False, border=True):
    video = st.file_uploader(_("Video of your climb"), type=api.ACCEPTED_TYPES)
    c1, c2 = st.columns(2)
    names = api.climbers(user)
    if user.name and user.name not in names:
        names = [user.name, *names]
    climber = c1.selectbox(_("Climber"), names, index=0 if user.role == api.Role.CLIMBER and names else None,
                           placeholder=_("Pick or type a name"), accept_new_options=True)
    discipline = c2.selectbox(_("Discipline"), api.DISCIPLINES, format_func=lambda d: disciplines.get(d, d))
    c3, c4 = st.columns(2)
    route = c3.text_input(_("Route or problem"), max_chars=120, placeholder=_("e.g. Yellow 3"))
    grade = c4.selectbox(_("Grade"), grades, index=None, placeholder=_("Pick or type a grade"), accept_new_options=True)
    attempt = st.radio(_("This was"), api.ATTEMPT_CHOICES, horizontal=True,
                       format_func=lambda x: {"attempt": _("an attempt"), "send": _("a send")}[x])
    notes = st.text_area(_("Notes (optional)"), max_chars=1000, height=80)
    with st.expander(_("Trim (optional): analyse only part of the video")):
        t1, t2 = st.columns(2)
        trim_start = t1.number_input(_("Start (s)"), min_value=0.0, value=None, step=0.5)
        trim_end = t2.number_input(_("End (s)"), min_value=0.0, value=None, step=0.5)
    consent = st.checkbox(_("Keep my video after the analysis (for the replay, retries and comparing later)"), value=True)
    submitted = st.form_submit_button(_("Analyse my climb"), type="primary", width="stretch")

if submitted:
    if video is None:
        st.warning(_("Choose a video first."))
    elif trim_start is not None and trim_end is not None and trim_end <= trim_start:
        st.warning(_("The trim end must be after its start."))
    else:
        meta = {"climber": (climber or "").strip() or None, "discipline": discipline, "route_name": route.strip() or None,
                "grade": grade.split(" (")[0] if grade else None, "attempt_or_send": attempt, "notes": notes.strip() or None,
                "consent": consent, "language": api.current_language()}
        if trim_start is not None or trim_end is not None:
            meta["trim"] = {"start": trim_start, "end": trim_end}
        try:
            aid = api.submit_upload(video, video.name, video.size, meta, user, client_key=f"{client_id()}:{video.file_id}")
        except api.PipelineError as exc:
            st.error(_(exc.user_message))
        else:
            st.session_state["current"] = aid
            st.query_params["id"] = aid

current = st.session_state.get("current") or st.query_params.get("id")


def card(r: dict) -> None:
    """One climb in the history, in the same words as the live status above."""
    with st.container(border=True):
        a, b = st.columns([3, 2])
        a.markdown(f"{STATUS_ICON.get(r['status'], '')} **{md(title_of(r))}**")
        state = r["stage_label"] if r["status"] == "running" else status_word(r["status"])
        if r["status"] == "queued" and r.get("queue_position"):
            state = _("Waiting in the queue · position {n}").format(n=r["queue_position"])
        a.caption(" · ".join(x for x in [api.date_time(r.get("created_at")), state,
                                         _("took {t}").format(t=fmt_duration(r.get("elapsed_s")))
                                         if r["status"] == "completed" else ""] if x))
        if r["status"] == "completed":
            b.page_link("pages/results.py", label=_("Performance score {score}").format(score=score_text(r.get("performance_score"))),
                        icon=":material/insights:", query_params={"id": r["analysis_id"]})
        elif r["status"] == "failed":
            b.caption(md(r.get("user_message")))


def board() -> None:
    """The live status of the current upload and the climb history, from one read per refresh, so
    both always show the same state; refreshes itself while anything is queued or running."""
    mine = api.recent(user, 10)
    now = api.status(current, user) if current else None
    if now is not None:
        mine = [now if r["analysis_id"] == now["analysis_id"] else r for r in mine]
    active = any(r["status"] in ("queued", "running") for r in mine + ([now] if now else []))

    @fragment(run_every=1.0 if active else None)
    def live() -> None:
        rows = api.recent(user, 10)
        cur = api.status(current, user) if current else None
        if cur is not None:
            q = cur.get("queue_position")
            rows = [dict(cur, queue_position=q) if r["analysis_id"] == cur["analysis_id"] else r for r in rows]
            st.subheader(_("Your analysis"))
            with st.container(key="live-status"):
                status_body(cur)
        elif current:
            st.warning(_("We could not find this analysis."))
        st.subheader(_("My climbs"))
        if not rows:
            st.caption(_("Nothing yet. Your uploads will appear here, so you can leave and come back."))
        for r in rows:
            card(r)
        if active and not any(r["status"] in ("queued", "running") for r in rows + ([cur] if cur else [])):
            st.rerun()  # everything finished: the whole page, once, to stop refreshing

    live()


board()
