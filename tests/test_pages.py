"""AppTest for every page: empty database, and one with completed, failed, degraded and running
analyses; the admin gate; admin buttons that call the API and change state."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import api, http, i18n
from core.accounts import Accounts
from core.analysis import metrics as M
from core.config import reset_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs
from core.ops import lifecycle
from core.pipeline import analyze
from core.storage import store_for_ref
from tests.accounts import call_api, make_user, session_for
from tests.conftest import fast_settings
from tests.media import REAL_FIXED, ffmpeg

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/upload.py", "pages/results.py", "pages/compare.py", "pages/account.py", "pages/admin.py"]


def app(email: str | None = "admin@test.example", role: str = "admin", query: dict | None = None) -> AppTest:
    """The app as a browser tab signed in as ``email`` (None: a stranger)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if email:
        at.session_state["session_token"] = session_for(make_user(email, role))
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    for k, v in (query or {}).items():  # "/" forwards to /upload, which starts without a query
        at.query_params[k] = v
    return at


def render_all(at: AppTest) -> dict[str, AppTest]:
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
    return {}


def test_every_page_renders_on_an_empty_database():
    at = app()
    assert not at.exception
    render_all(at)


def test_a_stranger_gets_the_sign_in_form_on_every_page():
    make_user("someone@test.example")  # not a fresh install
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / page), default_timeout=90)  # a page file run on its own, too
        at.run()
        assert not at.exception, page
        assert [t.label for t in at.text_input] == ["Email", "Password"], page
        # a password manager fills it (Streamlit marks every password field "new-password" unless told)
        assert [t.autocomplete for t in at.text_input] == ["username", "current-password"], page
        assert [b.label for b in at.button] == ["Sign in"], page
    at = app(None)
    assert [b.label for b in at.button] == ["Sign in"] and not at.get("plotly_chart")


def test_a_fresh_install_asks_for_the_first_admin():
    at = app(None)
    assert [b.label for b in at.button] == ["Create admin account"]
    assert [t.autocomplete for t in at.text_input] == ["name", "username", "new-password"]
    at.text_input[0].input("Ada")
    at.text_input[1].input("ada@test.example")
    at.text_input[2].input("long enough password")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert api.users()[0]["email"] == "ada@test.example" and api.users()[0]["role"] == "admin"
    assert not api.needs_first_admin()


def test_wrong_password_is_refused_without_waiting_and_locks_out_after_repeats():
    make_user("bea@test.example")
    at = app(None)
    for _attempt in range(4):
        at.text_input[0].input("bea@test.example")
        at.text_input[1].input("wrong password")
        at.button[0].click()
        at.run()
    errors = [e.value for e in at.error]
    assert errors and ("Too many failed attempts" in errors[-1]), errors
    assert api.sign_in("bea@test.example", "correct horse battery", "another-browser")  # others are not locked out


@pytest.fixture
def seeded(short_climb, monkeypatch) -> dict[str, str]:
    reset_settings()
    s = fast_settings()
    jobs = Jobs(s)
    ids = {}
    for name, degraded in (("completed", False), ("degraded", True)):
        aid = jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": f"R-{name}", "grade": "6a"})
        job = jobs.claim("t", aid)
        rec = analyze(job, s)
        if degraded:
            rec.update(degraded=True, degraded_reason="VISION_UNAVAILABLE")
        jobs.complete(aid, "t", rec)
        ids[name] = aid
    ids["failed"] = jobs.submit_ref("videos/2026/01/01/gone.mp4", {"climber": "Ben"})
    jobs.claim("t", ids["failed"])
    jobs.fail(ids["failed"], "t", PipelineError(ErrorCode.VIDEO_CORRUPT, "truncated"))
    # a temporary problem whose automatic retries ran out (one attempt allowed here)
    once = Jobs(s.model_copy(update={"max_attempts": 1}))
    ids["failed_retryable"] = once.submit_ref("videos/2026/01/01/later.mp4", {"climber": "Bo"})
    once.claim("t", ids["failed_retryable"])
    once.fail(ids["failed_retryable"], "t", PipelineError(ErrorCode.STORAGE_UNAVAILABLE, "connect timeout"))
    ids["running"] = jobs.submit_ref(str(short_climb), {"climber": "Cy"})
    jobs.claim("t", ids["running"])
    jobs.heartbeat(ids["running"], "t", stage="pose", progress=0.4)
    ids["queued"] = jobs.submit_ref(str(short_climb), {"climber": "Di"})
    return ids


def test_every_page_renders_with_every_state(seeded):
    at = app()
    render_all(at)
    for state in ("completed", "degraded", "failed", "running", "queued"):
        at = app(query={"id": seeded[state]})
        at.switch_page("pages/results.py")
        at.run()
        assert not at.exception, state
        if state in ("completed", "degraded"):
            assert any("/100" in str(m.value) for m in at.metric)
            assert at.get("plotly_chart"), state
        if state == "degraded":
            assert any("coaching model was unavailable" in w.value for w in at.warning)
        if state == "failed":
            assert any("damaged or incomplete" in e.value for e in at.error)
        if state == "running":
            assert any("Tracking your body" in str(p.proto.text) for p in at.get("progress"))


