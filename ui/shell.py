"""App shell: page config, optional app password, navigation over pages/. Widgets only."""
from __future__ import annotations

import streamlit as st

from core import api


def _gate() -> bool:
    if not api.app_gate_required() or st.session_state.get("app_ok"):
        return True
    from ui.widgets import password_gate

    st.title("Performate")
    return password_gate("app_ok", "Password", "Enter", api.app_login)


def main() -> None:
    st.set_page_config(page_title="Performate", page_icon="🧗", layout="wide")
    st.markdown(
        "<style>div[data-testid='stMetricValue']{font-size:1.8rem} .block-container{padding-top:2rem}</style>",
        unsafe_allow_html=True,
    )
    if not _gate():
        st.stop()
    pages = [
        st.Page("pages/upload.py", title="Upload", icon=":material/upload:", default=True),
        st.Page("pages/results.py", title="Results", icon=":material/insights:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
    ]
    pg = st.navigation(pages)
    with st.sidebar:
        st.markdown("### :material/landscape: Performate")
        st.caption("Phone video of a climb in, coaching out.")
        st.selectbox("Feedback language", ["en", "de"], key="language",
                     format_func=lambda x: {"en": "English", "de": "Deutsch"}[x])
    pg.run()
