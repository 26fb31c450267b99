"""HTTP routes served by the same single service (st.App routes).

    GET  /health/analysis-pipeline     latest scheduled health result: 200 healthy|degraded, 503 unhealthy
    GET  /metrics                      Prometheus text, computed from the database at scrape time
    GET  /session/start?code=&next=    exchange a one-time sign-in code for the HttpOnly session cookie
    GET  /session/end?next=            sign out: end the session, clear the cookie
    GET  /files/{id}/{name}            an analysis' replay, wall or key frame, for who may see it (Range for video)
    POST /api/analyses                 submit a storage reference with metadata      (Bearer token)
    GET  /api/analyses/{id}            status and result                              (Bearer token)
    POST /api/analyses/{id}/retry      queue a failed analysis again                  (Bearer token)
    POST /api/analyses/{id}/person     analyse another person seen: {"person": N}     (Bearer token)
    POST /api/analyses/{id}/climb      analyse another climb seen, on its own: {"at": s} (Bearer token)
    DELETE /api/analyses/{id}          delete it with its video, frames and replay    (Bearer token)

    Bearer: the service token (PERFORMATE_API_TOKEN, the operator) or a personal token, which has
    the scope of its account (a climber's own analyses, a coach's athletes', an admin's all).

Render's liveness check stays /_stcore/health: an S3 or OpenAI outage must not restart a healthy
server. Handlers are sync (Starlette runs them in its thread pool; SQLite connections are per thread).
"""
from __future__ import annotations

import hmac
import math
from collections.abc import Callable, Iterator
from typing import Any

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from core import api
from core.accounts import Accounts
from core.config import get_settings
from core.errors import ErrorCode, PipelineError
from core.jobs import Jobs
from core.logs import get_logger
from core.ops.health import latest

