"""Admin: accounts, queue, failed analyses with their codes, retries, deletions. Admins only."""
from __future__ import annotations

import streamlit as st

from core import api
from ui.shell import page
from ui.widgets import md, title_of

user = page(api.Role.ADMIN)
st.title("Admin")

q = api.queue_overview()
counts = q["counts"]
c = st.columns(5)
for col, key in zip(c, ["queued", "running", "completed", "failed", "cancelled"]):
    col.metric(key.capitalize(), counts.get(key, 0))
st.caption(f"Oldest queued: {q['oldest_queued_age_s'] or 0:.0f} s")
p1, p2 = st.columns(2)
qp = p1.toggle("Pause the queue", value=q["queue_paused"])
vp = p2.toggle("Pause vision calls", value=q["vision_paused"])
if qp != q["queue_paused"]:
    api.set_paused("queue_paused", qp)
    st.rerun()
if vp != q["vision_paused"]:
    api.set_paused("vision_paused", vp)
    st.rerun()

tab_failed, tab_degraded, tab_manage = st.tabs(["Failed", "Degraded", "Delete"])

with tab_failed:
    failed = api.failed()
    if not failed:
        st.success("No failed analyses.")
    else:
        codes = sorted({f["error_code"] for f in failed if f.get("error_code")})
        r1, r2 = st.columns([2, 1])
        code = r1.selectbox("Retry every failed analysis with code", codes)
        if r2.button("Retry all with this code", width="stretch"):
            ids = api.retry_failed(code)
            st.toast(f"{len(ids)} analysis(es) queued again")
            st.rerun()
        st.dataframe([{"id": f["analysis_id"][:8], "code": f["error_code"], "stage": f.get("stage"),
                       "attempts": f["attempts"], "last error": (f.get("error_detail") or "")[:80],
                       "when": (f.get("finished_at") or "")[:19], "climber": f.get("climber")} for f in failed],
                     hide_index=True, width="stretch")
        pick = st.selectbox("Analysis", [f["analysis_id"] for f in failed],
                            format_func=lambda a: f"{a[:8]} · {next(x['error_code'] for x in failed if x['analysis_id'] == a)}")
        rec = next(f for f in failed if f["analysis_id"] == pick)
        st.markdown(f"**{md(title_of(rec))}** · `{rec['error_code']}` · {md(rec.get('user_message'))}")
        if st.button("Retry this analysis", type="primary"):
            api.retry(pick)
            st.toast("Queued again")
            st.rerun()
        st.markdown("Events")
        st.dataframe([{k: e[k] for k in ("at", "from_status", "to_status", "stage", "error_code", "attempt", "detail")}
                      for e in api.events(pick)], hide_index=True, width="stretch")

with tab_degraded:
    deg = api.degraded()
    if not deg:
        st.success("No degraded results.")
    for d in deg:
        a, b = st.columns([3, 1])
        a.markdown(f"**{md(title_of(d))}** · {md(d.get('degraded_reason'))} · {d['analysis_id'][:8]}")
        if b.button("Re-run vision", key=f"rv-{d['analysis_id']}"):
            api.rerun_vision(d["analysis_id"])
            st.rerun()

with tab_manage:
    st.markdown("Delete one analysis with its video, frames and replay")
    recent = api.recent(user, 200)
    if recent:
        victim = st.selectbox("Analysis to delete", [r["analysis_id"] for r in recent],
                              format_func=lambda a: next(f"{title_of(r)} · {r['status']} · {a[:8]}" for r in recent if r["analysis_id"] == a))
        if st.button("Delete analysis"):
            st.toast("Deleted" if api.delete_analysis(victim) else "Could not delete (running?)")
            st.rerun()
    st.markdown("Delete everything of one climber")
    names = api.climbers(user)
    if names:
        who = st.selectbox("Climber", names)
        confirm = st.text_input("Type the climber's name to confirm")
        if st.button("Delete all of this climber's data", disabled=confirm != who):
            n = api.delete_climber(who)
            st.toast(f"Deleted {n} analysis(es)")
            st.rerun()

