"""The synthetic health check: every stage checked for real, plus an end-to-end canary.

    python -m core health [--json] [--canary]      exit 0 healthy, 1 degraded, 2 unhealthy

Checks: database writable, storage round trip (put, resolve, delete a probe object), decode of a
generated clip, pose model loads and finds the person on a reference frame kept in the repo, vision
endpoint reachable and authorised (when configured, with the cheapest call: list models), workers
alive (their heartbeats in the database, whichever process asks), disk space, and
optionally the canary: the whole pipeline on PERFORMATE_CANARY_VIDEO through the queue, bypassing
every cache, tagged so it stays out of the user SLIs. The scheduler runs this every
PERFORMATE_HEALTH_INTERVAL_S and keeps the history; /health/analysis-pipeline serves the latest.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import imageio_ffmpeg

from core import db as dbm
from core.analysis.blazepose import BlazePose
from core.analysis.pose import PeopleTracker, quiet_stderr, torso_visibility
from core.analysis.vision import translate
from core.config import Settings, get_settings
from core.errors import PipelineError
from core.i18n import N_, num, pct
from core.i18n import _ as in_page_language
from core.i18n import translate as in_language
from core.jobs import Jobs, Status
from core.logs import get_logger
from core.media import frames as framing
from core.media.probe import probe
from core.storage import VideoStore, get_store, resolve

log = get_logger("core.ops.health")
#: Checks whose failure makes the service unhealthy (503); others only degrade it.
CRITICAL = ("database", "storage", "decode", "pose", "workers", "canary")
DISK_DEGRADED, DISK_FAIL = 0.80, 0.95
WORKER_STALE_S = 120.0
#: A worker silent for longer than this is gone (its process was killed), not stale.
WORKER_GONE_S = 3600.0
#: A real frame with a climber on the wall, kept in the repo: the pose check needs no earlier analysis.
REFERENCE_PERSON = Path(__file__).with_name("reference_person.jpg")


#: The checks' names as the admin page shows them.
NAMES = {"database": N_("database"), "storage": N_("storage"), "decode": N_("decode"), "pose": N_("pose"),
         "vision": N_("coaching model"), "workers": N_("workers"), "disk": N_("disk"), "canary": N_("canary")}


@dataclass(frozen=True)
class Said:
    """What a check found, as a catalog message and its values: in English in the logs and on
    /health, in the reader's language on the admin page (``render``). A value named ``*_share`` is
    a share (shown as a percentage), any other float a number with two decimals."""
    msg: str
    args: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render({"msg": self.msg, "args": self.args}, "en")


def said(msg: str, **args: Any) -> Said:
    return Said(msg, args)


def render(words: Mapping[str, Any], lang: str | None = None) -> str:
    """A check's ``said`` in ``lang`` (the page's language by default), numbers written its way."""
    def value(k: str, v: Any) -> Any:
        if isinstance(v, float):
            return pct(v, 0, lang) if k.endswith("share") else num(v, 2, lang)
        return v
    msg = in_language(lang, words["msg"]) if lang else in_page_language(words["msg"])
    return msg.format(**{k: value(k, v) for k, v in (words.get("args") or {}).items()})


@dataclass
class Check:
    name: str
    status: str  # ok | degraded | fail | skipped
    detail: str  # in English (logs, /health)
    latency_ms: int
    #: the detail as words the admin page shows in its reader's language (None: an error's own text)
    said: dict[str, Any] | None = None


def _timed(name: str, fn: Callable[[], tuple[str, Said]]) -> Check:
    t0 = time.monotonic()
    words: dict[str, Any] | None = None
    try:
        status, found = fn()
        detail, words = str(found), {"msg": found.msg, "args": found.args}
    except PipelineError as exc:
        status, detail = "fail", f"{exc.code.value}: {exc.detail}"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        status, detail = "fail", f"{type(exc).__name__}: {str(exc)[:200]}"
    return Check(name, status, detail, int((time.monotonic() - t0) * 1000), words)


def check_database(s: Settings) -> tuple[str, Said]:
    db = dbm.connect(s.db_path)
    token = uuid.uuid4().hex
    db.table("kv").upsert({"key": "health_probe", "value": token, "updated_at": dbm.now_iso()}, pk="key")
    got = list(db.query("select value from kv where key='health_probe'"))[0]["value"]
    return ("ok", said(N_("read back what was written"))) if got == token else ("fail", said(N_("read back something else")))


def check_storage(s: Settings, store: VideoStore | None = None) -> tuple[str, Said]:
    store = store or get_store(s)
    key = f"health/probe-{uuid.uuid4().hex}.bin"
    payload = uuid.uuid4().bytes * 64
    ref = store.put_bytes(payload, key)
    try:
        with resolve(ref if store.name == "s3" else key, s) as p:
            ok = p.read_bytes() == payload
    finally:
        store.delete(key)
    return ("ok", said(N_("{store}: put, resolve, delete"), store=store.name)) if ok else \
        ("fail", said(N_("round trip returned other bytes")))


def health_dir(s: Settings) -> Path:
    d = s.data_dir / "health"
    d.mkdir(parents=True, exist_ok=True)
    return d


def check_decode(s: Settings) -> tuple[str, Said]:
    clip = health_dir(s) / "decode-check.mp4"
    if not clip.exists():
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", str(clip)], check=True, timeout=60)
    info = probe(clip)
    st = framing.SampleStats()
    n = sum(1 for _ in framing.sample(clip, 5, 160, st))
    if info.codec != "h264" or st.decoded != 10 or n < 4:
        return "fail", said(N_("probed {codec}, decoded {decoded} of 10 frames, sampled {n}"), codec=info.codec, decoded=st.decoded, n=n)
    return "ok", said(N_("probed and decoded {n} frames"), n=st.decoded)


def check_pose(s: Settings, reference: Path = REFERENCE_PERSON) -> tuple[str, Said]:
    img = cv2.imread(str(reference))
    if img is None:
        return "fail", said(N_("reference frame {name} is missing or unreadable"), name=reference.name)
    with quiet_stderr():  # LiteRT announces its CPU delegate on fd 2, between the JSON log lines
        seen = PeopleTracker(BlazePose()).frame(img, 0.0)
    if not seen or torso_visibility(seen[0].landmarks) < 0.5:
        return "fail", said(N_("no person found on the reference image"))
    return "ok", said(N_("person found (torso visibility {visibility})"), visibility=round(torso_visibility(seen[0].landmarks), 2))


def check_vision(s: Settings) -> tuple[str, Said]:
    if not s.vision_configured or s.analyzer == "offline":
        return "skipped", said(N_("coaching model not configured"))
    import openai  # heavy, and only needed when vision is configured

    key = s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed"
    client = openai.OpenAI(api_key=key, base_url=s.openai_base_url, max_retries=0, timeout=10)
    try:
        models = client.models.list()
    except openai.OpenAIError as exc:
        err = translate(exc)
        return "fail", said(N_("{code}: {detail}"), code=err.code.value, detail=err.detail)
    ids = [m.id for m in models.data]
    if ids and s.vision_model not in ids:
        return "degraded", said(N_("reachable, but model {model} is not listed"), model=s.vision_model)
    return "ok", said(N_("reachable and authorised"))


def check_workers(s: Settings) -> tuple[str, Said]:
    """Workers from their heartbeats in the database: right in the web process, a worker process
    and a CLI alike. Idle with nothing waiting is healthy (a fresh install, a quiet night)."""
    jobs = Jobs(s)
    rows = [w for w in jobs.workers() if w["heartbeat_age_s"] <= WORKER_GONE_S]
    live = [w for w in rows if w["heartbeat_age_s"] <= WORKER_STALE_S]
    stale = len(rows) - len(live)
    if live:
        busy = sum(1 for w in live if w["current"])
        if stale:
            return "degraded", said(N_("workers alive: {live}, stale: {stale} (no heartbeat for {after} s)"), live=len(live),
                                    stale=stale, after=int(WORKER_STALE_S))
        return "ok", said(N_("workers alive: {live}, busy: {busy}"), live=len(live), busy=busy)
    if stale:
        return "fail", said(N_("no worker alive; stopped beating: {stale}"), stale=stale)
    waiting = jobs.oldest_queued_age_s()
    if waiting is not None and waiting > WORKER_STALE_S:
        return "fail", said(N_("no worker is running and the oldest analysis has waited {waited} s"), waited=int(round(waiting)))
    return "ok", said(N_("idle: no worker running and nothing waiting"))


def disk_usage(s: Settings) -> float:
    s.data_dir.mkdir(parents=True, exist_ok=True)
    u = shutil.disk_usage(s.data_dir)
    return u.used / u.total


def check_disk(s: Settings) -> tuple[str, Said]:
    used = disk_usage(s)
    status = "fail" if used >= DISK_FAIL else "degraded" if used >= DISK_DEGRADED else "ok"
    return status, said(N_("data disk {used_share} used"), used_share=used)


def check_canary(s: Settings, timeout: float | None = None, notify: Callable[[], None] | None = None) -> tuple[str, Said]:
    """The whole pipeline through the queue on the canary video, caches bypassed. ``notify`` wakes
    this process' executor, if it has one (the scheduler passes it in)."""
    if not s.canary_video:
        return "skipped", said(N_("{setting} not set"), setting="PERFORMATE_CANARY_VIDEO")
    jobs = Jobs(s)
    t0 = time.monotonic()
    aid = jobs.submit_ref(s.canary_video, {"canary": True, "climber": "canary"})
    if notify is not None:
        notify()
    deadline = time.monotonic() + (timeout or s.job_timeout_s)
    rec: Mapping[str, Any] = {}
    while time.monotonic() < deadline:
        rec = jobs.get(aid) or {}
        if rec.get("status") in (Status.COMPLETED, Status.FAILED, Status.CANCELLED):
            break
        time.sleep(0.5)
    latency_ms = int((time.monotonic() - t0) * 1000)
    if rec.get("status") != Status.COMPLETED:
        if rec.get("status") == Status.QUEUED:
            jobs.cancel(aid)
        return "fail", said(N_("canary {status} {code} after {ms} ms"), status=str(rec.get("status")), code=rec.get("error_code") or "",
                            ms=latency_ms)
    ra = rec.get("route_analysis") or {}
    if rec.get("performance_score") is None or not ra.get("ideal_route"):
        return "fail", said(N_("canary completed without a score or a route ({ms} ms)"), ms=latency_ms)
    return "ok", said(N_("{ms} ms, score {score}, {contacts} contacts"), ms=latency_ms, score=round(rec["performance_score"]),
                    contacts=len(ra["ideal_route"]))


