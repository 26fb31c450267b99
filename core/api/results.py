"""One analysis as a climber sees it: its state in words, its media, its exports."""
from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.accounts import Accounts, User
from core.analysis import catalog
from core.analysis import metrics as M
from core.config import get_settings
from core.errors import ErrorCode, PipelineError
from core.i18n import N_, _, language, ngettext, secs
from core.jobs import Analysis, Jobs, Status, iso_ts
from core.logs import get_logger
from core.ops import lifecycle
from core.pipeline import STAGE_LABELS
from core.runtime.executors import notify
from core.storage import split_ref, store_for_ref

__all__ = ["describe", "localize", "get", "status", "blob", "replay_ready", "replay", "export_json", "export_csv", "owners", "can_delete", "delete_mine", "uploaded_by",
           "media", "pick_person", "can_pick"]


log = get_logger("core.api.results")


def jobs() -> Jobs:
    return Jobs(get_settings())


def owners(viewer: User) -> set[int] | None:
    """Owner ids of the analyses ``viewer`` may see (None: all, for admins)."""
    return Accounts(get_settings()).visible_owners(viewer)


def visible(aid: str, viewer: User) -> Analysis | None:
    """The analysis if ``viewer`` may see it; None when it does not exist or is someone else's
    (the same answer, so ids cannot be probed)."""
    rec = jobs().get(aid)
    if rec is None:
        return None
    allowed = owners(viewer)
    return rec if allowed is None or rec.get("owner_id") in allowed else None


def describe(rec: dict[str, Any]) -> dict[str, Any]:
    """The record plus what a page shows beside it: the stage in words, the error in words,
    what to do next, and the time it has taken so far."""
    rec = dict(rec)
    status = rec["status"]
    stage = rec.get("stage") or ""
    rec["stage_label"] = _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage
    code = rec.get("error_code")
    spec = ErrorCode(code).spec if code and code in ErrorCode.__members__ else None
    rec["user_message"] = _(spec.user_message) if spec else None
    rec["retryable"] = bool(spec and spec.retryable)
    if status == Status.FAILED and spec:
        kind = "retry" if spec.retryable else "user" if spec.user_caused else "ours"
        rec["what_to_do"] = _(WHAT_TO_DO[kind])
    start = rec.get("started_at") or rec.get("created_at")
    end = rec.get("finished_at")
    rec["elapsed_s"] = round((iso_ts(end) if end else time.time()) - iso_ts(start), 1) if start else None
    return rec


#: What the climber can do after a failure, by kind of failure.
WHAT_TO_DO = {
    # (the message above says what to change: a file format, a length, the framing; this line must
    # not name a remedy of its own, which would be wrong for every other cause)
    "user": N_("Running it again will not change this: upload the video again changed as said above, or another one."),
    "ours": N_("This is a problem on our side, and our team can see it. Upload the video again later, or wait until an admin runs it again."),
    "retry": N_("We tried several times. An admin can run it again from the admin page; your video is kept for that."),
}


#: Why the climb time starts and ends where it does, by how the climb window was found.
_BY_HIP = N_("No floor was in view long enough, so climb time is read from your hips: from when they began to rise "
             "(or from the first moment you were seen, if you were on the wall already) until they dropped from "
             "their highest point, or the video ended: {start} to {end}.")
WINDOW_SAID = {
    M.FROM_FLOOR: N_("Climb time runs from the moment nothing of you rested on the mat any more (the last foot, or "
                     "your seat in a sit start) until you were back on it, or the video ended: {start} to {end}."),
    M.FROM_HIP: _BY_HIP,
    M.START_UNSURE: _BY_HIP,
    M.UP_UNSURE: _BY_HIP,
    M.ON_THE_WALL_THROUGHOUT: N_("Climb time runs from the first moment you were seen to the last: you were on the "
                                "wall all along ({start} to {end})."),
    M.TRIMMED: N_("Climb time is the part of the video you chose: {start} to {end}."),
    M.WHOLE_CLIP: N_("Too little of you was seen to tell when the climb began, so climb time is the whole video: "
                     "{start} to {end}."),
    M.NO_PROGRESS: N_("Your hips never rose, so climb time is the whole time you were seen: {start} to {end}."),
}


