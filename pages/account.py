"""Your account: who you share your climbs with (coaches and their invitations), the athletes a
coach follows, the language you read in, and personal tokens for the HTTP API."""
from __future__ import annotations

import streamlit as st

from core import api
from ui.shell import page
from ui.widgets import md

user = page()
st.title("Your account")
st.caption(f"{md(user.display)} · {md(user.email)} · {user.role.value}")

if user.role == api.Role.CLIMBER:
    st.subheader("Coaches")
    pending = api.invitations(user)
    for inv in pending:
        with st.container(border=True):
            st.markdown(f"**{md(inv['coach_name'] or inv['coach_email'])}** ({md(inv['coach_email'])}) asks to see "
                        "your climbs: your uploads, results, replays and key frames.")
            a, b, _ = st.columns([1, 1, 3])
            if a.button("Accept", key=f"accept-{inv['id']}", type="primary"):
                api.answer_invite(user, inv["id"], True)
                st.rerun()
            if b.button("Decline", key=f"decline-{inv['id']}"):
                api.answer_invite(user, inv["id"], False)
                st.rerun()
    coaches = api.coaches_of(user)
    if not coaches and not pending:
        st.caption("No coach sees your climbs. A coach can invite you from their account page.")
    for c in coaches:
        a, b = st.columns([3, 1])
        a.markdown(f":material/sports: **{md(c.display)}** ({md(c.email)}) sees your climbs")
        if b.button("Stop sharing", key=f"unlink-{c.id}"):
            api.remove_coach(user, c.id)
            st.rerun()
else:
    st.subheader("Athletes")
    athletes = api.athletes_of(user)
    if not athletes:
        st.caption("No climber shares their climbs with you yet.")
    for a_ in athletes:
        st.markdown(f":material/person: **{md(a_.display)}** ({md(a_.email)})")
    with st.form("invite", clear_on_submit=True):
        email = st.text_input("Climber's email", placeholder="name@example.com")
        if st.form_submit_button("Invite to share their climbs"):
            try:
                api.invite(user, email)
            except api.PipelineError as exc:
                st.error(exc.detail or exc.user_message)
            else:
                st.success("Invitation sent: the climber sees it on their account page and accepts or declines.")
    for inv in api.invitations(user):
        a, b = st.columns([3, 1])
        a.caption(f"Waiting for {md(inv['climber_email'])} since {inv['created_at'][:10]}")
        if b.button("Withdraw", key=f"withdraw-{inv['id']}"):
            api.withdraw_invite(user, inv["id"])
            st.rerun()

st.subheader("HTTP API")
st.caption("A personal token lets a script upload and read your analyses (the same ones you see here). "
           "It is shown once: keep it like a password.")
label = st.text_input("What the token is for", max_chars=80, placeholder="e.g. my upload script")
if st.button("Create a token"):
    st.session_state["new-token"] = api.issue_token(user, label)
if st.session_state.get("new-token"):
    st.code(st.session_state["new-token"], language=None)