def run_checks(settings: Settings | None = None, *, canary: bool = False, store: VideoStore | None = None,
               record: bool = True, notify: Callable[[], None] | None = None) -> dict[str, Any]:
    s = settings or get_settings()
    checks = [
        _timed("database", lambda: check_database(s)),
        _timed("storage", lambda: check_storage(s, store)),
        _timed("decode", lambda: check_decode(s)),
        _timed("pose", lambda: check_pose(s)),
        _timed("vision", lambda: check_vision(s)),
        _timed("workers", lambda: check_workers(s)),
        _timed("disk", lambda: check_disk(s)),
    ]
    if canary:
        checks.append(_timed("canary", lambda: check_canary(s, notify=notify)))
    if any(c.status == "fail" and c.name in CRITICAL for c in checks):
        status = "unhealthy"
    elif any(c.status in ("fail", "degraded") for c in checks):
        status = "degraded"
    else:
        status = "healthy"
    report = {"status": status, "at": dbm.now_iso(), "checks": [asdict(c) for c in checks]}
    if record:
        try:
            dbm.connect(s.db_path).table("health_runs").insert({"at": report["at"], "status": status,
                                                           "report": json.dumps(report)})
        except Exception:  # noqa: BLE001 - the database may be what is broken
            log.error("health.record_failed", exc_info=True)
    log.info("health.checked", status=status, failing=[c.name for c in checks if c.status == "fail"])
    return report


def latest(settings: Settings | None = None) -> dict[str, Any] | None:
    s = settings or get_settings()
    rows = list(dbm.connect(s.db_path).query("select report from health_runs order by id desc limit 1"))
    return json.loads(rows[0]["report"]) if rows else None


def history(settings: Settings | None = None, limit: int = 200) -> list[dict[str, Any]]:
    s = settings or get_settings()
    return [json.loads(r["report"]) for r in dbm.connect(s.db_path).query(
        "select report from health_runs order by id desc limit ?", [limit])]