def test_an_analysis_is_deleted_from_its_results_page_after_a_confirmation(seeded):
    """The results page offers to delete an analysis to whoever may (here an admin): a failed one
    below its error, a completed one under its measures; the button waits for the confirmation,
    and the page goes back to the upload page once it is gone. Not while it runs."""
    at = app(query={"id": seeded["running"]})
    at.switch_page("pages/results.py")
    at.run()
    assert "Delete this analysis" not in [b.label for b in at.button]
    for state in ("failed", "completed"):
        at = app(query={"id": seeded[state]})
        at.switch_page("pages/results.py")
        at.run()
        assert not at.exception
        go = next(b for b in at.button if b.label == "Delete this analysis")
        assert go.disabled
        next(c for c in at.checkbox if c.label == "Yes, delete it").check().run()
        next(b for b in at.button if b.label == "Delete this analysis").click().run()
        assert not at.exception and Jobs(fast_settings()).get(seeded[state]) is None, state
        assert any(t.value == "Analysis deleted" for t in at.toast) and at.title[0].value == "Analyse a climb"


def _analysed(short_climb: Path, route: str) -> tuple[Jobs, str, dict]:
    """The short clip analysed offline, not yet completed: (the queue, its id, its record)."""
    reset_settings()
    s = fast_settings()
    jobs = Jobs(s)
    aid = jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": route})
    return jobs, aid, analyze(jobs.claim("t", aid), s)


def _results_page(aid: str, lang: str) -> AppTest:
    """The results page of ``aid`` as a reader of ``lang`` sees it (no exception raised)."""
    i18n.set_language(lang)  # AppTest formats widget options in this thread too
    try:
        at = app(query={"id": aid, "lang": lang})
        at.switch_page("pages/results.py")
        at.run()
    finally:
        i18n.set_language("en")
    assert not at.exception
    return at


def test_a_flagged_analysis_says_why_once_in_the_language_of_the_page(short_climb):
    """A flagged analysis says why in one warning, not again in the summary: the window unsure (a rise
    after a long hang or sit; or which way is up, the picture turned with no floor in view) is not
    "hard to see", which is kept for a climber hard to see; nor is someone else seen far longer than
    the person analysed (who may be the wrong one); in German too."""
    reset_settings()
    s = fast_settings()
    jobs = Jobs(s)
    ids = {}
    for why in ("window", "hard_to_see", "up", "person"):
        aid = jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": f"R-{why}"})
        rec = analyze(jobs.claim("t", aid), s)
        rec["low_confidence"] = True
        rec["metrics"]["low_confidence_why"] = why
        jobs.complete(aid, "t", rec)
        ids[why] = aid
    for why, lang, said, not_said in (
            ("window", "en", "When the climb began is not certain here", "hard to see"),
            ("window", "de", "Wann die Kletterei begann, ist hier nicht sicher", "schwer zu erkennen"),
            ("hard_to_see", "en", "hard to see", "not certain"),
            ("up", "en", "Which way is up is not certain here", "When the climb began"),
            ("up", "de", "Wo oben ist, ist hier nicht sicher", "Wann die Kletterei begann"),
            ("person", "en", "We may have analysed the wrong person", "hard to see"),
            ("person", "de", "Vielleicht haben wir die falsche Person analysiert", "schwer zu erkennen")):
        at = _results_page(ids[why], lang)
        warnings = [w.value for w in at.warning]
        assert sum(said in w for w in warnings) == 1 and not any(not_said in w for w in warnings), warnings
        assert not any(said in str(m.value) for m in at.markdown)  # not said again in the summary


def test_how_the_climb_time_was_found_is_said_with_its_own_times(short_climb):
    """The climb time on the page comes with how it was found, and the times it runs between: for a
    climb from the floor, from nothing of the climber resting on the mat any more (the last foot, or
    the seat of a sit start) to being back on it; in German too. Every way the window can be found
    has its sentence."""
    assert set(api.results.WINDOW_SAID) == {M.FROM_FLOOR, M.FROM_HIP, M.START_UNSURE, M.UP_UNSURE,
                                             M.ON_THE_WALL_THROUGHOUT, M.TRIMMED, M.WHOLE_CLIP, M.NO_PROGRESS}
    jobs, aid, rec = _analysed(short_climb, "R-window")
    rec["route_analysis"]["climb_window"] = {"start": 1.3, "end": 9.5, "how": M.FROM_FLOOR}
    jobs.complete(aid, "t", rec)
    for lang, said in (("en", "rested on the mat any more (the last foot, or your seat in a sit start) until you "
                               "were back on it, or the video ended: 1.3 s to 9.5 s."),
                       ("de", "Sitzstart dein Gesäß), bis du wieder auf ihr warst oder das Video endete: 1,3 s bis 9,5 s.")):
        at = _results_page(aid, lang)
        shown = [str(m.value) for e in at.expander for m in e.markdown]
        assert sum(said in x for x in shown) == 1, shown
    other = dict(rec, route_analysis=dict(rec["route_analysis"], climb_window={"start": 0.0, "end": 7.16, "how": M.ON_THE_WALL_THROUGHOUT}))
    assert api.window_said(other) == ("Climb time runs from the first moment you were seen to the last: you were on "
                                      "the wall all along (0.0 s to 7.2 s).")
    assert api.window_said(dict(rec, route_analysis={})) is None  # a record from before says nothing