def _window(rec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The record's climb window (start, end, how), or None for records that do not keep one."""
    w = (rec.get("route_analysis") or {}).get("climb_window") or {}
    return w if w.get("start") is not None and w.get("end") is not None else None


def replay_start(rec: Mapping[str, Any]) -> float:
    """Where the results page's replay opens (seconds): at the climb analysed when the video shows
    another climb before it (the second of two attempts opens on its own, not on the first), else
    at the video's start (the walk-in and the first hold are worth seeing)."""
    w = _window(rec)
    others = (rec.get("metrics") or {}).get("other_climbs") or []
    if w is None or not any(float(a) < float(w["start"]) for a, _b in others):
        return 0.0
    return float(w["start"])


def moves_read_again(rec: Mapping[str, Any]) -> str | None:
    """How the hand-move count on the page would change were the climb read again from the same
    video (technique.reread: other sampling moments, the pose's own jitter), in the reader's
    language: the range of the counts, this one included; None for records that do not keep them."""
    shown = (rec.get("route_analysis") or {}).get("total_moves")
    counts = [int(x) for x in ((rec.get("metrics") or {}).get("reread") or {}).get("moves") or [] if x is not None]
    if shown is None or not counts:
        return None
    lo, hi = min(*counts, int(shown)), max(*counts, int(shown))
    if lo == hi:
        return _("Read again from the same video, the count stays {n}.").format(n=lo)
    return _("Read again from the same video, the count would be {lo} to {hi}: the pose is not read the same way "
             "each time, and a hand on a hold seen briefly may or may not count as a move.").format(lo=lo, hi=hi)


def window_said(rec: Mapping[str, Any]) -> str | None:
    """How the climb time on the page was found, in the reader's language (None for records that
    do not say)."""
    w = _window(rec)
    said = WINDOW_SAID.get(str(w.get("how"))) if w else None
    return _(said).format(start=secs(w["start"]), end=secs(w["end"])) if w and said else None


def other_climbs_said(rec: Mapping[str, Any], climbs: list[OtherClimb] | None = None) -> str | None:
    """The other climbs the video shows besides the one analysed (another attempt), with their times,
    which one this is and how to analyse another, in the reader's language; None when there are none.
    ``climbs``: ``other_climbs(rec)`` when the caller has it already (it asks the store)."""
    m = rec.get("metrics") or {}
    w = _window(rec)
    climbs = other_climbs(rec) if climbs is None else climbs
    if not climbs or not w:
        return None
    times = ", ".join(_("{start} to {end}").format(start=secs(c.start), end=secs(c.end)) for c in climbs)
    said = ngettext("This video shows another climb too, at {times}.", "This video shows {n} other climbs too, at {times}.",
                    len(climbs)).format(n=len(climbs), times=times)
    this = (_("This analysis is of the one you picked, {start} to {end}.") if m.get("climb_picked") else
            _("This analysis is of the longest, {start} to {end}.")).format(start=secs(w["start"]), end=secs(w["end"]))
    if m.get("attempt_unsure"):  # which was meant cannot be told; once each is analysed, it need not be
        this += " " + (_("Another one is nearly as long, so which you meant cannot be told.")
                       if which_climb_unsure(rec, climbs) else _("Another one is nearly as long."))
    how = (_("Each one has an analysis of its own: open it below to compare them.") if all(c.analysis for c in climbs) else
           _("Each one can be analysed on its own below, to compare them.") if can_pick(rec) else
           _("The video is no longer kept: to analyse another, upload the video again trimmed to it."))
    return " ".join((said, this, how))


def which_climb_unsure(rec: Mapping[str, Any], climbs: list[OtherClimb]) -> bool:
    """Is which climb the climber meant still open: another nearly as long, not analysed on its own?"""
    return bool((rec.get("metrics") or {}).get("attempt_unsure")) and not all(c.analysis for c in climbs)


def localize(rec: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """The coaching text of a record in the reader's language, rendered from its stored phrases.
    The coaching model's own words are shown only to readers of the language it wrote in; others
    get the measured feedback in their language. Records from before phrases keep their words."""
    lang = lang or language()
    phrases = rec.get("phrases")
    out = dict(rec)
    model_words = "vision" in (rec.get("analyzers_used") or []) and not rec.get("degraded")
    if model_words and rec.get("language") == lang:
        out["technique_points"] = [dict(p, name=catalog.area_name(lang, p["area"])) for p in rec.get("technique_points") or []]
        return out
    if not phrases:
        return out
    out["summary"] = " ".join(catalog.render(lang, p) for p in phrases.get("summary") or [])
    out["strengths"] = [catalog.render(lang, p) for p in phrases.get("strengths") or []]
    out["recommendations"] = [catalog.render(lang, p) for p in phrases.get("recommendations") or []]
    points = []
    for p in rec.get("technique_points") or []:
        q = dict(p, name=catalog.area_name(lang, p["area"]))
        said = p.get("phrases") or {}
        if said:
            q["feedback"] = catalog.render(lang, said["feedback"])
            q["drill"] = catalog.render(lang, said["drill"])
        points.append(q)
    out["technique_points"] = points
    out["model_words_hidden"] = model_words
    return out


def status(aid: str, viewer: User) -> dict[str, Any] | None:
    """The live state of one analysis, with its place in the queue."""
    rec = visible(aid, viewer)
    if rec is None:
        return None
    out = describe(dict(rec))
    out["queue_position"] = jobs().queue_position(aid)
    return out


def get(aid: str, viewer: User, lang: str | None = None) -> dict[str, Any] | None:
    """One analysis as ``viewer`` reads it: described, its coaching text in the reader's language."""
    rec = visible(aid, viewer)
    return localize(describe(dict(rec)), lang) if rec else None


def can_pick(rec: Mapping[str, Any]) -> bool:
    """Can another person of this analysis be analysed? It must be finished, and its video kept (a
    pick may run where the frames are not)."""
    return rec.get("status") == Status.COMPLETED and not rec.get("video_purged_at")


def uploaded_by(rec: Mapping[str, Any], viewer: User) -> bool:
    """Is ``viewer`` who uploaded this analysis, or an admin (who may retry or delete it)?"""
    return viewer.is_admin or (bool(viewer.id) and rec.get("owner_id") == viewer.id)


def can_delete(rec: Mapping[str, Any], viewer: User) -> bool:
    """May ``viewer`` delete this analysis now? Whoever uploaded it (a coach does not delete what
    an athlete uploaded), or an admin; not while it runs."""
    return uploaded_by(rec, viewer) and rec.get("status") != Status.RUNNING


def delete_mine(aid: str, viewer: User) -> None:
    """Delete an analysis with its video, frames and replay, as its uploader (or an admin) asks."""
    rec = visible(aid, viewer)
    if rec is None or not uploaded_by(rec, viewer):
        raise PipelineError(ErrorCode.BAD_REQUEST, "not the uploader's analysis",
                            message=N_("Only whoever uploaded this analysis can delete it."))
    if rec.get("status") == Status.RUNNING or not lifecycle.delete_completely([rec]):
        raise PipelineError(ErrorCode.BAD_REQUEST, "the analysis is running",
                            message=N_("This analysis is running; it can be deleted once it has finished."))
    log.info("analysis.deleted_by_request", analysis_id=aid, user_id=viewer.id)


def person_label(p: Mapping[str, Any]) -> str:
    """How the picker names a person of the record's list: their time on the wall, or, for someone
    seen only hanging (or sitting: the two look alike, and neither counts as time on the wall), how
    long they were seen so."""
    if not p.get("on_wall_s") and p.get("hanging_s"):
        return _("Person {n} · hanging or sitting {s}").format(n=p["person"], s=secs(p["hanging_s"]))
    if not p.get("on_wall_s") and "hanging_s" not in p:
        # a record from before hanging was told apart: "on the wall 0.0 s" may be someone hanging
        # the whole clip, which the picture shows; no claim rather than a wrong one
        return _("Person {n}").format(n=p["person"])
    return _("Person {n} · on the wall {s}").format(n=p["person"], s=secs(p.get("on_wall_s") or 0.0))


def pick_person(aid: str, viewer: User, person: int) -> bool:
    """Analyse person ``person`` (as numbered on the overview image) instead: anyone who may see the
    analysis may ask. The analysis is queued again and reuses its frames and everyone's poses."""
    rec = visible(aid, viewer)
    offered = {p["person"] for p in ((rec or {}).get("people") or {}).get("list") or []}
    if rec is None or person not in offered:
        raise PipelineError(ErrorCode.BAD_REQUEST, f"person {person} is not among those seen",
                            message=N_("That person was not seen in this video."))
    _may_pick(rec, N_("Another person can be analysed once this analysis has finished."),
              N_("The video is no longer kept, so another person cannot be analysed."))
    ok = jobs().pick_person(aid, person)
    notify()
    return ok


def pick_climb(aid: str, viewer: User, at: float) -> str:
    """Analyse the other climb the video shows at ``at`` (seconds, inside one of the record's
    ``other_climbs``) too, as an analysis of its own beside this one (to compare the two attempts):
    anyone who may see the analysis may ask, as for a person. Returns its id: a new analysis, which
    reuses this one's frames and everyone's poses, or the one that analyses that climb already."""
    rec = visible(aid, viewer)
    offered = ((rec or {}).get("metrics") or {}).get("other_climbs") or []
    if rec is None or not any(a - 1e-6 <= at <= b + 1e-6 for a, b in offered):
        raise PipelineError(ErrorCode.BAD_REQUEST, f"no other climb at {at:.2f} s",
                            message=N_("No other climb was seen at that time in this video."))
    if (done := climb_analysis(rec, at)) is not None:
        return done
    _may_pick(rec, N_("Another climb can be analysed once this analysis has finished."),
              N_("The video is no longer kept, so another climb cannot be analysed."))
    new = jobs().submit_climb(aid, at)
    if new is None:  # (it stopped being completed in between: the checks above say so next time)
        raise PipelineError(ErrorCode.BAD_REQUEST, "the analysis is not finished",
                            message=N_("Another climb can be analysed once this analysis has finished."))
    notify()
    return new


def climb_analysis(rec: Mapping[str, Any], at: float) -> str | None:
    """The analysis of the same video that analyses the climb at ``at`` (another attempt in it,
    analysed on its own), if there is one that has not failed."""
    return _analysis_at(_sharing(rec), at)


def _sharing(rec: Mapping[str, Any]) -> list[Analysis]:
    """The other analyses of the record's stored video that have not failed."""
    return [o for o in jobs().sharing_video(str(rec.get("video_ref") or ""), str(rec.get("analysis_id")))
            if o["status"] in (Status.COMPLETED, Status.QUEUED, Status.RUNNING)]


def _analysis_at(sharing: list[Analysis], at: float) -> str | None:
    """Of ``sharing``, the one whose climb holds ``at`` (or, not yet analysed, was asked for at it)."""
    for o in sharing:
        m = o.get("metrics") or {}
        start, end = m.get("climb_start_s"), m.get("climb_end_s")
        asked = o.get("climb_at")
        if (start is not None and end is not None and start - 1e-6 <= at <= end + 1e-6) or \
                (start is None and asked is not None and abs(float(asked) - at) < 0.01):
            return str(o["analysis_id"])
    return None


def _may_pick(rec: Mapping[str, Any], unfinished: str, purged: str) -> None:
    """Raise, with the message given, unless the analysis is finished and its video kept."""
    if rec.get("status") != Status.COMPLETED:
        raise PipelineError(ErrorCode.BAD_REQUEST, "the analysis is not finished", message=unfinished)
    if not can_pick(rec):
        raise PipelineError(ErrorCode.BAD_REQUEST, "the video is no longer kept", message=purged)


@dataclass(frozen=True)
class OtherClimb:
    """Another climb the video shows: its times, a time inside it to pick it by, and the analysis of
    it on its own (None until one is asked for)."""

    start: float
    end: float
    at: float
    analysis: str | None


def other_climbs(rec: Mapping[str, Any]) -> list[OtherClimb]:
    """The other climbs the record names, each with its analysis if there is one (one store query)."""
    named = (rec.get("metrics") or {}).get("other_climbs") or []
    sharing = _sharing(rec) if named else []
    out = []
    for a, b in named:
        at = round((float(a) + float(b)) / 2, 2)
        out.append(OtherClimb(float(a), float(b), at, _analysis_at(sharing, at)))
    return out


def blob(ref_or_key: str | None) -> bytes | None:
    """Bytes of a stored image (key frames, wall frame); None if missing."""
    if not ref_or_key:
        return None
    try:
        kind, _key = split_ref(ref_or_key)
        if kind == "path":
            return None
        store, key = store_for_ref(ref_or_key)
        return store.get_bytes(key)
    except PipelineError:
        return None


def replay_ready(aid: str, viewer: User) -> bool:
    """Cheap check (no storage read): has the replay been rendered?"""
    rec = visible(aid, viewer)
    return bool(rec and rec.get("replay_ref"))


def replay(aid: str, viewer: User) -> str | bytes | None:
    """A URL (S3, presigned) or the bytes (local) of the annotated replay, once rendered."""
    rec = visible(aid, viewer)
    if not rec or not rec.get("replay_ref"):
        return None
    try:
        store, key = store_for_ref(rec["replay_ref"] or "")
        return store.url(key) or store.get_bytes(key)
    except PipelineError:
        return None


def export_json(aid: str, viewer: User) -> str:
    rec: dict[str, Any] = dict(visible(aid, viewer) or {})
    rec.pop("lease_owner", None)
    rec.pop("lease_until", None)
    return json.dumps(rec, indent=2, default=str, ensure_ascii=False)


def export_csv(aid: str, viewer: User) -> str:
    rec: dict[str, Any] = dict(visible(aid, viewer) or {})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["metric", "value"])
    w.writerow(["performance_score", rec.get("performance_score")])
    w.writerow(["confidence", rec.get("confidence")])
    for k, v in (rec.get("metrics") or {}).items():
        if isinstance(v, (int, float, str)) or v is None:
            w.writerow([k, v])
    for p in rec.get("technique_points") or []:
        w.writerow([f"technique.{p['area']}", p["score"] if p["assessed"] else "not assessed"])
    return buf.getvalue()


def media(aid: str, name: str, viewer: User) -> tuple[Path | None, str | None, str] | None:
    """Where the bytes of one of an analysis' media are, if ``viewer`` may see them: (local path, or
    None and a presigned URL, content type). ``name`` is "replay", "wall", "people" (everyone seen,
    numbered) or "key_NN" (the NN-th key frame, as its stored key names it). None when the analysis is not visible or has no such medium."""
    rec = visible(aid, viewer)
    if rec is None:
        return None
    if name == "replay":
        ref, ctype = rec.get("replay_ref"), "video/mp4"
    elif name == "wall":
        ref, ctype = ((rec.get("route_analysis") or {}).get("wall_frame") or {}).get("ref"), "image/jpeg"
    elif name == "people":
        ref, ctype = (((rec.get("people") or {}).get("overview")) or {}).get("ref"), "image/jpeg"
    elif name.startswith("key_") and name[4:].isdigit():
        ref = next((k.get("ref") for k in rec.get("key_frames") or [] if Path(k.get("key") or "").stem == name), None)
        ctype = "image/jpeg"
    else:
        return None
    if not ref:
        return None
    try:
        store, key = store_for_ref(ref)
        local = store.local_path(key)
        if local is not None:
            return (local, None, ctype) if local.is_file() else None
        return None, store.url(key, expires_s=300), ctype
    except PipelineError:
        return None
