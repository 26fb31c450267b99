"""A real browser against `streamlit run`, with S3 storage on a moto server (the path that failed
in the old system). Debian chromium driven by Playwright. Screenshots go to docs/screenshots/."""
from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from core.accounts import Accounts
from core.config import Settings
from tests.conftest import need, wait_for
from tests.media import REAL_FIXED, REAL_HANDHELD
from tests.serve import serve

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser test password"
#: the accounts the browser signs in with: climber A, climber B, A's coach, the admin
PEOPLE = {"ana@climb.test": ("climber", "Ana"), "ben@climb.test": ("climber", "Ben"), "cole@climb.test": ("coach", "Cole"),
          "ada@climb.test": ("admin", "Ada")}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


#: the running server's data directory (the compare test holds a replay back in its database)
DATA: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need("chromium", Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    bucket = "browser-test"
    boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1").create_bucket(Bucket=bucket)
    data = tmp_path_factory.mktemp("browser-data")
    acc = Accounts(Settings(data_dir=data))
    for email, (role, name) in PEOPLE.items():
        acc.create(email, role, PASSWORD, name)
    acc.link(acc.require("ana@climb.test"), acc.require("cole@climb.test"))
    env = {"PERFORMATE_S3_BUCKET": bucket, "PERFORMATE_S3_ENDPOINT_URL": moto_server,
           "PERFORMATE_ANALYZER": "offline", "PERFORMATE_WORKERS": "1"}
    DATA["dir"] = data
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


#: pages open in the running test, photographed when it fails (tests/.failures/, printed in the report)
OPEN: list = []
FAILURES = ROOT / "tests" / ".failures"


@pytest.fixture(autouse=True)
def _photograph_failures(request: pytest.FixtureRequest) -> Iterator[None]:
    OPEN.clear()
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        FAILURES.mkdir(exist_ok=True)
        for i, pg in enumerate(OPEN):
            with contextlib.suppress(Exception):
                path = FAILURES / f"{request.node.name}-{i}.png"
                pg.screenshot(path=str(path), full_page=True)
                print(f"failure screenshot: {path} ({pg.url})")
    OPEN.clear()


def shot(page, name: str) -> None:
    """Photograph the page for the README once it has finished drawing: Streamlit shows grey
    placeholders (stSkeleton) while an element's code loads, for about a second in a fresh browser
    (the admin page's counters and table were photographed that way)."""
    wait_for(lambda: page.locator("[data-testid=stSkeleton]").count() == 0, timeout=30,
             what=f"the {name} page to finish drawing")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(browser, server: str, email: str, **kw):
    """A new browser (own cookies) signed in as ``email`` through the sign-in form."""
    ctx = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | kw))
    page = ctx.new_page()
    OPEN.append(page)
    page.goto(server + "/upload")
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Signed in as", timeout=30000)
    cookie = next(c for c in ctx.cookies() if c["name"] == "performate_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    return page


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


RESULT: dict[str, str] = {}


def open_coaching(page) -> None:
    """Follow "Open your coaching" to the results address. The upload page re-runs once when the
    analysis finishes (to stop refreshing), which can swallow a click made at that moment: the link is
    clicked again until the address changes."""
    def arrived() -> bool:
        if re.search(r"/results\?id=\w+", page.url):
            return True
        link = page.get_by_role("link", name="Open your coaching")
        if link.count():
            link.first.click(timeout=5000)
        return bool(re.search(r"/results\?id=\w+", page.url))

    wait_for(arrived, timeout=60, interval=1.0, what="the results page after Open your coaching")


def test_climber_uploads_watches_progress_and_reads_results(browser, server):
    page = signed_in(browser, server, "ana@climb.test")
    seen = upload(page, server, REAL_FIXED, "Ana", "Yellow 3")
    assert len(seen) >= 2, seen  # the bar advanced through stages without a reload
    shot(page, "upload")
    # the upload page's history also says "Performance score": wait for the results address itself
    open_coaching(page)
    page.wait_for_selector("text=Climb time", timeout=30000)
    assert re.search(r"\d+/100", page.inner_text("body"))
    RESULT["url"] = page.url
    page.wait_for_selector(".js-plotly-plot", timeout=30000)
    wait_for(lambda: page.locator("video").count() > 0, timeout=120, what="the replay to appear")
    video = page.locator("video").first
    assert "/files/" in (video.get_attribute("src") or "")  # served by the route that checks the session
    wait_for(lambda: video.evaluate("v => v.readyState") >= 1, timeout=30, what="the replay's metadata to load")
    RESULT["video"] = video.get_attribute("src")
    shot(page, "results")
    page.get_by_role("tab", name="Route and timeline").click()
    wait_for(lambda: page.locator(".js-plotly-plot").count() >= 2, timeout=30, what="route and timeline charts")
    shot(page, "results_route")
    page.get_by_role("tab", name="Key frames").click()
    wait_for(lambda: page.locator("[data-testid=stImage] img").count() >= 2, timeout=30, what="key frame images")
    src = page.locator("[data-testid=stImage] img").first.get_attribute("src")
    assert src
    assert page.locator("[data-testid=stImage] img").first.evaluate("img => img.naturalWidth") > 100
    page.reload()  # still signed in after a reload
    page.wait_for_selector("text=Performance score", timeout=30000)
    page.context.close()


def test_who_sees_climber_a_result(browser, server):
    """A stranger gets the sign-in form at every address; climber B can neither list nor open A's
    result; A's coach can; the admin can, and stays signed in across a reload."""
    url = RESULT.get("url")
    assert url, "runs after the upload test"
    stranger = browser.new_context().new_page()
    for path in ("/upload", "/results", url.split(server, 1)[1], "/compare", "/admin"):
        stranger.goto(server + path)
        stranger.get_by_role("textbox", name="Email").wait_for(timeout=30000)
        body = stranger.inner_text("body")
        assert "Email" in body and "Yellow 3" not in body and "Upload" not in body, path
    assert stranger.request.get(RESULT["video"]).status == 401  # the replay itself, without a session
    stranger.context.close()
    ben = signed_in(browser, server, "ben@climb.test")
    assert ben.request.get(RESULT["video"]).status == 404  # another climber: as if it did not exist
    ben.goto(url)
    ben.wait_for_selector("text=not yours to see", timeout=30000)
    assert "Yellow 3" not in ben.inner_text("body")
    ben.goto(server + "/upload")
    ben.wait_for_selector("text=My climbs", timeout=30000)
    assert "Yellow 3" not in ben.inner_text("body")
    ben.goto(server + "/admin")
    ben.wait_for_selector("text=This page is for admins", timeout=30000)
    ben.context.close()
    for email in ("cole@climb.test", "ada@climb.test"):
        page = signed_in(browser, server, email)
        page.goto(url)
        page.wait_for_selector("text=Performance score", timeout=30000)
        assert "Yellow 3" in page.inner_text("body")
        if email == "ada@climb.test":
            page.goto(server + "/admin")
            page.wait_for_selector("text=Accounts", timeout=30000)
            page.reload()
            page.wait_for_selector("text=Accounts", timeout=30000)  # the admin survives a reload
            page.get_by_role("link", name="Sign out").click()
            page.wait_for_selector("text=Sign in", timeout=30000)
        page.context.close()


def test_coach_compares_two_attempts(browser, server):
    page = signed_in(browser, server, "cole@climb.test")
    upload(page, server, REAL_HANDHELD, "Ana", "Overhang 2")
    # the replay is made after the result is stored: wait for it, then hold it back so the page
    # opens as it does while the replay is still being made, and must show the player by itself
    db = sqlite3.connect(DATA["dir"] / "performate.db")
    wait_for(lambda: db.execute("select count(*) from analyses where status='completed' and replay_ref is null")
             .fetchone()[0] == 0, timeout=120, what="both replays to be made")
    row = db.execute("select analysis_id, replay_ref from analyses order by created_at desc limit 1").fetchone()
    with db:
        db.execute("update analyses set replay_ref=null where analysis_id=?", (row[0],))
    page.goto(server + "/compare")
    page.wait_for_selector("text=Compare sessions", timeout=30000)
    page.get_by_role("tab", name="Two attempts side by side").click()
    page.wait_for_selector("text=A replay is still being prepared", timeout=30000)
    with db:
        db.execute("update analyses set replay_ref=? where analysis_id=?", (row[1], row[0]))
    db.close()
    wait_for(lambda: page.locator(".js-plotly-plot").count() >= 2, timeout=30, what="comparison charts")
    # the verdict first, in words: which attempt was better, or that they are close
    verdict = page.locator("h4").first.inner_text()
    assert re.search(r"Attempt [AB] was better|The two attempts are close", verdict), verdict
    # a gym wall and an overhang: the coach is told the paths are not comparable
    assert "different walls or camera positions" in page.inner_text("body")
    # two replays, one set of controls: one press of Play and both advance, in step from each climb's start
    videos = page.locator("[data-testid=pm-video]")
    wait_for(lambda: videos.count() == 2, timeout=60, what="both replays in the compare player")
    wait_for(lambda: all(videos.nth(i).evaluate("v => v.readyState") >= 2 for i in range(2)), timeout=60,
             what="both replays to load")
    starts = [videos.nth(i).evaluate("v => v.currentTime") for i in range(2)]
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for(lambda: all(videos.nth(i).evaluate("v => v.currentTime") > starts[i] + 0.6 for i in range(2)),
             timeout=30, what="both replays to advance after one press of Play")
    clock = page.evaluate("""() => { const v = [...document.querySelectorAll('[data-testid=pm-video]')];
                                     return v.map(x => ({t: x.currentTime, paused: x.paused})); }""")
    assert not clock[0]["paused"] and not clock[1]["paused"]
    assert abs((clock[0]["t"] - starts[0]) - (clock[1]["t"] - starts[1])) < 0.25, (clock, starts)
    shot(page, "compare")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.context.close()


def test_two_climbers_on_one_wall_the_climber_picks_the_other(browser, server, tmp_path):
    """Everyone seen is numbered on one frame (served by /files/, which checks the session); a pick
    re-runs the analysis for that person, and the page follows it to the new result."""
    from tests.media import two_climbers

    page = signed_in(browser, server, "ana@climb.test")
    upload(page, server, two_climbers(tmp_path / "two_climbers.mp4"), "Ana", "Twins")
    open_coaching(page)
    page.wait_for_selector("text=We saw 2 people in this video and analysed person 1", timeout=30000)
    page.get_by_text("Not the right climber? Pick another person").click()
    img = page.locator("[data-testid=stImage] img").first
    img.wait_for(timeout=30000)
    assert "/files/" in (img.get_attribute("src") or "") and img.evaluate("i => i.naturalWidth") > 100
    go = page.get_by_role("button", name="Analyse this person instead")

    def opened() -> bool:  # the expander has finished opening: its last button lies inside it
        box = page.locator("[data-testid=stExpander]").filter(has=go).bounding_box()
        b = go.bounding_box()
        return bool(box and b and b["y"] + b["height"] <= box["y"] + box["height"])
    wait_for(opened, timeout=30, what="the person picker to open")
    img.evaluate("i => i.scrollIntoView({block: 'start'})")  # the numbered frame, as the climber looks at it
    shot(page, "people")
    before = page.inner_text("body")
    page.get_by_role("button", name="Analyse this person instead").click()
    wait_for(lambda: "analysed person 2, as picked" in page.inner_text("body"), timeout=120, interval=0.5,
             what="the analysis of person 2")
    after = page.inner_text("body")
    took = re.search(r"Climb time\s*([\d.]+) s", after)
    assert took and float(took.group(1)) < float(re.search(r"Climb time\s*([\d.]+) s", before).group(1))
    page.context.close()


def test_admin_sees_a_permanent_failure_explained_not_offered_for_retry(browser, server, tmp_path):
    bad = tmp_path / "not_a_video.mp4"
    bad.write_text("this is a text file with a video extension\n" * 20)
    page = signed_in(browser, server, "ada@climb.test")
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
    page.wait_for_selector("text=My climbs", timeout=30000)
    wait_for(lambda: "<img src=x onerror" in page.inner_text("body"), timeout=30, what="the literal name")
    assert "**Bold**" in page.inner_text("body")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript']").count() == 0
    # the climber is told what to do instead (change the file as the message says, or another),
    # not to ask an admin
    assert "upload the video again changed as said above" in body and "ask an admin" not in body.lower()
    page.goto(server + "/admin")
    page.wait_for_selector("text=would fail the same way", timeout=30000)
    assert page.get_by_role("button", name="Retry this analysis").count() == 0
    assert "UNSUPPORTED_CONTAINER" in page.inner_text("body")
    shot(page, "admin")
    # in German, and still in German once the queue panel has refreshed itself (every 5 s): a
    # fragment's own reruns run without the page's first lines, and it turned English
    received: list[float] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _payload: received.append(time.monotonic())))
    page.goto(server + "/admin?lang=de")
    labels = page.locator("[data-testid=stMetricLabel]")
    wait_for(lambda: labels.count() >= 5 and labels.nth(0).inner_text() == "Wartend", timeout=30, what="German counts")
    opened = time.monotonic()
    # (the page call lets Playwright hand over the frames received meanwhile)
    wait_for(lambda: page.evaluate("1") and any(t > opened + 5.5 for t in received), timeout=30,
             what="the queue panel to refresh itself")
    wait_for(lambda: not page.locator("[data-stale=true]").count(), timeout=10, what="the refresh to finish")
    assert [labels.nth(i).inner_text() for i in range(5)] == ["Wartend", "Laufend", "Fertig", "Fehlgeschlagen",
                                                              "Abgebrochen"]
    page.context.close()


