"""Accounts and roles: a climber sees only their own climbs, a coach their athletes', an admin all,
a stranger nothing; the CLI manages accounts; sign-in codes become HttpOnly session cookies."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from starlette.requests import Request

from core import api, http
from core.accounts import Accounts, Role
from core.cli import main
from core.jobs import Jobs
from tests.accounts import PASSWORD, make_user, session_for
from tests.accounts import call_api as _api

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def people() -> dict[str, api.User]:
    acc = Accounts()
    out = {"a": make_user("ana@test.example"), "b": make_user("ben@test.example"),
           "coach": make_user("cole@test.example", Role.COACH), "admin": make_user("ada@test.example", Role.ADMIN)}
    acc.link(out["a"], out["coach"])
    return out


@pytest.fixture
def as_(people, clips) -> dict[str, str]:
    """One upload by climber A and one analysis made before accounts existed (no owner)."""
    with open(clips["h264"], "rb") as f:
        mine = api.submit_upload(f, "clip.mp4", clips["h264"].stat().st_size, {"climber": "Ana", "route_name": "A-route"},
                                 people["a"])
    legacy = Jobs().submit_ref("videos/2020/01/01/old.mp4", {"climber": "Old"})
    return {"mine": mine, "legacy": legacy}


def test_each_role_sees_exactly_what_it_should(people, as_):
    a, b, coach, admin = people["a"], people["b"], people["coach"], people["admin"]
    mine, legacy = as_["mine"], as_["legacy"]
    assert api.get(mine, a) and api.get(mine, coach) and api.get(mine, admin)
    assert api.get(mine, b) is None  # the same answer as for an id that does not exist
    assert api.status(mine, b) is None and api.replay(mine, b) is None and api.export_json(mine, b) == "{}"
    assert [r["analysis_id"] for r in api.recent(a)] == [mine]
    assert api.recent(b) == [] and api.climbers(b) == []
    assert [r["analysis_id"] for r in api.recent(coach)] == [mine] and api.climbers(coach) == ["Ana"]
    # analyses made before accounts belong to the admins until assigned
    assert {r["analysis_id"] for r in api.recent(admin)} == {mine, legacy}
    assert api.get(legacy, a) is None and api.get(legacy, coach) is None
    with pytest.raises(api.PipelineError):
        api.compare(b, mine, mine)


def test_whoever_uploaded_an_analysis_deletes_it_with_its_video_and_no_one_else_but_an_admin(people, as_):
    """A climber deletes their own upload (the video, frames and record go); their coach, who may
    see it, may not delete it, nor may another climber (told the same as for an id that does not
    exist); nothing is deleted while it runs; an admin may delete an analysis without an owner."""
    from core.config import get_settings
    from core.storage import get_store, split_ref

    a, b, coach, admin = people["a"], people["b"], people["coach"], people["admin"]
    mine, legacy = as_["mine"], as_["legacy"]
    rec = api.get(mine, coach)
    assert rec and not api.can_delete(rec, coach) and api.can_delete(api.get(mine, a), a)
    for who in (coach, b):
        with pytest.raises(api.PipelineError) as e:
            api.delete_mine(mine, who)
        assert e.value.user_message == "Only whoever uploaded this analysis can delete it."
    jobs = Jobs()
    jobs.claim("t", mine)  # running: kept, and said so
    assert not api.can_delete(api.get(mine, a), a)
    with pytest.raises(api.PipelineError) as e:
        api.delete_mine(mine, a)
    assert "running" in e.value.user_message and api.get(mine, a) is not None
    jobs.fail(mine, "t", api.PipelineError(api.ErrorCode.VIDEO_CORRUPT, "truncated"))
    kind, video = split_ref(jobs.get(mine)["video_ref"])
    store = get_store(get_settings())
    assert kind == "key" and store.exists(video)
    api.delete_mine(mine, a)
    assert jobs.get(mine) is None and not store.exists(video) and api.recent(a) == []
    assert api.get(legacy, a) is None and api.can_delete(api.get(legacy, admin), admin)
    api.delete_mine(legacy, admin)
    assert jobs.get(legacy) is None


def test_results_page_link_opens_only_for_who_may_see_it(people, as_):
    from streamlit.testing.v1 import AppTest

    def results_as(user):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if user:
            at.session_state["session_token"] = session_for(user)
        at.query_params["id"] = as_["mine"]
        at.run()
        if user:  # a stranger's navigation holds only the sign-in form, at every address
            at.query_params["id"] = as_["mine"]  # "/" forwarded to /upload, which starts without a query
            at.switch_page("pages/results.py")
            at.run()
        assert not at.exception
        return " ".join([*(str(x.value) for x in [*at.title, *at.warning, *at.markdown]), *(b.label for b in at.button)])

    assert "Ana" in results_as(people["a"]) and "Ana" in results_as(people["coach"])
    assert "not yours to see" in results_as(people["b"]) and "Ana" not in results_as(people["b"])
    stranger = results_as(None)
    assert "Ana" not in stranger and "Sign in" in stranger, stranger


def _request(path: str, query: str, cookie: str | None = None) -> Request:
    headers = [(b"cookie", f"{api.SESSION_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": headers,
                    "scheme": "http", "server": ("testserver", 80)})


def test_a_sign_in_code_becomes_an_httponly_cookie_once_and_only_for_this_site(people):
    code = api.sign_in("ana@test.example", PASSWORD, "browser-1")
    assert code and api.sign_in("ana@test.example", "wrong", "browser-1") is None
    resp = http.session_start(_request("/session/start", f"code={code}&next=/results%3Fid%3Dx"))
    cookie = resp.headers["set-cookie"]
    assert resp.status_code == 303 and resp.headers["location"] == "/results?id=x"
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=2592000" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert api.session_user(token) == people["a"]
    again = http.session_start(_request("/session/start", f"code={code}"))  # a code works once
    assert "set-cookie" not in again.headers and "expired" in again.headers["location"]
    other = http.session_start(_request("/session/start", f"code={api.sign_in('ana@test.example', PASSWORD, 'b2')}"
                                                          "&next=//evil.example/x"))
    assert other.headers["location"] == "/upload"  # never sent to another site
    out = http.session_end(_request("/session/end", "", cookie=token))
    assert api.session_user(token) is None and 'performate_session=""' in out.headers["set-cookie"]


def test_cli_manages_accounts_with_the_password_on_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("climbing is fun\n"))
    assert main(["users", "add", "Dora@Test.example", "--role", "coach", "--name", "Dora", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    assert main(["users", "add", "eli@test.example", "--role", "climber", "--coach", "dora@test.example",
                 "--password-stdin"]) == 0
    capsys.readouterr()
    acc = Accounts()
    assert acc.authenticate("dora@test.example", "climbing is fun") is not None  # no trailing newline in it
    assert acc.authenticate("dora@test.example", "climbing is fun\n") is None
    assert main(["users", "list"]) == 0
    listed = {u["email"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["eli@test.example"]["coaches"] == ["dora@test.example"]
    assert main(["users", "add", "x@test.example", "--role", "climber"]) == 2  # no password given
    assert "BAD_REQUEST" in capsys.readouterr().out
    eli = acc.require("eli@test.example")
    aid = Jobs().submit_ref("videos/2026/01/01/e.mp4", {"climber": "Eli", "owner_id": eli.id})
    assert main(["users", "remove", "eli@test.example"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["analyses_kept"] == 1 and acc.by_email("eli@test.example") is None
    assert api.get(aid, api.SYSTEM) is not None  # kept, visible to admins only


def test_cli_analyze_files_the_analysis_under_an_account(people, short_climb, capsys):
    assert main(["analyze", str(short_climb), "--as", "ana@test.example", "--no-replay", "--analyzer", "offline"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["owner_id"] == people["a"].id
    assert api.get(rec["analysis_id"], people["b"]) is None and api.get(rec["analysis_id"], people["a"])


def _serve(resp, headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Run an ASGI response the way the server would; (status, headers, body)."""
    import asyncio

    sent: list[dict] = []
    requested: list[bool] = []

    async def receive() -> dict:
        if not requested:
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the response is sent
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers or [], "query_string": b""}
    asyncio.run(resp(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


def test_replays_and_frames_are_served_only_to_who_may_see_them_with_range(people, as_):
    from core.storage import get_store

    aid = as_["mine"]
    video = bytes(range(256)) * 40
    Jobs().set_replay(aid, get_store().put_bytes(video, f"replays/{aid}.mp4", content_type="video/mp4"))

    def fetch(user, name="replay", rng=None):
        cookie = session_for(user) if user else None
        req = _request(f"/files/{aid}/{name}", "", cookie=cookie)
        req.scope["path_params"] = {"aid": aid, "name": name}
        resp = http.media(req)
        return _serve(resp, [(b"range", rng.encode())] if rng else None)

    assert fetch(None)[0] == 401  # a stranger
    assert fetch(people["b"])[0] == 404  # another climber: as if it did not exist
    status, headers, body = fetch(people["a"])
    assert status == 200 and body == video and headers["content-type"] == "video/mp4"
    status, headers, body = fetch(people["coach"], rng="bytes=100-199")
    assert status == 206 and body == video[100:200] and headers["content-range"] == f"bytes 100-199/{len(video)}"
    jpeg = b"\xff\xd8 a key frame \xff\xd9"
    kref = get_store().put_bytes(jpeg, f"frames/{aid}/key_01.jpg", content_type="image/jpeg")
    Jobs().db.conn.execute("update analyses set key_frames=? where analysis_id=?",
                           [json.dumps([{"time": 1.0, "ref": kref, "key": f"frames/{aid}/key_01.jpg"}]), aid])
    assert fetch(people["a"], name="key_01")[2] == jpeg  # found by its stored name
    assert fetch(people["a"], name="key_00")[0] == 404 and fetch(people["b"], name="key_01")[0] == 404
    assert fetch(people["a"], name="../../etc/passwd")[0] == 404


def test_personal_api_tokens_have_their_accounts_scope(people, as_, monkeypatch, capsys):
    from core.config import reset_settings
    from core.storage import get_store

    monkeypatch.setenv("PERFORMATE_API_TOKEN", "service-token-for-tests")
    reset_settings()
    tokens = {}
    for who in ("a", "b", "coach", "admin"):
        assert main(["users", "token", people[who].email]) == 0
        tokens[who] = json.loads(capsys.readouterr().out)["token"]
    get_store().put_bytes(b"video", "videos/2026/05/05/api.mp4")
    status, body = _api(http.submit, "/api/analyses", tokens["a"], {"video_ref": "videos/2026/05/05/api.mp4"})
    assert status == 201
    aid = body["analysis_id"]
    assert api.get(aid, api.SYSTEM)["owner_id"] == people["a"].id  # filed under the token's account
    assert _api(http.get_one, f"/api/analyses/{aid}", tokens["b"], aid=aid)[0] == 404
    for who in ("a", "coach", "admin"):
        assert _api(http.get_one, f"/api/analyses/{aid}", tokens[who], aid=aid)[0] == 200, who
    assert _api(http.get_one, f"/api/analyses/{aid}", "service-token-for-tests", aid=aid)[0] == 200
    assert _api(http.get_one, f"/api/analyses/{aid}", "pm_not-a-token", aid=aid)[0] == 401
    assert _api(http.get_one, f"/api/analyses/{as_['mine']}", tokens["b"], aid=as_["mine"])[0] == 404
    assert _api(http.retry, f"/api/analyses/{aid}/retry", tokens["coach"], aid=aid)[0] == 403  # not the coach's to retry
    # deleted by whoever uploaded it: not by the coach who sees it, nor by someone who does not
    assert _api(http.delete_one, f"/api/analyses/{aid}", tokens["b"], aid=aid)[0] == 404
    assert _api(http.delete_one, f"/api/analyses/{aid}", tokens["coach"], aid=aid)[0] == 403
    assert _api(http.delete_one, f"/api/analyses/{aid}", tokens["a"], aid=aid) == (200, {"analysis_id": aid, "deleted": True})
    assert _api(http.get_one, f"/api/analyses/{aid}", tokens["admin"], aid=aid)[0] == 404


def test_coach_sees_a_climber_only_after_the_climber_accepts_an_invitation(clips):
    climber, coach = make_user("cara@test.example"), make_user("carl@test.example", Role.COACH)
    with open(clips["h264"], "rb") as f:
        aid = api.submit_upload(f, "clip.mp4", clips["h264"].stat().st_size, {"climber": "Cara"}, climber)
    inv = api.invite(coach, "Cara@Test.example ")  # the address as typed
    assert api.get(aid, coach) is None  # asking is not seeing
    assert [i["climber_email"] for i in api.invitations(coach)] == ["cara@test.example"]
    assert [i["coach_email"] for i in api.invitations(climber)] == ["carl@test.example"]
    # another climber cannot answer it
    with pytest.raises(api.PipelineError):
        api.answer_invite(make_user("other@test.example"), inv, True)
    api.answer_invite(climber, inv, True)
    assert api.get(aid, coach) is not None and [c.email for c in api.coaches_of(climber)] == ["carl@test.example"]
    assert api.invitations(climber) == [] and [u.email for u in api.athletes_of(coach)] == ["cara@test.example"]
    # the climber can stop sharing again
    assert api.remove_coach(climber, coach.id)
    assert api.get(aid, coach) is None
    # declining links nothing; a climber cannot invite
    inv2 = api.invite(coach, "cara@test.example")
    api.answer_invite(climber, inv2, False)
    assert api.get(aid, coach) is None and api.invitations(climber) == []
    with pytest.raises(api.PipelineError):
        api.invite(climber, "carl@test.example")


def test_an_invitation_waits_for_an_account_that_does_not_exist_yet():
    coach = make_user("cleo@test.example", Role.COACH)
    api.invite(coach, "later@test.example")
    newcomer = make_user("later@test.example")
    assert [i["coach_email"] for i in api.invitations(newcomer)] == ["cleo@test.example"]


def test_identity_provider_sign_in_maps_email_to_account_or_refuses(monkeypatch):
    coach = make_user("kai@test.example", Role.COACH)
    assert api.oidc_user("KAI@test.example", "Kai") == coach  # an existing account keeps its role
    fresh = api.oidc_user("new@test.example", "New Person")
    assert fresh is not None and fresh.role == Role.CLIMBER and fresh.name == "New Person"
    assert Accounts().authenticate("new@test.example", "") is None  # no password anyone knows
    assert api.oidc_user(None) is None
    monkeypatch.setenv("PERFORMATE_OIDC_NEW_USERS", "refuse")
    from core.config import reset_settings

    reset_settings()
    assert api.oidc_user("stranger@test.example") is None and Accounts().by_email("stranger@test.example") is None
    assert api.oidc_user("kai@test.example") == coach  # refusing strangers does not lock out members


def test_language_is_remembered_per_account():
    u = make_user("lena@test.example")
    assert u.language == ""
    api.set_language(u, "de")
    assert api.session_user(session_for(u)).language == "de"
    with pytest.raises(api.PipelineError):
        api.set_language(u, "fr")


def test_a_climber_changes_their_password_and_every_other_browser_is_signed_out(people):
    """An admin's "first password (they can be told it)" could not be changed: there was no way to.
    Given the current one, the new one takes its place; this browser stays signed in, every other
    one is signed out (a password changed because someone else knew it locks them out); wrong
    guesses count towards the browser's lock-out, as at sign-in; too short is refused."""
    ana = people["a"]
    here, elsewhere = session_for(ana), session_for(ana)
    with pytest.raises(api.PipelineError) as wrong:
        api.change_password(ana, "not my password", "a new password", here, "browser-1")
    assert wrong.value.user_message == "The current password is wrong."
    with pytest.raises(api.PipelineError) as short:
        api.change_password(ana, PASSWORD, "short", here, "browser-1")
    assert short.value.user_message == "Passwords need at least 8 characters."
    assert api.session_user(elsewhere) == ana  # nothing changed yet
    api.change_password(ana, PASSWORD, "a new password", here, "browser-1")
    acc = Accounts()
    assert acc.authenticate(ana.email, "a new password") == ana and acc.authenticate(ana.email, PASSWORD) is None
    assert api.session_user(here) == ana and api.session_user(elsewhere) is None
    for _guess in range(3):  # a passer-by at a browser left signed in cannot try every password
        with pytest.raises(api.PipelineError):
            api.change_password(ana, "guess", "another password", here, "browser-2")
    assert api.login_blocked_for("browser-2") > 0
    with pytest.raises(api.PipelineError) as blocked:
        api.change_password(ana, "a new password", "another password", here, "browser-2")
    assert "Too many failed attempts" in blocked.value.user_message
    assert acc.authenticate(ana.email, "a new password") == ana


def test_an_admin_or_the_cli_sets_a_new_password_for_an_account(people, monkeypatch, capsys):
    """A forgotten password, or an account an identity provider made (no password anyone knows):
    the admin sets one (every browser signed in as them is signed out), or the operator does with
    the CLI, the password on standard input."""
    ben = people["b"]
    signed_in = session_for(ben)
    api.set_password(ben.email, "told on the phone")
    assert Accounts().authenticate(ben.email, "told on the phone") == ben and api.session_user(signed_in) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("from the operator\n"))
    assert main(["users", "password", "BEN@test.example", "--password-stdin"]) == 0
    assert json.loads(capsys.readouterr().out)["password_set"] is True
    assert Accounts().authenticate(ben.email, "from the operator") == ben
    assert Accounts().authenticate(ben.email, "told on the phone") is None
    assert main(["users", "password", "nobody@test.example", "--password-stdin"]) == 2
    assert "BAD_REQUEST" in capsys.readouterr().out
