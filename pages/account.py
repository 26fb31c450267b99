"""Your account: who you share your climbs with (coaches and their invitations), the athletes a
coach follows, the language you read in, your password, and personal tokens for the HTTP API."""
from __future__ import annotations

import streamlit as st

from core import api
from core.api import _
from ui.session import session_token, signed_in_by_provider
from ui.shell import language_picker, page
from ui.widgets import client_id, md

user = page()
st.title(_("Your account"))
st.caption(f"{md(user.display)} · {md(user.email)} · " + {"climber": _("climber"), "coach": _("coach"),
                                                           "admin": _("admin")}[user.role.value])

if user.role == api.Role.CLIMBER:
    st.subheader(_("Coaches"))
    pending = api.invitations(user)
    for inv in pending:
        with st.container(border=True):
            st.markdown(_("**{coach}** ({email}) asks to see your climbs: your uploads, results, replays and key "
                          "frames.").format(coach=md(inv["coach_name"] or inv["coach_email"]), email=md(inv["coach_email"])))
            a, b, _rest = st.columns([1, 1, 3])
            if a.button(_("Accept"), key=f"accept-{inv['id']}", type="primary"):
                api.answer_invite(user, inv["id"], True)
                st.rerun()
            if b.button(_("Decline"), key=f"decline-{inv['id']}"):
                api.answer_invite(user, inv["id"], False)
                st.rerun()
    coaches = api.coaches_of(user)
    if not coaches and not pending:
        st.caption(_("No coach sees your climbs. A coach can invite you from their account page."))
    for c in coaches:
        a, b = st.columns([3, 1])
        a.markdown(":material/sports: " + _("**{coach}** ({email}) sees your climbs").format(coach=md(c.display), email=md(c.email)))
        if b.button(_("Stop sharing"), key=f"unlink-{c.id}"):
            api.remove_coach(user, c.id)
            st.rerun()
else:
    st.subheader(_("Athletes"))
    athletes = api.athletes_of(user)
    if not athletes:
        st.caption(_("No climber shares their climbs with you yet."))
    for a_ in athletes:
        st.markdown(f":material/person: **{md(a_.display)}** ({md(a_.email)})")
    with st.form("invite", clear_on_submit=True):
        email = st.text_input(_("Climber's email"), placeholder="name@example.com")
        if st.form_submit_button(_("Invite to share their climbs")):
            try:
                api.invite(user, email)
            except api.PipelineError as exc:
                st.error(_(exc.user_message))
            else:
                st.success(_("Invitation sent: the climber sees it on their account page and accepts or declines."))
    for inv in api.invitations(user):
        a, b = st.columns([3, 1])
        a.caption(_("Waiting for {email} since {when}").format(email=md(inv["climber_email"]), when=api.date_time(inv["created_at"])))
        if b.button(_("Withdraw"), key=f"withdraw-{inv['id']}"):
            api.withdraw_invite(user, inv["id"])
            st.rerun()

st.subheader(_("Language"))
language_picker(user, "account-language", _("Pages and coaching text in"))

st.subheader(_("Password"))
if signed_in_by_provider():
    st.caption(_("You sign in with your organisation's account, so there is no password to change here."))
else:
    with st.form("password", clear_on_submit=True):
        current = st.text_input(_("Current password"), type="password", autocomplete="current-password")
        new = st.text_input(_("New password"), type="password", autocomplete="new-password",
                            help=_("At least 8 characters."))
        again = st.text_input(_("New password again"), type="password", autocomplete="new-password")
        if st.form_submit_button(_("Change password")):
            if new != again:
                st.error(_("The two new passwords differ."))
            else:
                try:
                    api.change_password(user, current, new, session_token(), client_id())
                except api.PipelineError as exc:
                    st.error(_(exc.user_message))
                else:
                    st.success(_("Your password is changed. Every other browser signed in as you is signed out."))

st.subheader(_("HTTP API"))
st.caption(_("A personal token lets a script upload and read your analyses (the same ones you see here). It is "
             "shown once: keep it like a password."))
label = st.text_input(_("What the token is for"), max_chars=80, placeholder=_("e.g. my upload script"))
if st.button(_("Create a token")):
    st.session_state["new-token"] = api.issue_token(user, label)
if st.session_state.get("new-token"):
    st.code(st.session_state["new-token"], language=None)
