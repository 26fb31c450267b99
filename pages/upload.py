"""Upload: a climber sends a video, watches it progress, and finds their recent uploads."""
from __future__ import annotations

import streamlit as st

from core import api
from ui.shell import page
from ui.widgets import STATUS_ICON, client_id, fmt_duration, live_status, md, score_text, title_of

user = page()
s = api.settings()
st.title("Analyse a climb")
st.caption(f"MP4, MOV, WebM or MKV up to {s.max_upload_mb} MB and {int(s.max_duration_s // 60)} minutes. "
           "Film from a few metres away with your whole body in view.")

grades = [f"{g} ({system})" for system, gs in api.GRADES.items() for g in gs]
with st.form("upload", clear_on_submit=False, border=True):
    video = st.file_uploader("Video of your climb", type=api.ACCEPTED_TYPES)
    c1, c2 = st.columns(2)
    names = api.climbers(user)
    if user.name and user.name not in names:
        names = [user.name, *names]
    climber = c1.selectbox("Climber", names, index=0 if user.role == api.Role.CLIMBER and names else None,
                           placeholder="Pick or type a name", accept_new_options=True)
    discipline = c2.selectbox("Discipline", api.DISCIPLINES)
    c3, c4 = st.columns(2)
    route = c3.text_input("Route or problem", max_chars=120, placeholder="e.g. Yellow 3")
    grade = c4.selectbox("Grade", grades, index=None, placeholder="Pick or type a grade", accept_new_options=True)
    attempt = st.radio("This was", api.ATTEMPT_CHOICES, horizontal=True,
                       format_func=lambda x: {"attempt": "an attempt", "send": "a send"}[x])
    notes = st.text_area("Notes (optional)", max_chars=1000, height=80)
    with st.expander("Trim (optional): analyse only part of the video"):
        t1, t2 = st.columns(2)
        trim_start = t1.number_input("Start (s)", min_value=0.0, value=None, step=0.5)
        trim_end = t2.number_input("End (s)", min_value=0.0, value=None, step=0.5)
    consent = st.checkbox("Keep my video after the analysis (for the replay, retries and comparing later)", value=True)
    submitted = st.form_submit_button("Analyse my climb", type="primary", width="stretch")

if submitted:
    if video is None:
        st.warning("Choose a video first.")
    elif trim_start is not None and trim_end is not None and trim_end <= trim_start:
        st.warning("The trim end must be after its start.")
    else:
        meta = {"climber": (climber or "").strip() or None, "discipline": discipline, "route_name": route.strip() or None,
                "grade": grade.split(" (")[0] if grade else None, "attempt_or_send": attempt, "notes": notes.strip() or None,
                "consent": consent, "language": st.session_state.get("language", "en")}
        if trim_start is not None or trim_end is not None:
            meta["trim"] = {"start": trim_start, "end": trim_end}
        try:
            aid = api.submit_upload(video, video.name, video.size, meta, user, client_key=f"{client_id()}:{video.file_id}")
        except api.PipelineError as exc:
            st.error(exc.user_message)
        else:
            st.session_state["current"] = aid
            st.query_params["id"] = aid

current = st.session_state.get("current") or st.query_params.get("id")
if current:
    st.subheader("Your analysis")
    live_status(current, key="live-status", user=user)

st.subheader("Recent uploads")
mine = api.recent(user, 10)
if not mine:
    st.caption("Nothing yet. Your uploads will appear here, so you can leave and come back.")
for r in mine:
    with st.container(border=True):
        a, b = st.columns([3, 2])
        a.markdown(f"{STATUS_ICON.get(r['status'], '')} **{md(title_of(r))}**")
        a.caption(f"{(r.get('created_at') or '')[:16].replace('T', ' ')} UTC · {r['status']}"
                  + (f" · {r['stage_label']}" if r["status"] == "running" else "")
                  + (f" · took {fmt_duration(r.get('elapsed_s'))}" if r["status"] == "completed" else ""))
        if r["status"] == "completed":
            b.page_link("pages/results.py", label=f"Score {score_text(r.get('performance_score'))}/100",
                        icon=":material/insights:", query_params={"id": r["analysis_id"]})
        elif r["status"] == "failed":
            b.caption(md(r.get("user_message")))