def test_phone_viewport_upload_and_results(browser, server):
    page = signed_in(browser, server, "ana@climb.test", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                     is_mobile=True, has_touch=True)
    page.goto(server)
    page.wait_for_selector("text=Analyse a climb", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # no horizontal scrolling
    shot(page, "mobile_upload")
    page.goto(server + "/results")
    page.wait_for_selector("text=Performance score", timeout=30000)
    # the summary says "Performance score" before the metric cards are drawn: wait for the four cards
    # (the screenshot had shown their grey placeholders)
    wait_for(lambda: page.locator("[data-testid=stMetricValue]").count() >= 4, timeout=30, what="the metric cards")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "mobile_results")
    page.context.close()


def test_replay_controls_and_evidence_on_a_phone(browser, server):
    """On a 390 px phone: 0.25x changes the replay's playback rate, a frame step moves one frame, and
    an evidence button brings the replay into view, seeks to its time and plays it."""
    url = RESULT.get("url")
    assert url, "runs after the upload test"
    page = signed_in(browser, server, "ana@climb.test", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                     is_mobile=True, has_touch=True)
    page.goto(url)
    video = page.locator("[data-testid=pm-video]").first
    video.wait_for(timeout=60000)
    wait_for(lambda: video.evaluate("v => v.readyState") >= 2, timeout=60, what="the replay to load")
    page.get_by_role("button", name="0.25×").click()
    assert video.evaluate("v => v.playbackRate") == 0.25
    t0 = video.evaluate("v => v.currentTime")
    page.get_by_role("button", name="Frame forward").click()
    wait_for(lambda: abs(video.evaluate("v => v.currentTime") - (t0 + 1 / 8)) < 0.02, timeout=10,
             what="one frame (1/8 s) forward")
    chip = page.locator(".pm-chips button").last  # the card furthest down the page
    chip.scroll_into_view_if_needed()
    assert video.evaluate("v => v.getBoundingClientRect().bottom") < 0  # the replay is off-screen above
    t = float(re.search(r"([\d.]+)\s*s", chip.inner_text()).group(1))
    chip.click()
    wait_for(lambda: not video.evaluate("v => v.paused"), timeout=10, what="the replay to play")
    now = video.evaluate("v => v.currentTime")
    assert t - 0.05 <= now <= t + 1.0, (t, now)  # at the evidence time (playing slowly from there)
    box = video.evaluate("v => { const r = v.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }")
    assert box[1] > 0 and box[0] < box[2], box  # in view
    assert video.evaluate("v => v.playbackRate") == 0.25  # the chosen speed stays
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "mobile_evidence")
    page.context.close()


