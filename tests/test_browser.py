"""A real browser against `streamlit run`, with S3 storage on a moto server (the path that failed
in the old system). Debian chromium driven by Playwright. Screenshots go to docs/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import boto3
import pytest

from tests.conftest import need, wait_for
from tests.serve import serve
from tests.media import REAL_FIXED, REAL_HANDHELD

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ADMIN_PW = "browser-test-admin"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need("chromium", Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    bucket = "browser-test"
    boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1").create_bucket(Bucket=bucket)
    data = tmp_path_factory.mktemp("browser-data")
    env = {"PERFORMATE_S3_BUCKET": bucket, "PERFORMATE_S3_ENDPOINT_URL": moto_server, "PERFORMATE_ADMIN_PASSWORD": ADMIN_PW,
           "PERFORMATE_ANALYZER": "offline", "PERFORMATE_WORKERS": "1"}
    with serve(data, env) as (url, log):
        yield url
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def upload(page, url: str, video: Path, climber: str, route: str) -> list[str]:
    """Fill the form, submit, and return the progress texts seen until the analysis is ready."""
    page.goto(url)
    page.wait_for_selector("text=Analyse a climb", timeout=30000)
    page.set_input_files("input[type=file]", str(video))
    page.wait_for_selector("[data-testid=stFileChip]", timeout=30000)
    page.get_by_role("combobox", name="Climber").click()
    page.keyboard.type(climber)
    page.keyboard.press("Enter")
    page.get_by_label("Route or problem").fill(route)
    page.get_by_role("button", name="Analyse my climb").click()
    seen: list[str] = []

    def progressed() -> bool:
        body = page.inner_text("body")
        for m in re.finditer(r"(Waiting in the queue|Fetching your video|Reading the video|Checking the video|"
                             r"Extracting frames|Tracking your body|Measuring your movement|Writing your feedback|"
                             r"Saving the result)[^\n]*", body):
            if not seen or seen[-1] != m.group(0):
                seen.append(m.group(0))
        if failed := re.search(r"Error code: `?(\w+)", body):
            raise AssertionError(f"analysis failed in the browser: {failed.group(1)}")
        return "Analysis ready" in body

    wait_for(progressed, timeout=240, interval=0.3, what="the analysis to finish in the browser")
    return seen


def test_climber_uploads_watches_progress_and_reads_results(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = upload(page, server, REAL_FIXED, "Ana", "Yellow 3")
    assert len(seen) >= 2, seen  # the bar advanced through stages without a reload
    shot(page, "upload")
    page.get_by_text("Open your coaching").click()
    page.wait_for_selector("text=Performance score", timeout=30000)
    assert re.search(r"\d+/100", page.inner_text("body"))
    assert "?id=" in page.url
    page.wait_for_selector(".js-plotly-plot", timeout=30000)
    wait_for(lambda: page.locator("video").count() > 0, timeout=120, what="the replay to appear")
    shot(page, "results")
    page.get_by_role("tab", name="Route & timeline").click()
    wait_for(lambda: page.locator(".js-plotly-plot").count() >= 2, timeout=30, what="route and timeline charts")
    shot(page, "results_route")
    page.get_by_role("tab", name="Key frames").click()
    wait_for(lambda: page.locator("[data-testid=stImage] img").count() >= 2, timeout=30, what="key frame images")
    src = page.locator("[data-testid=stImage] img").first.get_attribute("src")
    assert src
    assert page.locator("[data-testid=stImage] img").first.evaluate("img => img.naturalWidth") > 100
    page.close()


def test_coach_compares_two_attempts(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    upload(page, server, REAL_HANDHELD, "Ben", "Overhang 2")
    page.goto(server + "/compare")
    page.wait_for_selector("text=Compare sessions", timeout=30000)
    page.get_by_role("tab", name="Two attempts side by side").click()
    wait_for(lambda: page.locator(".js-plotly-plot").count() >= 2, timeout=30, what="comparison charts")
    assert "better" in page.inner_text("body")
    shot(page, "compare")
    page.close()


def test_admin_retries_a_failed_upload(browser, server, tmp_path):
    bad = tmp_path / "not_a_video.mp4"
    bad.write_text("this is a text file with a video extension\n" * 20)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server)
    page.wait_for_selector("text=Analyse a climb", timeout=30000)
    page.set_input_files("input[type=file]", str(bad))
    page.wait_for_selector("[data-testid=stFileChip]", timeout=30000)
    hostile = "<img src=x onerror=window.__pwned=1>**Bold** [x](javascript:window.__pwned=2)"
    page.get_by_role("combobox", name="Climber").click()
    page.keyboard.type(hostile)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Analyse my climb").click()
    wait_for(lambda: "UNSUPPORTED_CONTAINER" in page.inner_text("body"), timeout=60, what="the coded error")
    body = page.inner_text("body")
    assert "Traceback" not in body and "not a video we can read" in body
    # names are shown as typed, never as markup
    page.reload()
    page.wait_for_selector("text=Recent uploads", timeout=30000)
    wait_for(lambda: "<img src=x onerror" in page.inner_text("body"), timeout=30, what="the literal name")
    assert "**Bold**" in page.inner_text("body")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript']").count() == 0
    page.goto(server + "/admin")
    page.get_by_label("Admin password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Wrong password", timeout=30000)
    assert "UNSUPPORTED_CONTAINER" not in page.inner_text("body")
    page.get_by_label("Admin password").fill(ADMIN_PW)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Retry this analysis", timeout=30000)
    shot(page, "admin")
    page.get_by_role("button", name="Retry this analysis").click()
    wait_for(lambda: "Queued again" in page.inner_text("body") or "retry" in page.inner_text("body").lower(),
             timeout=30, what="the retry to register")
    page.close()


def test_phone_viewport_upload_and_results(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(server)
    page.wait_for_selector("text=Analyse a climb", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # no horizontal scrolling
    shot(page, "mobile_upload")
    page.goto(server + "/results")
    page.wait_for_selector("text=Performance score", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "mobile_results")
    page.close()
