"""App shell: the reader's language first, navigation next (only a hidden sign-in page while nobody
is signed in), then page config and the sidebar. Widgets only.

Streamlit runs a file of pages/ directly when its address is opened before any session has called
st.navigation in this process. So every page starts with ``page(role)``: run directly, it builds
the whole shell itself (which then runs the page again, inside it) and stops; run by the shell, it
returns the signed-in user or shows the sign-in form.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import streamlit as st

from core import api
from core.api import N_, _
from ui.session import current_user, require, sign_in_page, signed_in_by_provider
from ui.widgets import md

ROOT = Path(__file__).resolve().parents[1]
PAGES = [(ROOT / "pages" / "upload.py", N_("Upload"), ":material/upload:", "upload"),
         (ROOT / "pages" / "results.py", N_("Results"), ":material/insights:", "results"),
         (ROOT / "pages" / "compare.py", N_("Compare"), ":material/compare_arrows:", "compare"),
         (ROOT / "pages" / "account.py", N_("Account"), ":material/person:", "account"),
         (ROOT / "pages" / "admin.py", N_("Admin"), ":material/admin_panel_settings:", "admin")]
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
ROLE_NAMES = {"climber": N_("climber"), "coach": N_("coach"), "admin": N_("admin")}
_inside = threading.local()


def page(role: api.Role | None = None) -> api.User:
    """The first line of every page: the signed-in user (or the sign-in form and a stop)."""
    if not getattr(_inside, "shell", False):
        main()  # opened directly: navigation, sidebar, and this page again inside them
        st.stop()
    api.use_language(st.session_state.get("language"))  # a page run on its own keeps the language
    return require(role)


def main() -> None:
    _inside.shell = True
    try:
        _main()
    finally:
        _inside.shell = False


def _home() -> None:
    st.switch_page(PAGES[0][0])  # "/" opens the upload page at its own address, /upload


def choose_language(user: api.User | None) -> str:
    """The language of this run: ?lang= in the address (remembered for the account), then this
    tab's choice, the account's, the browser's, the installation's default."""
    asked = api.language_of(st.query_params.get("lang"))
    if asked:
        st.session_state["language"] = asked
        if user is not None and user.language != asked:
            api.set_language(user, asked)
    lang = (st.session_state.get("language") or (user.language if user else None)
            or api.language_of(st.context.locale) or api.settings().language)
    st.session_state["language"] = api.use_language(lang)
    return st.session_state["language"]


def _language_changed(user: api.User, key: str) -> None:
    lang = st.session_state[key]
    st.session_state["language"] = lang
    api.set_language(user, lang)
    if "lang" in st.query_params:
        st.query_params["lang"] = lang


def language_picker(user: api.User, key: str, label: str) -> None:
    """Choose the language of pages and coaching text (remembered for the account)."""
    st.session_state[key] = st.session_state.get("language") or api.current_language()
    st.selectbox(label, list(LANGUAGE_NAMES), key=key, format_func=LANGUAGE_NAMES.get, on_change=_language_changed,
                 args=(user, key))


def _speak_the_page_language() -> None:
    """Streamlit's own page is English whatever the reader's language: the document's language (read
    by screen readers, and by the browser to offer translation) and the "Skip to main content" link
    the first Tab shows. Both are set to the reader's."""
    lang, skip = json.dumps(api.current_language()), json.dumps(_("Skip to main content"))
    # (in a block of its own: the script runs again whenever the language changes, and a second
    # top-level "const" of the same name would throw)
    script = (f"<script>{{ document.documentElement.lang = {lang};"
              "const skip = document.querySelector('[data-testid=stSkipToContent]');"
              f"if (skip) {{ skip.textContent = {skip}; }} }}</script>")
    st.html(script, unsafe_allow_javascript=True)


def _main() -> None:
    user = current_user()
    choose_language(user)
    if user is None:
        # every address shows the sign-in form, and signing in comes back to it
        pg = st.navigation([st.Page(sign_in_page, title=_("Sign in"), url_path="signin", default=True)]
                           + [st.Page(sign_in_page, title=_("Sign in"), url_path=slug) for _p, _t, _i, slug in PAGES],
                           position="hidden")
    else:
        pg = st.navigation([st.Page(_home, title=_("Home"), url_path="home", default=True, visibility="hidden")]
                           + [st.Page(path, title=_(title), icon=icon, url_path=slug,
                                      visibility="visible" if slug != "admin" or user.is_admin else "hidden")
                              for path, title, icon, slug in PAGES])
    st.set_page_config(page_title="Performate", page_icon="🧗", layout="wide")
    st.markdown(
        "<style>div[data-testid='stMetricValue']{font-size:1.8rem} .block-container{padding-top:2rem}"
        # the element holding _speak_the_page_language's script takes no room
        " div[data-testid='stElementContainer']:has(> div[data-testid='stHtml'] > script:only-child){display:none}"
        "@media (max-width: 640px){div[data-testid='stMetricValue']{font-size:1.4rem}"
        " .block-container{padding-left:.8rem;padding-right:.8rem}}</style>",
        unsafe_allow_html=True,
    )
    _speak_the_page_language()
    if user is not None:
        with st.sidebar:
            st.markdown("### :material/landscape: Performate")
            st.caption(_("Phone video of a climb in, coaching out."))
            language_picker(user, "language-select", _("Language"))
            st.caption(_("Signed in as **{name}** ({role})").format(name=md(user.display),
                                                                   role=_(ROLE_NAMES[user.role.value])))
            out = "/auth/logout" if signed_in_by_provider() else "/session/end?next=/upload"
            label = _("Sign out")
            st.markdown(f'<a href="{out}" target="_self">{label}</a>', unsafe_allow_html=True)
    pg.run()
