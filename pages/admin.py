"""Admin: queue, failed analyses with their codes, retries, health, SLIs, accounts, deletions.
Admins only."""
from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from core import api
from core.api import _
from ui.shell import page
from ui.widgets import fragment, md, title_of

user = page(api.Role.ADMIN)
st.title(_("Admin"))


def ago(iso: str | None) -> str:
    """How long ago, in words: "4 min ago"."""
    if not iso:
        return _("never")
    s = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds())
    if s < 90:
        return _("{n} s ago").format(n=int(s))
    if s < 5400:
        return _("{n} min ago").format(n=int(s // 60))
    if s < 129600:
        return _("{n} h ago").format(n=api.num(s / 3600, 1))
    return _("{n} days ago").format(n=api.num(s / 86400, 1))


def status_names() -> dict[str, str]:
    """The analyses' states as the reader's language names them."""
    return {"queued": _("Queued"), "running": _("Running"), "completed": _("Completed"), "failed": _("Failed"),
            "cancelled": _("Cancelled")}


@fragment(run_every=5.0)
def queue_panel() -> None:
    """Queue counts and switches; refreshes itself."""
    q = api.queue_overview()
    counts = q["counts"]
    names = status_names()
    for col, key in zip(st.columns(5), names):
        col.metric(names[key], counts.get(key, 0))
    st.caption(_("Oldest queued: {s}").format(s=api.secs(q["oldest_queued_age_s"] or 0, 0)))
    p1, p2 = st.columns(2)
    qp = p1.toggle(_("Pause the queue"), value=q["queue_paused"])
    vp = p2.toggle(_("Pause vision calls"), value=q["vision_paused"])
    if qp != q["queue_paused"]:
        api.set_paused("queue_paused", qp)
        st.rerun(scope="fragment")
    if vp != q["vision_paused"]:
        api.set_paused("vision_paused", vp)
        st.rerun(scope="fragment")


queue_panel()
tab_failed, tab_degraded, tab_manage = st.tabs([_("Failed"), _("Degraded"), _("Delete")])

with tab_failed:
    failed = api.failed()
    if not failed:
        st.success(_("No failed analyses."))
    else:
        retryable = sorted({f["error_code"] for f in failed if f.get("retryable")})
        if retryable:
            r1, r2 = st.columns([2, 1])
            code = r1.selectbox(_("Retry every failed analysis with code"), retryable)
            if r2.button(_("Retry all with this code"), width="stretch"):
                ids = api.retry_failed(code)
                st.toast(api.ngettext("{n} analysis queued again", "{n} analyses queued again", len(ids)).format(n=len(ids)))
                st.rerun()
        st.dataframe([{_("id"): f["analysis_id"][:8], _("code"): f["error_code"],
                       _("retry"): _("yes") if f.get("retryable") else _("no: the climber acts"),
                       _("stage"): f.get("stage"), _("attempts"): f["attempts"],
                       _("last error"): (f.get("error_detail") or "")[:80], _("when"): api.date_time(f.get("finished_at")),
                       _("climber"): f.get("climber")} for f in failed],
                     hide_index=True, width="stretch")
        by_id = {f["analysis_id"]: f for f in failed}
        pick = st.selectbox(_("Analysis"), list(by_id), format_func=lambda a: f"{a[:8]} · {by_id[a]['error_code']}")
        rec = by_id[pick]
        st.markdown(f"**{md(title_of(rec))}** · `{rec['error_code']}` · {md(rec.get('user_message'))}")
        if rec.get("retryable"):
            if st.button(_("Retry this analysis"), type="primary"):
                api.retry(pick)
                st.toast(_("Queued again"))
                st.rerun()
        else:
            st.info(_("Not retried: running it again would fail the same way. What the climber is told to do: {what}")
                    .format(what=rec.get("what_to_do") or ""))
        st.markdown(_("Events"))
        names = status_names()
        # (every column text: a number beside blanks in one column is not one type to the table)
        st.dataframe([{_("when"): api.date_time(e["at"]), _("from"): names.get(e["from_status"] or "", ""),
                       _("to"): names.get(e["to_status"] or "", e["to_status"] or ""), _("stage"): e["stage"] or "",
                       _("code"): e["error_code"] or "", _("attempt"): "" if e["attempt"] is None else str(e["attempt"]),
                       _("detail"): e["detail"] or ""}
                      for e in api.events(pick)], hide_index=True, width="stretch")

with tab_degraded:
    deg = api.degraded()
    if not deg:
        st.success(_("No degraded results."))
    for d in deg:
        a, b = st.columns([3, 1])
        a.markdown(f"**{md(title_of(d))}** · {md(d.get('degraded_reason'))} · {d['analysis_id'][:8]}")
        if b.button(_("Re-run vision"), key=f"rv-{d['analysis_id']}"):
            api.rerun_vision(d["analysis_id"])
            st.rerun()

with tab_manage:
    st.markdown(_("Delete one analysis with its video, frames and replay"))
    recent = {r["analysis_id"]: r for r in api.recent(user, 200)}
    if recent:
        victim = st.selectbox(_("Analysis to delete"), list(recent),
                              format_func=lambda a: f"{title_of(recent[a])} · {recent[a]['status']} · {a[:8]}")
        if st.button(_("Delete analysis")):
            st.toast(_("Deleted") if api.delete_analysis(victim) else _("Could not delete (running?)"))
            st.rerun()
    st.markdown(_("Delete everything of one climber"))
    names = api.climbers(user)
    if names:
        who = st.selectbox(_("Climber"), names)
        confirm = st.text_input(_("Type the climber's name to confirm"))
        if st.button(_("Delete all of this climber's data"), disabled=confirm != who):
            n = api.delete_climber(who)
            st.toast(api.ngettext("Deleted {n} analysis", "Deleted {n} analyses", n).format(n=n))
            st.rerun()

st.divider()


@fragment(run_every=30.0)
def health_panel() -> None:
    """The latest health run with when each check ran; refreshes itself, so a scheduled run shows up."""
    st.subheader(_("Pipeline health"))
    hcol, bcol = st.columns([3, 1])
    if bcol.button(_("Run health checks now"), width="stretch"):
        api.run_health_now()
    latest = api.health_latest()
    if latest is None:
        hcol.info(_("No health check has run yet."))
        return
    colour = {"healthy": "green", "degraded": "orange", "unhealthy": "red"}[latest["status"]]
    words = {"healthy": _("HEALTHY"), "degraded": _("DEGRADED"), "unhealthy": _("UNHEALTHY")}
    every = api.settings().health_interval_s
    hcol.markdown(_("Latest: :{colour}[**{status}**], {ago} ({at}); checks run every {every} min").format(
        colour=colour, status=words[latest["status"]], ago=ago(latest["at"]), at=api.date_time(latest["at"]),
        every=api.num(every / 60, 0)))
    said = {"ok": _("ok"), "skipped": _("skipped"), "degraded": _("degraded"), "fail": _("failed")}
    st.dataframe([{_("check"): api.check_name(c["name"]), _("status"): said.get(c["status"], c["status"]),
                   _("last ran"): ago(c.get("at") or latest["at"]),
                   "ms": c["latency_ms"], _("detail"): api.check_detail(c)} for c in latest["checks"]],
                 hide_index=True, width="stretch")
    hist = api.health_history()
    if len(hist) > 1:
        st.plotly_chart(api.charts.health_figure(hist), width="stretch")


health_panel()

st.subheader(_("Service level indicators"))
sli = api.sli()
cols = st.columns(3)
windows = {"1h": _("1 h"), "24h": _("24 h"), "7d": _("7 days")}
for col, (name, w) in zip(cols, sli["windows"].items()):
    with col:
        st.markdown(_("**Last {window}**").format(window=windows.get(name, name)))
        st.metric(_("Availability"), "-" if w["availability"] is None else api.pct(w["availability"], 2),
                  help=_("SLO {slo}; failures caused by the upload itself excluded").format(
                      slo=api.pct(sli["slo"]["availability"], 1)))
        st.metric(_("p95 latency"), "-" if w["latency_p95_s"] is None else api.secs(w["latency_p95_s"], 0),
                  help=_("SLO under {s} for a 30 s video").format(s=api.secs(sli["slo"]["latency_p95_s"], 0)))
        st.metric(_("Error budget left"), "-" if w["error_budget_left"] is None else api.pct(w["error_budget_left"]),
                  help=_("burn rate {r}").format(r=w["burn_rate"]))
st.plotly_chart(api.charts.sli_figure(sli), width="stretch")

st.subheader(_("Alerts"))
for a in api.alerts():
    icon = ":red[:material/notifications_active:]" if a["firing"] else ":green[:material/check:]"
    rule_summary = a["summary"]
    summary = _(rule_summary)  # (marked where the rule is defined)
    st.markdown(f"{icon} **{a['name']}**: {summary}"
                + (" " + _("(firing since {at})").format(at=api.date_time(a["since"])) if a["firing"] else ""))

st.subheader(_("Climber data"))
names = api.climbers(user)
if names:
    who_x = st.selectbox(_("Export a climber's data (JSON, CSV, key frames)"), names, key="export-who")
    # the zip holds every key frame: build it on request, not on every render of this page
    if st.button(_("Prepare export")):
        st.session_state["export"] = (who_x, api.export_climber(who_x))
    prepared = st.session_state.get("export")
    if prepared and prepared[0] == who_x:
        st.download_button(_("Download export (zip)"), prepared[1], file_name=f"performate-{who_x}.zip",
                           mime="application/zip")

st.subheader(_("Accounts"))
roles = {"climber": _("climber"), "coach": _("coach"), "admin": _("admin")}
accounts = api.users()  # (the table and the password form below)
st.dataframe([{_("Email"): u["email"], _("Name"): u.get("name") or "", _("Role"): roles.get(u["role"], u["role"]),
               _("Since"): api.date_time(u.get("created_at")), _("Coaches"): ", ".join(u.get("coaches") or []),
               _("Athletes"): ", ".join(u.get("athletes") or [])} for u in accounts],
             hide_index=True, width="stretch")
with st.form("add-user", clear_on_submit=True):
    a1, a2, a3 = st.columns(3)
    new_email = a1.text_input(_("Email of the new account"), autocomplete="off")  # (not the admin's own)
    new_name = a2.text_input(_("Name"))
    new_role = a3.selectbox(_("Role"), [r.value for r in api.Role],
                            format_func=lambda r: roles[r])
    new_pw = st.text_input(_("First password (they can be told it; at least 8 characters)"), type="password",
                           autocomplete="new-password")  # (not the admin's own saved password)
    if st.form_submit_button(_("Add account")):
        try:
            api.add_user(new_email, new_role, new_pw, new_name)
        except api.PipelineError as exc:
            st.error(_(exc.user_message))
        else:
            st.rerun()
with st.form("set-password", clear_on_submit=True):
    # a forgotten password, or one for an account an identity provider made (it has none anyone knows)
    p1, p2 = st.columns(2)
    # (one's own is changed on one's account page, which keeps this browser signed in)
    pw_email = p1.selectbox(_("Account"), [u["email"] for u in accounts if u["email"] != user.email], index=None,
                            placeholder=_("Choose an account"))
    pw_new = p2.text_input(_("New password (they can be told it; at least 8 characters)"), type="password",
                           autocomplete="new-password")
    if st.form_submit_button(_("Set password")):
        try:
            if pw_email:
                api.set_password(pw_email, pw_new)
        except api.PipelineError as exc:
            st.error(_(exc.user_message))
        else:
            if not pw_email:
                st.error(_("Choose an account."))
            else:
                st.success(_("Password set for {email}: every browser signed in as them is signed out; they sign in "
                             "with it and can change it on their account page.").format(email=md(pw_email)))
with st.form("link-coach"):
    l1, l2 = st.columns(2)
    climber_email = l1.text_input(_("Climber's email"))
    coach_email = l2.text_input(_("Coach's email"))
    if st.form_submit_button(_("Let this coach see this climber")):
        try:
            api.link_coach(climber_email, coach_email)
        except api.PipelineError as exc:
            st.error(_(exc.user_message))
        else:
            st.rerun()