st.divider()
st.subheader("Pipeline health")
hcol, bcol = st.columns([3, 1])
if bcol.button("Run health checks now", width="stretch"):
    api.run_health_now()
    st.rerun()
latest = api.health_latest()
if latest is None:
    hcol.info("No health check has run yet.")
else:
    colour = {"healthy": "green", "degraded": "orange", "unhealthy": "red"}[latest["status"]]
    hcol.markdown(f"Latest: :{colour}[**{latest['status'].upper()}**] at {latest['at'][:19].replace('T', ' ')} UTC")
    st.table([{"check": c["name"], "status": c["status"], "ms": c["latency_ms"], "detail": c["detail"]}
              for c in latest["checks"]])
    hist = api.health_history()
    if len(hist) > 1:
        st.plotly_chart(api.charts.health_figure(hist), width="stretch")

st.subheader("Service level indicators")
sli = api.sli()
cols = st.columns(3)
for col, (name, w) in zip(cols, sli["windows"].items()):
    with col:
        st.markdown(f"**Last {name}**")
        st.metric("Availability", "-" if w["availability"] is None else f"{w['availability']:.2%}",
                  help=f"SLO {sli['slo']['availability']:.1%}; failures caused by the upload itself excluded")
        st.metric("p95 latency", "-" if w["latency_p95_s"] is None else f"{w['latency_p95_s']:.0f} s",
                  help=f"SLO under {sli['slo']['latency_p95_s']:.0f} s for a 30 s video")
        st.metric("Error budget left", "-" if w["error_budget_left"] is None else f"{w['error_budget_left']:.0%}",
                  help=f"burn rate {w['burn_rate']}")
st.plotly_chart(api.charts.sli_figure(sli), width="stretch")

st.subheader("Alerts")
for a in api.alerts():
    icon = ":red[:material/notifications_active:]" if a["firing"] else ":green[:material/check:]"
    st.markdown(f"{icon} **{a['name']}**: {a['summary']}"
                + (f" (firing since {a['since'][:19].replace('T', ' ')})" if a["firing"] else ""))

st.subheader("Climber data")
names = api.climbers(user)
if names:
    who_x = st.selectbox("Export a climber's data (JSON, CSV, key frames)", names, key="export-who")
    # the zip holds every key frame: build it on request, not on every render of this page
    if st.button("Prepare export"):
        st.session_state["export"] = (who_x, api.export_climber(who_x))
    prepared = st.session_state.get("export")
    if prepared and prepared[0] == who_x:
        st.download_button("Download export (zip)", prepared[1], file_name=f"performate-{who_x}.zip",
                           mime="application/zip")

st.subheader("Accounts")
st.dataframe([{k: (", ".join(v) if isinstance(v, list) else v) for k, v in u.items() if k != "id"} for u in api.users()],
             hide_index=True, width="stretch")
with st.form("add-user", clear_on_submit=True):
    a1, a2, a3 = st.columns(3)
    new_email = a1.text_input("Email of the new account")
    new_name = a2.text_input("Name")
    new_role = a3.selectbox("Role", [r.value for r in api.Role])
    new_pw = st.text_input("First password (they can be told it; at least 8 characters)", type="password")
    if st.form_submit_button("Add account"):
        try:
            api.add_user(new_email, new_role, new_pw, new_name)
        except api.PipelineError as exc:
            st.error(exc.detail or exc.user_message)
        else:
            st.rerun()
with st.form("link-coach"):
    l1, l2 = st.columns(2)
    climber_email = l1.text_input("Climber's email")
    coach_email = l2.text_input("Coach's email")
    if st.form_submit_button("Let this coach see this climber"):
        try:
            api.link_coach(climber_email, coach_email)
        except api.PipelineError as exc:
            st.error(exc.detail or exc.user_message)
        else:
            st.rerun()