log = get_logger("core.http")
BUCKETS = (5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
PUBLIC_FIELDS = ("analysis_id", "status", "stage", "progress", "error_code", "attempts", "created_at", "started_at",
                 "finished_at", "climber", "discipline", "route_name", "grade", "attempt_or_send", "video",
                 "performance_score", "confidence", "analyzers_used", "degraded", "degraded_reason", "low_confidence",
                 "moving_camera", "route_analysis", "metrics", "technique_points", "summary", "strengths",
                 "recommendations", "key_frames", "cost", "duration_s", "people")


def health(request: Request) -> JSONResponse:
    rep = latest()
    if rep is None:
        return JSONResponse({"status": "unknown", "detail": "no health check has run yet"}, status_code=503)
    return JSONResponse(rep, status_code=503 if rep["status"] == "unhealthy" else 200)


class DbCollector:
    """Counters read from the analyses table, so they agree across processes and restarts."""

    def collect(self) -> Iterator[Any]:
        jobs = Jobs()
        t = jobs.totals()
        started = CounterMetricFamily("analysis_started", "Analyses that started at least one attempt")
        started.add_metric([], t["started"])
        yield started
        done = CounterMetricFamily("analysis_completed", "Analyses completed (degraded included)")
        done.add_metric([], t["completed"])
        yield done
        failed = CounterMetricFamily("analysis_failed", "Analyses failed, by error code", labels=["error_code"])
        for code, n in t["failed_by_code"].items():
            failed.add_metric([code], n)
        yield failed
        deg = CounterMetricFamily("analysis_degraded", "Completed analyses without vision coaching, by reason",
                                  labels=["reason"])
        for reason, n in t["degraded_by_reason"].items():
            deg.add_metric([reason], n)
        yield deg
        lat = t["durations_s"]
        buckets = [(str(b), sum(1 for v in lat if v <= b)) for b in BUCKETS] + [("+Inf", len(lat))]
        hist = HistogramMetricFamily("analysis_duration_seconds", "Submit-to-completed latency")
        hist.add_metric([], buckets, sum_value=float(sum(lat)))
        yield hist
        depth = GaugeMetricFamily("analysis_queue_depth", "Queued analyses")
        depth.add_metric([], t["queued"])
        yield depth
        age = GaugeMetricFamily("analysis_queue_oldest_age_seconds", "Age of the oldest queued analysis")
        age.add_metric([], jobs.oldest_queued_age_s() or 0.0)
        yield age
        v = jobs.vision_totals()
        tok = CounterMetricFamily("vision_tokens", "Vision tokens used", labels=["direction"])
        tok.add_metric(["in"], v["tokens_in"])
        tok.add_metric(["out"], v["tokens_out"])
        yield tok
        cost = CounterMetricFamily("vision_cost_usd", "Estimated vision spend in USD")
        cost.add_metric([], v["usd"])
        yield cost


_REGISTRY = CollectorRegistry()
_REGISTRY.register(DbCollector())  # type: ignore[arg-type]


def metrics(request: Request) -> Response:
    return Response(generate_latest(_REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _viewer(request: Request) -> tuple[api.User | None, JSONResponse | None]:
    """Who calls the API: the service token acts as the operator (sees everything), a personal
    token (``python -m core users token EMAIL``) as its account, with that account's scope."""
    given = request.headers.get("authorization", "")
    token = given[7:] if given.startswith("Bearer ") else ""
    service = get_settings().api_token
    if token and service is not None and hmac.compare_digest(token.encode(), service.get_secret_value().encode()):
        return api.SYSTEM, None
    user = Accounts().api_token_user(token) if token else None
    if user is not None:
        return user, None
    log.warning("api.unauthorised", path=request.url.path)
    return None, JSONResponse({"error": "missing or wrong bearer token"}, status_code=401,
                              headers={"WWW-Authenticate": "Bearer"})


def _public(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: rec.get(k) for k in PUBLIC_FIELDS}
    if rec.get("error_code") in ErrorCode.__members__:
        out["message"] = ErrorCode(rec["error_code"]).spec.user_message
    return out


async def submit(request: Request) -> JSONResponse:
    viewer, denied = _viewer(request)
    if viewer is None:
        return denied or JSONResponse({}, status_code=401)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "body must be JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("video_ref"), str):
        return JSONResponse({"error": "video_ref (a storage reference) is required"}, status_code=400)
    try:
        aid = await anyio.to_thread.run_sync(
            lambda: api.submit_ref(body["video_ref"], body, body.get("client_key"), viewer=viewer))
    except PipelineError as exc:
        return JSONResponse({"error_code": exc.code.value, "message": exc.user_message}, status_code=400)
    return JSONResponse({"analysis_id": aid, "status": "queued", "url": f"/api/analyses/{aid}"}, status_code=201)


def get_one(request: Request) -> JSONResponse:
    viewer, denied = _viewer(request)
    if viewer is None:
        return denied or JSONResponse({}, status_code=401)
    rec = api.get(request.path_params["aid"], viewer)
    if rec is None:  # missing, or not this account's to see: the same answer
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(_public(rec))


def _own(request: Request, refused: str) -> tuple[api.User, str] | JSONResponse:
    """The caller and the analysis in the path when it is theirs (they uploaded it) or they are an
    admin; else the answer: 401 unsigned, 404 not theirs to see (as for no such id), 403 ``refused``."""
    viewer, denied = _viewer(request)
    if viewer is None:
        return denied or JSONResponse({}, status_code=401)
    aid = request.path_params["aid"]
    rec = api.get(aid, viewer)
    if rec is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if not api.uploaded_by(rec, viewer):
        return JSONResponse({"error": refused}, status_code=403)
    return viewer, aid


def retry(request: Request) -> JSONResponse:
    own = _own(request, "only the climber or an admin can retry it")
    if isinstance(own, JSONResponse):
        return own
    aid = own[1]
    if not api.retry(aid):
        return JSONResponse({"error": "only failed or cancelled analyses can be retried"}, status_code=409)
    return JSONResponse({"analysis_id": aid, "status": "queued"})


def delete_one(request: Request) -> JSONResponse:
    """Delete an analysis with its video, frames and replay: its uploader or an admin, as on the
    results page; not while it runs."""
    own = _own(request, "only whoever uploaded it or an admin can delete it")
    if isinstance(own, JSONResponse):
        return own
    viewer, aid = own
    try:
        api.delete_mine(aid, viewer)
    except PipelineError as exc:
        return JSONResponse({"error_code": exc.code.value, "message": exc.user_message}, status_code=409)
    return JSONResponse({"analysis_id": aid, "deleted": True})


async def pick(request: Request) -> JSONResponse:
    """Analyse another person seen in the video (``{"person": N}``, numbered as in the record's
    ``people.list``): whoever may see the analysis may ask, as on the results page."""
    asked = await _asked(request, "person", lambda v: isinstance(v, int) and not isinstance(v, bool),
                         "person (a number from people.list) is required")
    if isinstance(asked, JSONResponse):
        return asked
    viewer, aid, person = asked
    try:
        queued = await anyio.to_thread.run_sync(lambda: api.pick_person(aid, viewer, person))
    except PipelineError as exc:
        return JSONResponse({"error_code": exc.code.value, "message": exc.user_message}, status_code=409)
    if not queued:
        return JSONResponse({"error": "the analysis is busy; try again when it has finished"}, status_code=409)
    return JSONResponse({"analysis_id": aid, "status": "queued", "person": person})


async def pick_climb(request: Request) -> JSONResponse:
    """Analyse another climb the video shows (``{"at": seconds}``, a time inside one of the record's
    ``metrics.other_climbs``) as an analysis of its own: whoever may see the analysis may ask, as on
    the results page. The answer names that analysis (new, or the one made for that climb before)."""
    asked = await _asked(request, "at", lambda v: isinstance(v, int | float) and not isinstance(v, bool)
                         and math.isfinite(v), "at (seconds inside one of metrics.other_climbs) is required")
    if isinstance(asked, JSONResponse):
        return asked
    viewer, aid, at = asked
    try:
        new = await anyio.to_thread.run_sync(lambda: api.pick_climb(aid, viewer, float(at)))
    except PipelineError as exc:
        return JSONResponse({"error_code": exc.code.value, "message": exc.user_message}, status_code=409)
    rec = api.get(new, viewer) or {}
    return JSONResponse({"analysis_id": new, "status": rec.get("status"), "of": aid, "at": at})


async def _asked(request: Request, field: str, valid: Callable[[Any], bool],
                 required: str) -> JSONResponse | tuple[Any, str, Any]:
    """Who asks, about which analysis, for what (``field`` of the JSON body): or the answer refusing."""
    viewer, denied = _viewer(request)
    if viewer is None:
        return denied or JSONResponse({}, status_code=401)
    aid = request.path_params["aid"]
    if api.get(aid, viewer) is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "body must be JSON"}, status_code=400)
    value = body.get(field) if isinstance(body, dict) else None
    if not valid(value):
        return JSONResponse({"error": required}, status_code=400)
    return viewer, aid, value


def _next(request: Request) -> str:
    """Where to go after signing in or out: a path on this site only (never another host)."""
    nxt = request.query_params.get("next") or "/upload"
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/upload"


def session_start(request: Request) -> Response:
    """The browser brings the one-time code the sign-in page gave it; the session cookie it gets
    here is HttpOnly (no script reads it) and lasts PERFORMATE_SESSION_DAYS."""
    s = get_settings()
    token = Accounts(s).redeem_code(request.query_params.get("code", ""))
    if token is None:
        return RedirectResponse("/upload?signin=expired", status_code=303)
    resp = RedirectResponse(_next(request), status_code=303)
    resp.set_cookie(api.SESSION_COOKIE, token, max_age=int(s.session_days * 86400), httponly=True, samesite="lax",
                    secure=request.url.scheme == "https", path="/")
    return resp


def session_end(request: Request) -> Response:
    api.sign_out(request.cookies.get(api.SESSION_COOKIE))
    resp = RedirectResponse(_next(request), status_code=303)
    resp.delete_cookie(api.SESSION_COOKIE, path="/")
    return resp


def media(request: Request) -> Response:
    """Replays and frames are videos of people: served only to a signed-in viewer who may see the
    analysis (Streamlit's own /media/ would serve them to anyone holding the address). Local files
    answer Range requests (seeking in the replay); S3 objects redirect to a 5-minute presigned URL."""
    viewer = api.session_user(request.cookies.get(api.SESSION_COOKIE))
    if viewer is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    found = api.media(request.path_params["aid"], request.path_params["name"], viewer)
    if found is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    path, url, ctype = found
    headers = {"Cache-Control": "private, max-age=300"}
    if path is not None:
        return FileResponse(path, media_type=ctype, headers=headers)
    return RedirectResponse(url or "/", status_code=302, headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/files/{aid}/{name}", media, methods=["GET", "HEAD"]),
        Route("/session/start", session_start, methods=["GET"]),
        Route("/session/end", session_end, methods=["GET"]),
        Route("/health/analysis-pipeline", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/api/analyses", submit, methods=["POST"]),
        Route("/api/analyses/{aid}", get_one, methods=["GET"]),
        Route("/api/analyses/{aid}", delete_one, methods=["DELETE"]),
        Route("/api/analyses/{aid}/retry", retry, methods=["POST"]),
        Route("/api/analyses/{aid}/person", pick, methods=["POST"]),
        Route("/api/analyses/{aid}/climb", pick_climb, methods=["POST"]),
    ]
