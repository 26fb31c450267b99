"""Who is signed in, and the sign-in page. Every page calls ``require()`` first: Streamlit serves
the files of pages/ by path until the process has called st.navigation once, so a page must never
rely on the navigation to keep strangers out."""
from __future__ import annotations

import html
from collections.abc import Mapping
from urllib.parse import urlencode, urlparse

import streamlit as st

from core import api
from core.api import _
from ui.widgets import client_id


def oidc_enabled() -> bool:
    """An identity provider is configured: ``[auth]`` in .streamlit/secrets.toml (st.login)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def providers() -> list[str]:
    """The configured identity providers: named ``[auth.NAME]`` sections, or "" for a single one."""
    named = [k for k, v in st.secrets["auth"].items() if isinstance(v, Mapping)]
    return named or [""]


def _session_token() -> str | None:
    token = st.session_state.get("session_token") or st.context.cookies.get(api.SESSION_COOKIE)
    return token if isinstance(token, str) else None


def session_token() -> str | None:
    """This browser's session (None when signed in through an identity provider only)."""
    return _session_token()


def signed_in_by_provider() -> bool:
    return oidc_enabled() and bool(st.user.is_logged_in) and _session_token() is None


def current_user() -> api.User | None:
    """The signed-in user: the session cookie (set by /session/start), a session this browser tab
    holds (tests sign in that way), or the identity provider's signed cookie (st.login), matched
    to an account by email."""
    token = _session_token()
    if token is not None:
        user = api.session_user(token)
        if user is not None:
            return user
    if oidc_enabled() and st.user.is_logged_in:
        email = st.user.get("email")
        return api.oidc_user(email if isinstance(email, str) else None, str(st.user.get("name") or "") or None)
    return None


def here() -> str:
    """This page's path and query, to come back to after signing in."""
    path = urlparse(st.context.url or "").path or "/upload"
    query = urlencode({k: v for k, v in st.query_params.to_dict().items() if k != "signin"})
    return path + ("?" + query if query else "")


def media_url(aid: str, name: str) -> str | None:
    """The address of an analysis' replay or frame on this site's /files/ route, which checks the
    session (absolute, as st.video and st.image load URLs; the browser sends the cookie with it).
    None without a browser address (AppTest): then the page hands over the bytes itself."""
    u = urlparse(st.context.url or "")
    return f"{u.scheme}://{u.netloc}/files/{aid}/{name}" if u.scheme and u.netloc else None


def _go(url: str) -> None:
    """Send the browser to ``url`` (a page script cannot set a cookie; /session/start can)."""
    target = html.escape(url, quote=True)
    label = html.escape(_("Continue"))
    st.markdown(f'<meta http-equiv="refresh" content="0; url={target}"><a href="{target}" target="_self">{label}</a>',
                unsafe_allow_html=True)


def sign_in_page() -> None:
    """The form a stranger sees at every address: Email, Password, Sign in (or, on a fresh
    install, the form that creates the first admin)."""
    st.title("Performate")
    if api.needs_first_admin():
        st.subheader(_("Create the first admin account"))
        st.caption(_("Nobody has an account yet. The first account runs this installation: it adds climbers and coaches."))
        with st.form("first-admin"):
            # (autocomplete: a password manager offers to save the new account, and fills the
            # sign-in form below with it)
            name = st.text_input(_("Name"), autocomplete="name")
            email = st.text_input(_("Email"), autocomplete="username")
            password = st.text_input(_("Password"), type="password", help=_("At least 8 characters."),
                                     autocomplete="new-password")
            if st.form_submit_button(_("Create admin account"), type="primary"):
                try:
                    code = api.create_first_admin(email, name, password)
                except api.PipelineError as exc:
                    st.error(_(exc.user_message))
                else:
                    _go("/session/start?" + urlencode({"code": code, "next": here()}))
        return
    st.subheader(_("Sign in"))
    if st.query_params.get("signin") == "expired":
        st.info(_("That sign-in link expired. Please sign in again."))
    if oidc_enabled():
        if st.user.is_logged_in:  # the provider knows them, this installation does not
            st.warning(_("There is no Performate account for {email}. Ask your coach or the admin to add you, or use "
                         "another account.").format(email=st.user.get("email") or "-"))
            other = html.escape(_("Use another account"))
            st.markdown(f'<a href="/auth/logout" target="_self">{other}</a>', unsafe_allow_html=True)
        else:
            for provider in providers():
                label = (_("Sign in with {provider}").format(provider=provider.title()) if provider
                         else _("Sign in with your organisation's account"))
                if st.button(label, type="primary", icon=":material/key:", key=f"login-{provider}"):
                    st.login(provider or None)
        st.caption(_("Or with your Performate password:"))
    with st.form("sign-in"):
        # a saved password is offered here (Streamlit marks a password field "new-password" unless told)
        email = st.text_input(_("Email"), autocomplete="username")
        password = st.text_input(_("Password"), type="password", autocomplete="current-password")
        if st.form_submit_button(_("Sign in"), type="primary"):
            wait = api.login_blocked_for(client_id())
            code = api.sign_in(email, password, client_id()) if wait <= 0 else None
            if code:
                _go("/session/start?" + urlencode({"code": code, "next": here()}))
            elif wait > 0 or api.login_blocked_for(client_id()) > 0:
                st.error(_("Too many failed attempts. Try again in {s} s.").format(s=f"{max(wait, api.login_blocked_for(client_id())):.0f}"))
            else:
                st.error(_("Wrong email or password."))


def require(role: api.Role | None = None) -> api.User:
    """The signed-in user, or the sign-in form and a stop; a user without ``role`` gets a refusal."""
    user = current_user()
    if user is None:
        sign_in_page()
        st.stop()
    assert user is not None
    if role == api.Role.ADMIN and not user.is_admin:
        st.title(_("Not for your account"))
        st.error(_("This page is for admins."))
        st.stop()
    return user