def test_the_hand_move_count_says_what_reading_the_video_again_would_count(short_climb):
    """The hand-move count on the page says, on hovering it, the counts the same climb read again
    gives (technique.reread: the range, the count shown included), or that it stays; in German too.
    A record that does not keep them says nothing."""
    jobs, aid, rec = _analysed(short_climb, "R-moves")
    assert len(rec["metrics"]["reread"]["moves"]) == 10
    rec["route_analysis"]["total_moves"] = 4
    rec["metrics"]["reread"]["moves"] = [2, 3, 2, 2, 3, 3, 2, 3, 2, 3]
    jobs.complete(aid, "t", rec)
    for lang, label, said in (("en", "Hand moves", "Read again from the same video, the count would be 2 to 4: "),
                              ("de", "Handzüge", "Erneut aus demselben Video gelesen, wären es 2 bis 4: ")):
        at = _results_page(aid, lang)
        shown = [x for x in at.metric if x.label == label]
        assert len(shown) == 1 and shown[0].value == "4" and shown[0].help.startswith(said), [x.help for x in shown]
    same = dict(rec, metrics=dict(rec["metrics"], reread=dict(rec["metrics"]["reread"], moves=[4] * 10)))
    assert api.moves_read_again(same) == "Read again from the same video, the count stays 4."
    assert api.moves_read_again(dict(rec, metrics={})) is None


def test_another_climb_in_the_video_is_named_with_its_times_and_how_to_analyse_it(short_climb):
    """A video with a second attempt says so above the summary, with both climbs' times and a button
    to analyse the other on its own (or, the video gone, says to upload it trimmed, and offers no
    button); in German too. None, nothing is said."""
    jobs, aid, rec = _analysed(short_climb, "R-two")
    assert rec["metrics"]["other_climbs"] == [] and api.other_climbs_said(rec) is None
    rec["route_analysis"]["climb_window"] = {"start": 1.3, "end": 9.5, "how": M.FROM_FLOOR}
    rec["metrics"]["other_climbs"] = [[12.4, 15.0]]
    jobs.complete(aid, "t", rec)
    for lang, said, button in (("en", "This video shows another climb too, at 12.4 s to 15.0 s. This analysis is of the "
                                      "longest, 1.3 s to 9.5 s. Each one can be analysed on its own below, to compare "
                                      "them.", "Analyse the climb at 12.4 s to 15.0 s too"),
                               ("de", "Dieses Video zeigt noch eine Begehung: 12,4 s bis 15,0 s. Analysiert ist die längste, "
                                      "1,3 s bis 9,5 s.", "Auch die Begehung 12,4 s bis 15,0 s analysieren")):
        at = _results_page(aid, lang)
        assert sum(said in str(x.value) for x in at.info) == 1 and not at.warning, [x.value for x in at.info]
        assert [x.label for x in at.button if x.key == "climb-go-0"] == [button]
    two = dict(rec, metrics=dict(rec["metrics"], other_climbs=[[0.5, 2.0], [12.4, 15.0]]))
    assert api.other_climbs_said(two).startswith("This video shows 2 other climbs too, at 0.5 s to 2.0 s, 12.4 s to 15.0 s.")
    assert [(c.start, c.end, c.at, c.analysis) for c in api.other_climbs(two)] == [(0.5, 2.0, 1.25, None),
                                                                                 (12.4, 15.0, 13.7, None)]
    # the video gone, a pick cannot run: the page says how else, and offers no button
    jobs.mark_video_purged(aid)
    gone = api.get(aid, make_user("admin@test.example", "admin"))
    assert api.other_climbs_said(gone).endswith("The video is no longer kept: to analyse another, upload the video "
                                                "again trimmed to it.")
    assert not [x for x in _results_page(aid, "en").button if x.key == "climb-go-0"]
    # a time in no other climb is refused with a reason, and nothing is queued
    with pytest.raises(PipelineError) as err:
        api.pick_climb(aid, make_user("admin@test.example", "admin"), 5.0)
    assert err.value.user_message == "No other climb was seen at that time in this video."
    assert jobs.get(aid)["status"] == "completed" and not jobs.sharing_video(jobs.get(aid)["video_ref"], aid)