def test_results_page_in_german(browser, server):
    url = RESULT.get("url")
    assert url, "runs after the upload test"
    page = signed_in(browser, server, "ana@climb.test")
    page.goto(url + "&lang=de")
    page.wait_for_selector("text=Leistungswert", timeout=30000)
    page.locator("[data-testid=pm-video]").first.wait_for(timeout=60000)
    wait_for(lambda: page.locator(".js-plotly-plot").count() >= 1, timeout=30, what="the radar chart")
    body = page.inner_text("body")
    assert "Du bist" in body and "Technik" in body and "Abspielen" in body
    english = re.findall(r"\b(Performance score|Confidence|Technique|Strengths|What to work on|Key frames|Download|"
                         r"Sign out|Language|Upload|Results|Compare|Account|Play|Frame forward|your|the|and|with)\b",
                         body)
    assert not english, english
    assert re.search(r"\d+,\d s", body)  # seconds written the German way
    # Streamlit's own parts of the page speak German too: the document's language, and the link the
    # first Tab shows (its text is hidden until focused, so it is not in the body's visible text)
    wait_for(lambda: page.evaluate("document.documentElement.lang") == "de", timeout=10, what="the page's lang")
    assert page.locator("[data-testid=stSkipToContent]").text_content() == "Zum Hauptinhalt springen"
    shot(page, "results_de")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # back to English from the sidebar, without reloading the page: the page's language follows (the
    # script setting it once threw on running again, and the page stayed lang="de")
    page.get_by_label("Sprache").first.click()
    page.get_by_role("option", name="English").click()
    page.wait_for_selector("text=Performance score", timeout=30000)
    wait_for(lambda: page.evaluate("document.documentElement.lang") == "en", timeout=10, what="the page's lang")
    assert page.locator("[data-testid=stSkipToContent]").text_content() == "Skip to main content"
    assert not errors, errors
    page.goto(url + "&lang=en")  # the choice is remembered for the account
    page.wait_for_selector("text=Performance score", timeout=30000)
    page.context.close()
