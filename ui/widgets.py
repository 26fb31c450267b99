"""Widgets shared by several pages. Data comes from core.api only."""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from core import api
from core.api import _

STATUS_ICON = {"queued": ":material/schedule:", "running": ":material/autorenew:", "completed": ":green[:material/check_circle:]",
               "failed": ":red[:material/error:]", "cancelled": ":material/block:"}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def fragment(run_every: float | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``st.fragment`` whose every run is in the reader's language. A fragment refreshing itself
    (``run_every``) runs its function alone, without the page's first lines that set the language:
    the German admin's queue counts turned English five seconds after the page opened, a German
    climber's analysis progress after one."""
    def wrap(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def in_language(*args: Any, **kwargs: Any) -> None:
            api.use_language(st.session_state.get("language"))
            fn(*args, **kwargs)

        return st.fragment(in_language, run_every=run_every)
    return wrap


def md(text: object) -> str:
    """User or model text, escaped so Markdown renders it literally (no links, images or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text or "")).replace("\n", " ")


def client_id() -> str:
    """A per-browser-session id (for login throttling and upload idempotency)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    sid = ctx.session_id if ctx else "anon"
    return hashlib.sha256(sid.encode()).hexdigest()[:16]


def status_word(status: str) -> str:
    return {"queued": _("Waiting in the queue"), "running": _("Analysing"), "completed": _("Ready"),
            "failed": _("Failed"), "cancelled": _("Cancelled")}.get(status, status)


def fmt_duration(s: float | None) -> str:
    if s is None:
        return "-"
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


def score_text(score: float | None) -> str:
    """A score as climbers read it: always out of 100."""
    return "-/100" if score is None else f"{int(round(score))}/100"


def title_of(rec: dict[str, Any]) -> str:
    parts = [rec.get("climber") or _("Anonymous climber"), rec.get("route_name") or "", rec.get("grade") or ""]
    return " · ".join(p for p in parts if p)


def status_body(rec: dict[str, Any]) -> None:
    """The live state of one analysis: stage in words, bar, elapsed, queue position, or the outcome."""
    status = rec["status"]
    if status == "queued":
        pos = rec.get("queue_position")
        st.progress(0.0, text=_("Waiting in the queue · position {n}").format(n=pos) if pos else _("Waiting in the queue"))
        if rec.get("error_code"):
            st.caption(_("Retrying after a temporary problem: {what}").format(what=md(rec.get("user_message"))))
    elif status == "running":
        p = float(rec.get("progress") or 0.0)
        st.progress(min(max(p, 0.02), 0.99), text=f"{rec['stage_label']} · {api.pct(p)}")
        st.caption(_("Elapsed {t} · attempt {n}").format(t=fmt_duration(rec.get("elapsed_s")), n=rec.get("attempts") or 1))
    elif status == "completed":
        score = rec.get("performance_score")
        took = fmt_duration(rec.get("elapsed_s"))
        st.success(_("Analysis ready: performance score {score} (took {took})").format(score=score_text(score), took=took)
                   if score is not None else _("Analysis ready (took {took})").format(took=took))
        st.page_link("pages/results.py", label=_("Open your coaching"), icon=":material/insights:",
                     query_params={"id": rec["analysis_id"]})
    elif status == "failed":
        st.error(rec.get("user_message") or _("The analysis failed."))
        st.caption(_("{what} Error code: {code}").format(what=rec.get("what_to_do") or "", code=f"`{rec.get('error_code')}`"))
    else:
        st.info(_("This analysis was cancelled."))


def live_status(aid: str, key: str, user: api.User) -> None:
    """Status that refreshes itself every second while the analysis is queued or running."""
    rec = api.status(aid, user)
    if rec is None:
        st.warning(_("We could not find this analysis."))
        return
    active = rec["status"] in ("queued", "running")

    @fragment(run_every=1.0 if active else None)
    def panel() -> None:
        now = api.status(aid, user) or rec
        status_body(now)
        if active and now["status"] not in ("queued", "running"):
            st.rerun()  # the whole page: stop refreshing and show the outcome

    with st.container(key=key):
        panel()


def _css_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uploader_words(max_mb: int) -> None:
    """Streamlit writes its file uploader's button and size line in English only: show ours, in the
    reader's language, in their place (the original text stays for screen readers)."""
    button = "[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p"
    line = "[data-testid=stFileUploaderDropzoneInstructions] span"
    choose = _css_text(_("Choose a video"))
    limits = _css_text(_("up to {mb} MB · MP4, MOV, WebM or MKV").format(mb=max_mb))
    st.markdown(f"<style>{button},{line}{{font-size:0}}{button}::after{{content:{choose};font-size:.875rem}}"
                f"{line}::after{{content:{limits};font-size:.875rem}}</style>", unsafe_allow_html=True)


def delete_panel(rec: dict[str, Any], user: api.User) -> None:
    """Delete this analysis, for whoever uploaded it (or an admin): the video, frames, replay and
    record go, after a confirmation."""
    if not api.can_delete(rec, user):
        return
    aid = rec["analysis_id"]
    with st.expander(_("Delete this analysis")):
        st.caption(_("The video, its frames, the replay and the coaching are deleted; this cannot be undone."))
        sure = st.checkbox(_("Yes, delete it"), key=f"delete-sure-{aid}")
        if st.button(_("Delete this analysis"), key=f"delete-{aid}", disabled=not sure, type="primary"):
            try:
                api.delete_mine(aid, user)
            except api.PipelineError as exc:
                st.error(_(exc.user_message))
                return
            st.query_params.pop("id", None)
            st.session_state["deleted"] = True
            st.switch_page("pages/upload.py")