def test_an_area_not_assessed_offers_its_drill_without_prescribing_it(short_climb):
    """A card with a score says "Drill:"; one not assessed (nothing measured to answer) offers the
    drill "to train it anyway", in German too."""
    jobs, aid, rec = _analysed(short_climb, "R-drills")
    points = rec["technique_points"]
    points[0] = dict(points[0], assessed=False, score=None)
    points[1] = dict(points[1], assessed=True, score=points[1]["score"] if points[1]["score"] is not None else 50.0)
    jobs.complete(aid, "t", rec)
    for lang, drill, anyway in (("en", "**Drill:**", "**To train it anyway:**"),
                                ("de", "**Übung:**", "**Wenn du es trotzdem üben willst:**")):
        shown = [str(x.value) for x in _results_page(aid, lang).markdown]
        assert sum(x.startswith(anyway) for x in shown) == sum(not p["assessed"] for p in points) >= 1
        assert sum(x.startswith(drill) for x in shown) == sum(p["assessed"] for p in points) >= 1


@pytest.fixture(scope="module")
def two_attempts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixed clip twice in a row, 540x720: two climbs of the same length, from the mat and back."""
    out = tmp_path_factory.mktemp("twice") / "two_attempts.mp4"
    ffmpeg("-i", str(REAL_FIXED), "-i", str(REAL_FIXED), "-filter_complex",
           "[0:v]scale=540:720[a];[1:v]scale=540:720[b];[a][b]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    return out


def test_two_attempts_as_long_ask_which_and_each_is_analysed_on_its_own_to_compare(two_attempts):
    """The fixed clip played twice: two climbs alike, each seen from the mat and back to it. The
    analysis takes one and is not sure it is the one meant (flagged, and the page says why once, with
    both climbs' times); the page offers the other, and asking makes an analysis of it of its own,
    from the stored poses: its own times, the first one named and offered back (opened, not made
    again), nothing flagged, in German too; the first stays as it was, to compare. The two share the
    stored video: deleting one keeps it for the other."""
    reset_settings()
    s = fast_settings()
    jobs = Jobs(s)
    aid = jobs.submit_upload(two_attempts, "two_attempts.mp4", {"climber": "Ana", "route_name": "R-twice", "consent": True})
    rec = analyze(jobs.claim("t", aid), s)
    jobs.complete(aid, "t", rec)
    m = rec["metrics"]
    (o0, o1), = m["other_climbs"]
    a, b = m["climb_start_s"], m["climb_end_s"]
    # each climb is the clip's own (1.35-13.4 s, labelled), the second 15.08 s later
    first, second = sorted([(a, b), (o0, o1)])
    assert abs(first[0] - 1.35) <= 1.0 and abs(first[1] - 13.4) <= 1.0, (first, second)
    assert abs(second[0] - 16.43) <= 1.0 and abs(second[1] - 28.48) <= 1.0, (first, second)
    assert m["attempt_unsure"] and rec["low_confidence"] and m["low_confidence_why"] == "attempt"
    at = _results_page(aid, "en")
    said = [w.value for w in at.warning]
    assert len(said) == 1 and said[0].startswith("This video shows another climb too") and \
        said[0].endswith("Another one is nearly as long, so which you meant cannot be told. Each one can be "
                         "analysed on its own below, to compare them."), said
    go = [x for x in at.button if x.key == "climb-go-0"]
    assert [x.label for x in go] == [f"Analyse the climb at {o0:.1f} s to {o1:.1f} s too"]
    go[0].click()
    at.run()
    assert not at.exception
    new = at.query_params["id"]
    new = new[0] if isinstance(new, list) else new
    job = jobs.get(new)
    assert new != aid and job["status"] == "queued" and job["climb_of"] == aid and abs(job["climb_at"] - (o0 + o1) / 2) < 0.01
    assert job["video_ref"] == jobs.get(aid)["video_ref"] and job["route_name"] == "R-twice" and job["consent"]
    assert jobs.get(aid)["status"] == "completed"  # the first stays, to compare
    assert api.pick_climb(aid, make_user("admin@test.example", "admin"), (o0 + o1) / 2) == new  # asked twice: one
    other = analyze(jobs.claim("t", new), s)
    jobs.complete(new, "t", other)
    m2 = other["metrics"]
    assert (m2["climb_start_s"], m2["climb_end_s"]) == (o0, o1) and m2["other_climbs"] == [[a, b]]
    assert m2["climb_picked"] and not m2["attempt_unsure"] and m2["low_confidence_why"] != "attempt"
    assert m2["timings_s"]["poses_reused"] is True
    # each replay opens on its own climb: the later one at its start, the earlier at the video's
    later, earlier = (rec, other) if a > o0 else (other, rec)
    assert api.replay_start(later) == later["metrics"]["climb_start_s"] > 10 and api.replay_start(earlier) == 0.0
    for lang, said, button in (("en", f"This analysis is of the one you picked, {o0:.1f} s to {o1:.1f} s. Each one has "
                                      "an analysis of its own: open it below to compare them.",
                                f"Open the analysis of the climb at {a:.1f} s to {b:.1f} s"),
                               ("de", "Analysiert ist die, die du gewählt hast", "Die Analyse der Begehung")):
        at = _results_page(new, lang)
        assert sum(said in str(x.value) for x in at.info) == 1 and not at.warning, [x.value for x in at.info]
        assert [x.label for x in at.button if x.key == "climb-go-0"][0].startswith(button)
    at.button(key="climb-go-0").click()
    at.run()
    assert at.query_params["id"] in (aid, [aid])  # the first, opened
    # the first no longer asks which was meant: each has an analysis of its own now (and offers it)
    at = _results_page(aid, "en")
    said = [x.value for x in at.info if "This video shows another climb too" in str(x.value)]
    assert not at.warning and len(said) == 1 and said[0].endswith(
        "Another one is nearly as long. Each one has an analysis of its own: open it below to compare them."), said
    assert [x.label for x in at.button if x.key == "climb-go-0"] == [f"Open the analysis of the climb at {o0:.1f} s to {o1:.1f} s"]
    # through the HTTP API with a personal token: the same analysis; a time in no other climb is refused
    token = Accounts().issue_api_token(make_user("admin@test.example", "admin"))
    path = f"/api/analyses/{aid}/climb"
    assert call_api(http.pick_climb, path, token, {"at": 15.0}, aid=aid)[0] == 409  # on the mat between them
    assert call_api(http.pick_climb, path, token, {"at": "7"}, aid=aid)[0] == 400
    mid = (o0 + o1) / 2
    assert call_api(http.pick_climb, path, token, {"at": mid}, aid=aid) == (
        200, {"analysis_id": new, "status": "completed", "of": aid, "at": mid})
    # the pickers (results, compare) tell the two apart by their climb's times
    labels = {o["analysis_id"]: o["label"] for o in api.completed_options(make_user("admin@test.example", "admin"))}
    assert f" · climb {a:.1f} s to {b:.1f} s · " in labels[aid] and f" · climb {o0:.1f} s to {o1:.1f} s · " in labels[new]
    # one deleted, the video stays for the other (which can still be analysed again); both, it goes
    store, key = store_for_ref(job["video_ref"])
    assert lifecycle.delete_analysis(aid) and store.exists(key) and api.can_pick(jobs.get(new))
    assert lifecycle.delete_analysis(new) and not store.exists(key)


def test_upload_page_lists_recent_uploads_and_live_status(seeded):
    at = app(query={"id": seeded["running"]})
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception
    text = " ".join(str(m.value) for m in at.markdown)
    assert "Ana" in text and "Ben" in text and "Cy" in text
    assert at.get("progress")  # the live status of the analysis in the URL


def test_admin_page_is_for_admins_then_retry_and_rerun_vision_change_state(seeded):
    at = app("cleo@test.example", "climber")
    at.switch_page("pages/admin.py")
    at.run()
    assert any("for admins" in e.value for e in at.error) and not at.button
    at = app()
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception
    # the new account's fields are not filled with the admin's own saved email and password
    fields = {t.label: t.autocomplete for t in at.text_input}
    assert fields["Email of the new account"] == "off"
    assert fields["First password (they can be told it; at least 8 characters)"] == "new-password"
    # a permanent code is not offered for retry: the page says what the climber must do instead
    pick = next(s for s in at.selectbox if s.label == "Analysis")
    pick.set_value(seeded["failed"]).run()
    assert "Retry this analysis" not in [b.label for b in at.button]
    assert any("would fail the same way" in i.value and "changed as said above" in i.value for i in at.info)
    # its events in words: states named as the queue names them, times as the language writes them,
    # nothing shown as "None"
    events = next(d.value for d in at.dataframe if "detail" in d.value.columns and "from" in d.value.columns)
    assert list(events.columns) == ["when", "from", "to", "stage", "code", "attempt", "detail"]
    assert events.iloc[0]["from"] == "" and events.iloc[0]["to"] == "Queued"
    assert "Failed" in set(events["to"]) and not events.isin([None, "None"]).any().any()
    assert all(":" in w and "T" not in w for w in events["when"])
    assert set(events["attempt"]) <= {"", "1", "2", "3"}
    assert ["STORAGE_UNAVAILABLE"] == next(s for s in at.selectbox if s.label == "Retry every failed analysis with code").options
    next(s for s in at.selectbox if s.label == "Analysis").set_value(seeded["failed_retryable"]).run()
    labels = [b.label for b in at.button]
    assert "Retry this analysis" in labels and "Re-run vision" in labels
    next(b for b in at.button if b.label == "Retry this analysis").click()
    at.run()
    assert not at.exception
    assert api.get(seeded["failed_retryable"], api.SYSTEM)["status"] == "queued"
    assert [e["to_status"] for e in api.events(seeded["failed_retryable"])][-1] == "queued"
    assert api.get(seeded["failed"], api.SYSTEM)["status"] == "failed"
    next(b for b in at.button if b.label == "Re-run vision").click()
    at.run()
    assert api.get(seeded["degraded"], api.SYSTEM)["status"] == "queued"
    assert api.get(seeded["degraded"], api.SYSTEM)["analyzer"] == "vision"


def test_compare_side_by_side_with_two_completed(seeded):
    at = app()
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    assert at.get("plotly_chart")
    assert at.dataframe  # the measures side by side
    # the verdict first: the same clip analysed twice scores the same, so it says they are close
    verdict = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert verdict and "The two attempts are close" in verdict[0], verdict
    # the same wall from the same place: no wall warning, and both hip paths drawn on the wall frame
    assert not [w for w in at.warning if "different walls" in w.value]
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    on_wall = [f for f in figures if "Both hip paths on the wall" in json.dumps(f["layout"].get("title"))]
    assert on_wall and len(on_wall[0]["data"]) == 2 and on_wall[0]["layout"]["images"]


def test_a_climb_whose_height_is_not_measured_is_not_drawn_as_a_height(seeded, short_climb):
    """The roof clip beside the fixed one: its results say the height gained is not measured (its
    body did not show which way is up), and the comparison drew its hips rising 1.5 torso lengths
    under "height gained" (seen at 390 px in German). Its path is left out of that chart, and the
    page says why; the other climb is drawn as before."""
    jobs = Jobs(fast_settings())
    rec = api.get(seeded["completed"], api.SYSTEM)
    made = {}
    for name, basis in (("picture", "picture"), ("body", "body"), ("roof2", "picture")):  # a roof's, a wall's
        rec["route_analysis"]["height_basis"] = basis
        made[name] = jobs.submit_ref(str(short_climb), {"climber": "Ana", "route_name": f"R-{name}"})
        jobs.claim("t", made[name])
        jobs.complete(made[name], "t", {k: v for k, v in rec.items() if k not in ("analysis_id", "status", "route_name")})
    assert api.compare(api.SYSTEM, made["picture"], made["body"])["height_unmeasured"] == ["A"]
    assert api.compare(api.SYSTEM, made["body"], made["picture"])["height_unmeasured"] == ["B"]
    at = app()
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    next(s for s in at.selectbox if s.label == "Attempt A").set_value(made["picture"])
    next(s for s in at.selectbox if s.label == "Attempt B").set_value(made["body"])
    at.run()
    assert not at.exception
    assert [s.value for s in at.selectbox if s.label.startswith("Attempt")] == [made["picture"], made["body"]]
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    heights = next(f for f in figures if "Hip height through the climb" in json.dumps(f["layout"].get("title")))
    assert [d["name"] for d in heights["data"]] == ["B"] and heights["layout"]["showlegend"]  # (named)
    assert any("not measured for A, so it is not drawn" in c.value for c in at.caption)
    # neither measured: no empty chart, and the page says so
    next(s for s in at.selectbox if s.label == "Attempt B").set_value(made["picture"])
    next(s for s in at.selectbox if s.label == "Attempt A").set_value(made["roof2"])
    at.run()
    assert not at.exception
    titles = [json.dumps(json.loads(c.proto.spec)["layout"].get("title")) for c in at.get("plotly_chart")]
    assert not [t for t in titles if "Hip height through the climb" in t], titles
    assert any("not measured for A & B, so neither is drawn" in c.value for c in at.caption)


def test_two_attempts_apart_by_no_more_than_a_second_reading_could_be_are_close():
    """Performance 70 and 78, fluency 60 and 75: with each score moving by 4 (performance) and 6
    (fluency) points when read again (the roof clip's order), the same climb read twice could differ
    as much, so the verdict says they are close and names no fluency difference; read steadily
    (1 point), B was better, mostly more fluent."""
    from core.api import coach

    def rec(perf: int, fluency: int, spread: float) -> dict:
        return {"performance_score": perf, "metrics": {"score_spread": {"performance": spread}},
                "technique_points": [{"area": "fluency", "score": fluency, "assessed": True, "spread": 1.5 * spread},
                                     {"area": "arms", "score": 50, "assessed": True, "spread": spread}]}

    unsure = coach.verdict(rec(70, 60, 4.0), rec(78, 75, 4.0))
    assert unsure["better"] is None and "differ by no more than the same climb read again" in unsure["text"]
    assert not unsure["differences"]
    sure = coach.verdict(rec(70, 60, 1.0), rec(78, 75, 1.0))
    assert sure["better"] == "B" and "more fluent movement (+15 points)" in sure["text"]
    # records from before the spread was measured: the fixed thresholds, as before
    old = [{k: v for k, v in rec(p, f, 0).items() if k != "metrics"} for p, f in ((70, 60), (78, 75))]
    for r in old:
        for pt in r["technique_points"]:
            del pt["spread"]
    assert coach.verdict(*old)["better"] == "B"


def test_the_verdict_names_time_and_path_only_for_one_route_on_one_wall():
    """The roof clip beside the fixed one, neither named: the page warned "different walls ...
    compare technique scores, not paths" under a verdict that said "5.2 s faster ... a more direct
    path (54% vs 24%)" (seen at 390 px in German). Time and the path's directness are named for one
    route on one wall only; the scores always."""
    from core.api import coach

    def rec(perf: int, arms: int, secs: float, direct: float, route: str = "") -> dict:
        return {"performance_score": perf, "route_name": route,
                "metrics": {"duration_s": secs, "path_efficiency": direct},
                "technique_points": [{"area": "arms", "score": arms, "assessed": True}]}

    a, b = rec(82, 70, 7.2, 0.54), rec(72, 23, 12.3, 0.24)
    same = coach.verdict(a, b)["text"]
    assert "5.1 s faster" in same and "a more direct path (54% vs 24%)" in same and "straighter arms" in same, same
    walls = coach.verdict(a, b, same_wall=False)["text"]
    assert "faster" not in walls and "direct path" not in walls and "straighter arms (+47 points)" in walls, walls
    routes = coach.verdict(rec(82, 70, 7.2, 0.54, "Yellow 3"), rec(72, 23, 12.3, 0.24, "Red 5"))["text"]
    assert "faster" not in routes and "direct path" not in routes and "straighter arms" in routes, routes


def test_the_table_of_measures_marks_a_difference_the_reading_could_make():
    """Side by side, a measure that differs by no more than twice the two readings' spreads
    combined is marked as within them, not as better; beyond, the better attempt; records from
    before the spread was kept, as before."""
    from core.api import coach

    def rec(eff: float, spread: float | None) -> dict:
        m = {"path_efficiency": eff}
        if spread is not None:
            m["value_spread"] = {"path_efficiency": spread}
        return {"metrics": m}

    def better(a: dict, b: dict) -> str:
        row = next(r for r in coach.metric_table(a, b) if "path" in next(iter(r.values())).lower())
        return row["Better"]

    assert better(rec(0.50, 0.03), rec(0.56, 0.03)) == coach.WITHIN_SPREAD  # 0.06 < 2 x 0.042
    assert better(rec(0.50, 0.01), rec(0.56, 0.01)) == "B"
    assert better(rec(0.50, None), rec(0.56, None)) == "B"


def test_a_share_changes_by_percentage_points_in_the_table_of_measures():
    """Feet off 10% against 31% read "+204%" (of a share, a change relative to itself); a share
    changes by percentage points (and from 0% too, which had no change at all); other measures
    by percent, as before."""
    from core.api import coach

    def change(key: str, va: float, vb: float) -> str:
        rows = coach.metric_table({"metrics": {key: va}}, {"metrics": {key: vb}})
        return next(iter(rows))["Change from A to B"] if rows else ""

    assert change("feet_off_share", 0.10, 0.31) == "+21 pp"
    assert change("feet_off_share", 0.0, 0.31) == "+31 pp"
    assert change("path_efficiency", 0.54, 0.24) == "−30 pp"
    assert change("path_efficiency", 0.236, 0.544) == "+30 pp"  # 24% and 54% as shown, not 30.8
    assert change("gie", 1.0, 0.5) == "−50%"
    api.use_language("de")
    try:
        assert next(iter(coach.metric_table({"metrics": {"feet_off_share": 0.1}}, {"metrics": {"feet_off_share": 0.31}})))[
            "Veränderung von A zu B"] == "+21 Pp."
    finally:
        api.use_language("en")


def test_the_trend_draws_each_score_with_bars_as_long_as_it_moves_when_read_again():
    """Over time, each session's score has bars of its spread, and says it on hover; sessions
    analysed before the spread was measured have none."""
    from core.api import charts

    rows = [{"created_at": f"2026-11-0{d}T10:00:00+00:00", "route_name": "Gelb", "performance_score": p,
             "performance_score_spread": sd} for d, p, sd in ((1, 70, 4.0), (2, 76, 2.6), (3, 74, None))]
    trace = charts.trend_figure(rows, "performance_score", "Performance score").data[0]
    assert list(trace.error_y.array) == [4.0, 2.6, 0.0] and trace.error_y.visible
    assert [c[2] for c in trace.customdata] == [" ± 4", " ± 3", ""]
    old = [{k: v for k, v in r.items() if k != "performance_score_spread"} for r in rows]
    assert not charts.trend_figure(old, "performance_score", "Performance score").data[0].error_y.array


def test_the_trend_writes_dates_that_do_not_overlap_and_the_latest_is_never_cut_off():
    """Seen at 390 px in German: of three sessions (16:01, 16:09, 16:36) the latest's date was
    hidden (written slanted from the right edge of the chart) and two sat on each other. Dates stand
    at least a quarter of the span apart, the latest always among them, level, with room after it."""
    from datetime import datetime

    from core.api import charts

    times = ["2026-12-06T16:01:00+00:00", "2026-12-06T16:03:00+00:00", "2026-12-06T16:09:00+00:00",
             "2026-12-06T16:36:00+00:00"]
    rows = [{"created_at": t, "performance_score": 70 + i} for i, t in enumerate(times)]
    fig = charts.trend_figure(rows, "performance_score", "Performance score")
    ticks = [datetime.fromisoformat(t) for t in fig.layout.xaxis.tickvals]
    assert ticks[-1] == datetime.fromisoformat(times[-1]) and fig.layout.xaxis.tickangle == 0  # the latest, level
    assert all((b - a).total_seconds() >= 35 * 60 / 4 for a, b in zip(ticks, ticks[1:])), ticks
    lo, hi = (datetime.fromisoformat(x) for x in fig.layout.xaxis.range)
    assert hi > ticks[-1] and lo < ticks[0]  # room either side
    one = charts.trend_figure(rows[:1], "performance_score", "Performance score")
    assert list(one.layout.xaxis.tickvals) == times[:1] and one.layout.xaxis.range is not None


def test_the_account_page_changes_the_password_and_the_admin_page_sets_one():
    """A climber changes their own password on their account page (the new one typed twice; the
    page says what happened, and this tab stays signed in); an admin sets one for another account,
    and cannot sign themselves out from there (their own is not offered)."""
    from core.accounts import Accounts
    from tests.accounts import PASSWORD

    at = app("pia@test.example", "climber")
    at.switch_page("pages/account.py")
    at.run()
    fields = {t.label: t for t in at.text_input}
    assert fields["Current password"].autocomplete == "current-password"
    assert fields["New password"].autocomplete == fields["New password again"].autocomplete == "new-password"

    def change(current: str, new: str, again: str) -> None:
        fields = {t.label: t for t in at.text_input}
        fields["Current password"].input(current)
        fields["New password"].input(new)
        fields["New password again"].input(again)
        next(b for b in at.button if b.label == "Change password").click()
        at.run()
        assert not at.exception

    change(PASSWORD, "pia's new password", "pia's new pasword")
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    change("wrong", "pia's new password", "pia's new password")
    assert [e.value for e in at.error] == ["The current password is wrong."]
    change(PASSWORD, "pia's new password", "pia's new password")
    assert not at.error and any("Your password is changed" in s.value for s in at.success)
    acc = Accounts()
    assert acc.authenticate("pia@test.example", "pia's new password") is not None
    assert api.session_user(at.session_state["session_token"]) is not None  # this tab stays signed in

    admin = app("adam@test.example", "admin")
    admin.switch_page("pages/admin.py")
    admin.run()
    box = next(s for s in admin.selectbox if s.label == "Account")
    assert "pia@test.example" in box.options and "adam@test.example" not in box.options
    box.set_value("pia@test.example")
    next(t for t in admin.text_input if t.label.startswith("New password (they can be told it")).input("set by adam 1")
    next(b for b in admin.button if b.label == "Set password").click()
    admin.run()
    assert not admin.exception and any("Password set for pia@test.example" in s.value.replace("\\", "")
                                       for s in admin.success)
    assert acc.authenticate("pia@test.example", "set by adam 1") is not None
    assert api.session_user(at.session_state["session_token"]) is None  # her browsers are signed out


def test_coach_invites_on_the_account_page_and_the_climber_accepts_there():
    coach = app("cora@test.example", "coach")
    coach.switch_page("pages/account.py")
    coach.run()
    box = next(t for t in coach.text_input if t.label == "Climber's email")
    box.input("cliff@test.example")
    next(b for b in coach.button if b.label == "Invite to share their climbs").click()
    coach.run()
    assert not coach.exception
    assert any("Waiting for cliff@test.example" in c.value.replace("\\", "") for c in coach.caption)
    climber = app("cliff@test.example", "climber")
    climber.switch_page("pages/account.py")
    climber.run()
    assert any("asks to see your climbs" in m.value for m in climber.markdown)
    next(b for b in climber.button if b.label == "Accept").click()
    climber.run()
    assert not climber.exception
    assert [u.email for u in api.athletes_of(make_user("cora@test.example", "coach"))] == ["cliff@test.example"]
    assert any("sees your climbs" in m.value for m in climber.markdown)
