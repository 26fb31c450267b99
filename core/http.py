"""HTTP routes served by the same single service (st.App routes).

    GET  /health/analysis-pipeline     latest scheduled health result: 200 healthy|degraded, 503 unhealthy
    GET  /metrics                      Prometheus text, computed from the database at scrape time
    POST /api/analyses                 submit a storage reference with metadata      (Bearer token)
    GET  /api/analyses/{id}            status and result                              (Bearer token)
    POST /api/analyses/{id}/retry      queue a failed analysis again                  (Bearer token)

Render's liveness check stays /_stcore/health: an S3 or OpenAI outage must not restart a healthy
server. Handlers are sync (Starlette runs them in its thread pool; SQLite connections are per thread).
"""
from __future__ import annotations

import hmac
from typing import Any, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from core import db as dbm
from core.config import get_settings
from core.errors import PipelineError
from core.logs import get_logger

log = get_logger("core.http")
BUCKETS = (5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
PUBLIC_FIELDS = ("analysis_id", "status", "stage", "progress", "error_code", "attempts", "created_at", "started_at",
                 "finished_at", "climber", "discipline", "route_name", "grade", "attempt_or_send", "video",
                 "performance_score", "confidence", "analyzers_used", "degraded", "degraded_reason", "low_confidence",
                 "moving_camera", "route_analysis", "metrics", "technique_points", "summary", "strengths",
                 "recommendations", "key_frames", "cost", "duration_s")


def health(request: Request) -> JSONResponse:
    from core.health import latest

    rep = latest()
    if rep is None:
        return JSONResponse({"status": "unknown", "detail": "no health check has run yet"}, status_code=503)
    return JSONResponse(rep, status_code=503 if rep["status"] == "unhealthy" else 200)


class DbCollector:
    """Counters read from the analyses table, so they agree across processes and restarts."""

    def collect(self) -> Iterator[Any]:
        db = dbm.connect(get_settings().db_path)
        q = lambda sql, p=(): list(db.query(sql, list(p)))  # noqa: E731
        user = "coalesce(canary,0)=0"
        started = CounterMetricFamily("analysis_started", "Analyses that started at least one attempt")
        started.add_metric([], q(f"select count(*) n from analyses where {user} and started_at is not null")[0]["n"])
        yield started
        done = CounterMetricFamily("analysis_completed", "Analyses completed (degraded included)")
        done.add_metric([], q(f"select count(*) n from analyses where {user} and status='completed'")[0]["n"])
        yield done
        failed = CounterMetricFamily("analysis_failed", "Analyses failed, by error code", labels=["error_code"])
        for r in q(f"select error_code, count(*) n from analyses where {user} and status='failed' group by error_code"):
            failed.add_metric([r["error_code"] or "UNKNOWN"], r["n"])
        yield failed
        deg = CounterMetricFamily("analysis_degraded", "Completed analyses without vision coaching, by reason",
                                  labels=["reason"])
        for r in q(f"select degraded_reason, count(*) n from analyses where {user} and status='completed' and degraded=1 "
                   "group by degraded_reason"):
            deg.add_metric([r["degraded_reason"] or "unknown"], r["n"])
        yield deg
        lat = [r["duration_s"] for r in q(f"select duration_s from analyses where {user} and status='completed' "
                                          "and duration_s is not null")]
        buckets = [(str(b), sum(1 for v in lat if v <= b)) for b in BUCKETS] + [("+Inf", len(lat))]
        hist = HistogramMetricFamily("analysis_duration_seconds", "Submit-to-completed latency")
        hist.add_metric([], buckets, sum_value=float(sum(lat)))
        yield hist
        depth = GaugeMetricFamily("analysis_queue_depth", "Queued analyses")
        depth.add_metric([], q("select count(*) n from analyses where status='queued'")[0]["n"])
        yield depth
        from core.jobs import Jobs

        age = GaugeMetricFamily("analysis_queue_oldest_age_seconds", "Age of the oldest queued analysis")
        age.add_metric([], Jobs().oldest_queued_age_s() or 0.0)
        yield age
        tok = CounterMetricFamily("vision_tokens", "Vision tokens used", labels=["direction"])
        t = q("select coalesce(sum(tokens_in),0) i, coalesce(sum(tokens_out),0) o from vision_calls")[0]
        tok.add_metric(["in"], t["i"])
        tok.add_metric(["out"], t["o"])
        yield tok
        cost = CounterMetricFamily("vision_cost_usd", "Estimated vision spend in USD")
        cost.add_metric([], float(q("select coalesce(sum(usd),0) u from vision_calls")[0]["u"]))
        yield cost


_REGISTRY = CollectorRegistry()
_REGISTRY.register(DbCollector())  # type: ignore[arg-type]


def metrics(request: Request) -> Response:
    return Response(generate_latest(_REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _authorised(request: Request) -> JSONResponse | None:
    token = get_settings().api_token
    if token is None:
        return JSONResponse({"error": "the API is disabled: set PERFORMATE_API_TOKEN"}, status_code=404)
    given = request.headers.get("authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.get_secret_value().encode()):
        log.warning("api.unauthorised", path=request.url.path)
        return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    return None


def _public(rec: dict[str, Any]) -> dict[str, Any]:
    from core.errors import ErrorCode

    out = {k: rec.get(k) for k in PUBLIC_FIELDS}
    if rec.get("error_code") in ErrorCode.__members__:
        out["message"] = ErrorCode(rec["error_code"]).spec.user_message
    return out


async def submit(request: Request) -> JSONResponse:
    if (denied := _authorised(request)) is not None:
        return denied
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "body must be JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("video_ref"), str):
        return JSONResponse({"error": "video_ref (a storage reference) is required"}, status_code=400)
    import anyio

    from core import api

    try:
        aid = await anyio.to_thread.run_sync(lambda: api.submit_ref(body["video_ref"], body, body.get("client_key")))
    except PipelineError as exc:
        return JSONResponse({"error_code": exc.code.value, "message": exc.user_message}, status_code=400)
    return JSONResponse({"analysis_id": aid, "status": "queued", "url": f"/api/analyses/{aid}"}, status_code=201)


def get_one(request: Request) -> JSONResponse:
    if (denied := _authorised(request)) is not None:
        return denied
    from core.jobs import Jobs

    rec = Jobs().get(request.path_params["aid"])
    if rec is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(_public(rec))


def retry(request: Request) -> JSONResponse:
    if (denied := _authorised(request)) is not None:
        return denied
    from core import api

    aid = request.path_params["aid"]
    if api.get(aid) is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if not api.retry(aid):
        return JSONResponse({"error": "only failed or cancelled analyses can be retried"}, status_code=409)
    return JSONResponse({"analysis_id": aid, "status": "queued"})


def routes() -> list[BaseRoute]:
    return [
        Route("/health/analysis-pipeline", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/api/analyses", submit, methods=["POST"]),
        Route("/api/analyses/{aid}", get_one, methods=["GET"]),
        Route("/api/analyses/{aid}/retry", retry, methods=["POST"]),
    ]
