"""Sign-in through an identity provider (Streamlit's st.login, OIDC) against a real OIDC provider on
loopback (oidc-provider-mock), in Debian chromium: an unknown email gets a climber account, a known
one keeps its role, and the password form stays beside it."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.accounts import Accounts, Role
from core.config import Settings
from core.web import routes
from tests.conftest import free_port, need
from tests.serve import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def test_own_routes_leave_streamlits_auth_routes_alone():
    paths = [getattr(r, "path", "") for r in routes()]
    assert paths and not [p for p in paths if p.startswith("/auth") or p.startswith("/oauth2callback")]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as srv:
        yield f"http://localhost:{srv.server_port}"


@pytest.fixture(scope="module")
def oidc_server(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    need("chromium", Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    data = tmp_path_factory.mktemp("oidc-data")
    settings = Settings(data_dir=data)
    acc = Accounts(settings)
    acc.create("kim@climb.test", Role.COACH, "kim's password", "Kim")
    port = free_port()
    secrets_file = data / "streamlit-secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "performate"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with serve(data, {"PERFORMATE_ANALYZER": "offline", "PERFORMATE_WORKERS": "1"}, port=port,
               args=("--secrets.files", str(secrets_file))) as (url, log):
        yield url, settings
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def _sign_in_with_provider(browser, url: str, email: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(url + "/results")
    # the password form is still there, beside the provider's button
    page.get_by_role("textbox", name="Email").wait_for(timeout=30000)
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    page.wait_for_selector("input[name=sub]", timeout=30000)  # the provider's own page
    page.fill("input[name=sub]", email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_selector("text=Signed in as", timeout=30000)
    return page


def test_identity_provider_signs_in_new_and_known_people(oidc_server):
    from playwright.sync_api import sync_playwright

    url, settings = oidc_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = _sign_in_with_provider(browser, url, "nova@climb.test")
            assert "nova@climb.test (climber)" in page.inner_text("[data-testid=stSidebar]")
            # Streamlit lands on / after the callback and then shows the default page, which sets the
            # address a moment later (client side): wait for it rather than read it at once
            page.wait_for_function("() => location.pathname.replace(/\\/$/, '').endsWith('/upload')", timeout=30000)
            assert page.url.rstrip("/").endswith("/upload")
            created = Accounts(settings).by_email("nova@climb.test")
            assert created is not None and created.role == Role.CLIMBER
            page.reload()  # the provider's signed cookie keeps the session
            page.wait_for_selector("text=Signed in as", timeout=30000)
            page.goto(url + "/admin")  # a climber signed in this way is still a climber
            page.wait_for_selector("text=This page is for admins", timeout=30000)

            coach = _sign_in_with_provider(browser, url, "kim@climb.test")
            assert "Kim (coach)" in coach.inner_text("[data-testid=stSidebar]")
            coach.goto(url + "/account")
            coach.wait_for_selector("text=Athletes", timeout=30000)
            # sign out through Streamlit's own route: the sign-in form again
            coach.get_by_role("link", name="Sign out").click()
            coach.goto(url + "/upload")
            coach.get_by_role("button", name="Sign in with your organisation's account").wait_for(timeout=30000)
        finally:
            browser.close()
