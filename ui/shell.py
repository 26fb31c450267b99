"""App shell: navigation first (only a hidden sign-in page while nobody is signed in), then page
config and the sidebar. Widgets only.

Streamlit runs a file of pages/ directly when its address is opened before any session has called
st.navigation in this process. So every page starts with ``page(role)``: run directly, it builds
the whole shell itself (which then runs the page again, inside it) and stops; run by the shell, it
returns the signed-in user or shows the sign-in form.
"""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from core import api
from ui.session import current_user, require, sign_in_page, signed_in_by_provider
from ui.widgets import md

ROOT = Path(__file__).resolve().parents[1]
PAGES = [(ROOT / "pages" / "upload.py", "Upload", ":material/upload:", "upload"),
         (ROOT / "pages" / "results.py", "Results", ":material/insights:", "results"),
         (ROOT / "pages" / "compare.py", "Compare", ":material/compare_arrows:", "compare"),
         (ROOT / "pages" / "account.py", "Account", ":material/person:", "account"),
         (ROOT / "pages" / "admin.py", "Admin", ":material/admin_panel_settings:", "admin")]
_inside = threading.local()


def page(role: api.Role | None = None) -> api.User:
    """The first line of every page: the signed-in user (or the sign-in form and a stop)."""
    if not getattr(_inside, "shell", False):
        main()  # opened directly: navigation, sidebar, and this page again inside them
        st.stop()
    return require(role)


def main() -> None:
    _inside.shell = True
    try:
        _main()
    finally:
        _inside.shell = False


def _home() -> None:
    st.switch_page(PAGES[0][0])  # "/" opens the upload page at its own address, /upload


def _main() -> None:
    user = current_user()
    if user is None:
        # every address shows the sign-in form, and signing in comes back to it
        pg = st.navigation([st.Page(sign_in_page, title="Sign in", url_path="signin", default=True)]
                           + [st.Page(sign_in_page, title="Sign in", url_path=slug) for _, _, _, slug in PAGES],
                           position="hidden")
    else:
        pg = st.navigation([st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")]
                           + [st.Page(path, title=title, icon=icon, url_path=slug,
                                      visibility="visible" if slug != "admin" or user.is_admin else "hidden")
                              for path, title, icon, slug in PAGES])
    st.set_page_config(page_title="Performate", page_icon="🧗", layout="wide")
    st.markdown(
        "<style>div[data-testid='stMetricValue']{font-size:1.8rem} .block-container{padding-top:2rem}</style>",
        unsafe_allow_html=True,
    )
    if user is not None:
        with st.sidebar:
            st.markdown("### :material/landscape: Performate")
            st.caption("Phone video of a climb in, coaching out.")
            st.selectbox("Feedback language", ["en", "de"], key="language",
                         format_func=lambda x: {"en": "English", "de": "Deutsch"}[x])
            st.caption(f"Signed in as **{md(user.display)}** ({user.role.value})")
            out = "/auth/logout" if signed_in_by_provider() else "/session/end?next=/upload"
            st.markdown(f'<a href="{out}" target="_self">Sign out</a>', unsafe_allow_html=True)
    pg.run()
