"""Widgets shared by several pages. Data comes from core.api only."""
from __future__ import annotations

import hashlib
import re
from typing import Any

import streamlit as st

from core import api

STATUS_ICON = {"queued": ":material/schedule:", "running": ":material/autorenew:", "completed": ":green[:material/check_circle:]",
               "failed": ":red[:material/error:]", "cancelled": ":material/block:"}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """User or model text, escaped so Markdown renders it literally (no links, images or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text or "")).replace("\n", " ")


def client_id() -> str:
    """A per-browser-session id (for login throttling and upload idempotency)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    sid = ctx.session_id if ctx else "anon"
    return hashlib.sha256(sid.encode()).hexdigest()[:16]


def fmt_duration(s: float | None) -> str:
    if s is None:
        return "-"
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


def score_text(score: float | None) -> str:
    return "-" if score is None else str(int(round(score)))


def title_of(rec: dict[str, Any]) -> str:
    parts = [rec.get("climber") or "Anonymous climber", rec.get("route_name") or "", rec.get("grade") or ""]
    return " · ".join(p for p in parts if p)


def status_body(rec: dict[str, Any]) -> None:
    """The live state of one analysis: stage in words, bar, elapsed, queue position, or the outcome."""
    status = rec["status"]
    if status == "queued":
        pos = rec.get("queue_position")
        st.progress(0.0, text=f"Waiting in the queue{f' · position {pos}' if pos else ''}")
        if rec.get("error_code"):
            st.caption(f"Retrying after a temporary problem: {md(rec.get('user_message'))}")
    elif status == "running":
        p = float(rec.get("progress") or 0.0)
        st.progress(min(max(p, 0.02), 0.99), text=f"{rec['stage_label']} · {int(p * 100)}%")
        st.caption(f"Elapsed {fmt_duration(rec.get('elapsed_s'))} · attempt {rec.get('attempts') or 1}")
    elif status == "completed":
        score = score_text(rec.get("performance_score"))
        st.success(f"Analysis ready{f': score {score}/100' if score != '-' else ''} "
                   f"(took {fmt_duration(rec.get('elapsed_s'))})")
        st.page_link("pages/results.py", label="Open your coaching", icon=":material/insights:", query_params={"id": rec["analysis_id"]})
    elif status == "failed":
        st.error(rec.get("user_message") or "The analysis failed.")
        st.caption(f"{rec.get('what_to_do') or ''} Error code: `{rec.get('error_code')}`")
    else:
        st.info("This analysis was cancelled.")


def live_status(aid: str, key: str, user: api.User) -> None:
    """Status that refreshes itself every second while the analysis is queued or running."""
    rec = api.status(aid, user)
    if rec is None:
        st.warning("We could not find this analysis.")
        return
    active = rec["status"] in ("queued", "running")

    @st.fragment(run_every=1.0 if active else None)
    def panel() -> None:
        now = api.status(aid, user) or rec
        status_body(now)
        if active and now["status"] not in ("queued", "running"):
            st.rerun()  # the whole page: stop refreshing and show the outcome

    with st.container(key=key):
        panel()
