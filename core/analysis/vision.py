"""Vision coaching: one request per analysis to an OpenAI-compatible model, grounded in the numbers
we measured. The model writes the words (summary, strengths, recommendations, per-area feedback and
drills, an optional difficulty estimate); every number stays the measured one.

- Request: up to ``vision_max_images`` movement-chosen key frames (skeleton drawn), shrunk to 512 px
  and sent at ``detail: low`` (85 tokens each), with their timestamps, plus the metrics, contacts
  and technique scores as text, and a strict JSON schema for the answer.
- Retries: exactly one layer, the SDK's (``max_retries=2``, honours Retry-After), with a timeout per
  call. Job-level retries never repeat a vision call: a failure degrades the result instead.
- Cache: the answer is stored under a hash of the whole request (frames, prompt with the climber's
  details and metrics, model, schema version), in the video store so remote workers share it.
- Gate: the web process decides before dispatch whether vision may be called (pause switch,
  circuit breaker, daily spend cap; ``gate()``), so workers stay pure.
- Failure (unavailable, rate limited, timeout, unusable answer after one repair): the analysis
  completes with the offline feedback, ``degraded: true`` and the reason.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any, Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from core.analysis.base import Analyzer, Measured
from core.analysis.technique import AREAS
from core.config import Settings
from core.errors import ErrorCode, PipelineError
from core.logs import get_logger
from core.media.frames import pick_key_frames
from core.storage import get_store

log = get_logger("core.vision")
SCHEMA_VERSION = 1
IMAGE_SIDE = 512
#: Circuit breaker: this many consecutive failed calls open it for BREAKER_COOLDOWN_S.
BREAKER_FAILURES = 3
BREAKER_COOLDOWN_S = 300.0
LOW_DETAIL_TOKENS = 85  # OpenAI's published cost of one image at detail "low"


class AreaCoaching(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: Literal["arms", "footwork", "hips", "pacing", "fluency", "dynamics"]
    feedback: str
    drill: str


class VisionCoaching(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str
    strengths: list[str]
    recommendations: list[str]
    areas: list[AreaCoaching]
    difficulty_estimate: str | None
    observations: list[str]


def response_schema() -> dict[str, Any]:
    """The strict JSON schema sent as response_format (hand-written: stable and versioned)."""
    s = {"type": "string"}
    return {
        "type": "object", "additionalProperties": False,
        "required": ["summary", "strengths", "recommendations", "areas", "difficulty_estimate", "observations"],
        "properties": {
            "summary": s,
            "strengths": {"type": "array", "items": s},
            "recommendations": {"type": "array", "items": s},
            "areas": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["area", "feedback", "drill"],
                "properties": {"area": {"type": "string", "enum": list(AREAS)}, "feedback": s, "drill": s}}},
            "difficulty_estimate": {"anyOf": [s, {"type": "null"}]},
            "observations": {"type": "array", "items": s},
        },
    }


SYSTEM = (
    "You are an experienced climbing coach. You receive key frames of one climb (the climber's skeleton "
    "and hip trail are drawn on them) and the numbers measured from the whole video. The numbers are "
    "measurements: never change them, never invent others. Write short, concrete, encouraging coaching "
    "grounded in what the numbers and frames show, one drill per technique area. Areas marked "
    "'not assessed' must say that they were not assessed. Answer in {language}. If you estimate the "
    "difficulty, give a grade range in the climber's grade system or null."
)


def _shrink(jpeg: bytes) -> bytes:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if img is None:  # not a picture OpenCV reads: sent as it is (the model will say what it sees)
        return jpeg
    s = IMAGE_SIDE / max(img.shape[:2])
    if s < 1:
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 72])
    return buf.tobytes()


def facts(record: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """The measured facts sent as text: climber's details, metrics, contacts, technique scores."""
    m = record.get("metrics") or {}
    keep = ("duration_s", "gie", "smoothness", "immobility_ratio", "pauses", "longest_pause_s", "path_efficiency",
            "vertical_progress", "vertical_speed", "straight_arm_ratio", "feet_off_share", "moves", "moves_per_min",
            "foot_replacements", "hip_in_support_share", "dynos", "swings", "pose_coverage")
    ra = record.get("route_analysis") or {}
    return {
        "climber": {k: job.get(k) for k in ("climber", "discipline", "route_name", "grade", "attempt_or_send", "notes")
                    if job.get(k)},
        "metrics": {k: m.get(k) for k in keep if m.get(k) is not None},
        "pauses": m.get("pauses_detail", []),
        "contacts": [{k: c[k] for k in ("time", "limb", "duration_s")} for c in ra.get("ideal_route", [])][:40],
        "technique": [{"area": p["area"], "score": p["score"], "assessed": p["assessed"],
                       "evidence": p["evidence"][:4], "offline_feedback": p["feedback"]}
                      for p in record.get("technique_points", [])],
        "performance_score": record.get("performance_score"),
        "weak_segments": [s for s in ra.get("performance_segments", []) if s.get("issue")],
        "low_confidence": record.get("low_confidence"),
        "moving_camera": record.get("moving_camera"),
    }


def build_request(measured: Measured, job: dict[str, Any], settings: Settings) -> dict[str, Any]:
    frames = measured.key_frame_jpegs
    if len(frames) > settings.vision_max_images:
        kf = measured.record.get("key_frames") or []
        move = [k.get("movement", 0.0) for k in kf] if len(kf) == len(frames) else [0.0] * len(frames)
        idx = pick_key_frames([t for t, _ in frames], move, settings.vision_max_images)
        frames = [frames[i] for i in idx]
    lang = {"en": "English", "de": "German"}.get(job.get("language") or settings.language, "English")
    content: list[dict[str, Any]] = [{"type": "text", "text": (
        "Measured facts (JSON):\n" + json.dumps(facts(measured.record, job), ensure_ascii=False, sort_keys=True)
        + "\n\nKey frames follow, in time order, each preceded by its time in seconds.")}]
    for t, jpeg in frames:
        content.append({"type": "text", "text": f"t = {t:.2f} s"})
        content.append({"type": "image_url", "image_url": {
            "url": "data:image/jpeg;base64," + base64.b64encode(_shrink(jpeg)).decode(), "detail": "low"}})
    return {
        "model": settings.vision_model,
        "messages": [{"role": "system", "content": SYSTEM.format(language=lang)}, {"role": "user", "content": content}],
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "climbing_coaching", "strict": True, "schema": response_schema()}},
        "temperature": 0.3,
        "max_completion_tokens": 1400,
    }


def request_hash(req: dict[str, Any]) -> str:
    blob = json.dumps({"v": SCHEMA_VERSION, "req": req}, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def usd(tokens_in: int, tokens_out: int, settings: Settings) -> float:
    return round(tokens_in / 1e6 * settings.vision_price_in_per_mtok + tokens_out / 1e6 * settings.vision_price_out_per_mtok, 6)


def _client(settings: Settings) -> Any:
    import openai

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    # the SDK is the one retry layer: 2 retries on 408/409/429/5xx, honouring Retry-After
    return openai.OpenAI(api_key=key, base_url=settings.openai_base_url, max_retries=2, timeout=settings.vision_timeout_s)


def translate(exc: Exception) -> PipelineError:
    """openai SDK errors -> coded PipelineError (type and status only: no key, no body)."""
    import openai

    status = getattr(exc, "status_code", None)
    what = f"{type(exc).__name__}" + (f" {status}" if status else "")
    if isinstance(exc, openai.RateLimitError):
        return PipelineError(ErrorCode.VISION_RATE_LIMITED, what)
    if isinstance(exc, openai.APITimeoutError):
        return PipelineError(ErrorCode.TIMEOUT, what, stage="vision")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return PipelineError(ErrorCode.VISION_AUTH_FAILED, what)
    if isinstance(exc, (openai.APIConnectionError, openai.InternalServerError)):
        return PipelineError(ErrorCode.VISION_UNAVAILABLE, what)
    if isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError, openai.APIResponseValidationError)):
        return PipelineError(ErrorCode.VISION_BAD_RESPONSE, what)
    if isinstance(exc, openai.APIStatusError):
        return PipelineError(ErrorCode.VISION_UNAVAILABLE, what)
    return PipelineError(ErrorCode.VISION_UNAVAILABLE, what)


def _parse(message: Any) -> VisionCoaching:
    if getattr(message, "refusal", None):
        raise PipelineError(ErrorCode.VISION_BAD_RESPONSE, "the model refused")
    try:
        return VisionCoaching.model_validate_json(message.content or "")
    except ValidationError as exc:
        raise PipelineError(ErrorCode.VISION_BAD_RESPONSE, f"schema: {exc.error_count()} error(s)") from exc


def call(req: dict[str, Any], settings: Settings) -> tuple[VisionCoaching, int, int, int]:
    """Send the request; one repair attempt when the answer fails validation. Returns the coaching,
    tokens in, tokens out and the number of requests made."""
    import openai

    client = _client(settings)
    try:
        resp = client.chat.completions.create(**req)
    except openai.OpenAIError as exc:
        raise translate(exc) from None
    t_in = resp.usage.prompt_tokens if resp.usage else 0
    t_out = resp.usage.completion_tokens if resp.usage else 0
    msg = resp.choices[0].message
    try:
        return _parse(msg), t_in, t_out, 1
    except PipelineError as first:
        if getattr(msg, "refusal", None):
            raise
        repair = dict(req)
        repair["messages"] = [*req["messages"], {"role": "assistant", "content": msg.content or ""},
                              {"role": "user", "content": "That answer did not match the JSON schema. Answer again "
                                                          "with only valid JSON that matches it exactly."}]
        try:
            resp2 = client.chat.completions.create(**repair)
        except openai.OpenAIError as exc:
            raise translate(exc) from None
        t_in += resp2.usage.prompt_tokens if resp2.usage else 0
        t_out += resp2.usage.completion_tokens if resp2.usage else 0
        try:
            return _parse(resp2.choices[0].message), t_in, t_out, 2
        except PipelineError:
            raise first from None


def apply(record: dict[str, Any], coaching: VisionCoaching, model: str) -> dict[str, Any]:
    """The coaching text replaces the offline text; every score and number stays as measured."""
    out = json.loads(json.dumps(record))
    out["summary"] = coaching.summary
    out["strengths"] = coaching.strengths
    out["recommendations"] = coaching.recommendations
    by_area = {a.area: a for a in coaching.areas}
    for p in out.get("technique_points", []):
        a = by_area.get(p["area"])
        if a and p.get("assessed"):
            p["feedback"], p["drill"] = a.feedback, a.drill
    if coaching.difficulty_estimate:
        out["route_analysis"]["difficulty_estimated"] = {"grade": coaching.difficulty_estimate, "by": f"vision:{model}",
                                                         "note": "estimated by the vision model, not measured"}
    out["vision_observations"] = coaching.observations
    return out


def degrade(record: dict[str, Any], err: PipelineError, call_info: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    out["degraded"] = True
    out["degraded_reason"] = err.code.value if err.code is not ErrorCode.TIMEOUT else "VISION_TIMEOUT"
    out["vision_call"] = {**call_info, "outcome": "failed", "error_code": err.code.value, "detail": err.detail}
    return out


class VisionAnalyzer(Analyzer):
    name = "vision"

    def coach(self, measured: Measured, job: dict[str, Any], settings: Settings) -> dict[str, Any]:
        record = dict(measured.record)
        blocked = job.get("vision_gate")
        base_info = {"model": settings.vision_model, "tokens_in": 0, "tokens_out": 0, "usd": 0.0, "requests": 0}
        if blocked:
            code = ErrorCode.VISION_RATE_LIMITED if blocked == "daily_budget" else ErrorCode.VISION_UNAVAILABLE
            out = degrade(record, PipelineError(code, f"vision skipped: {blocked}"), base_info)
            out["degraded_reason"] = blocked
            out["vision_call"]["outcome"] = "skipped"
            return out
        req = build_request(measured, job, settings)
        h = request_hash(req)
        store = get_store(settings)
        cache_key = f"vision-cache/{h}.json"
        images = sum(1 for part in req["messages"][1]["content"] if part["type"] == "image_url")
        info = {**base_info, "request_hash": h, "images": images}
        if store.exists(cache_key):
            coaching = VisionCoaching.model_validate_json(store.get_bytes(cache_key))
            out = apply(record, coaching, settings.vision_model)
            out["analyzers_used"] = ["offline", f"vision:{settings.vision_model}"]
            out["cost"] = {"tokens_in": 0, "tokens_out": 0, "usd": 0.0, "cached": True, "model": settings.vision_model,
                           "request_hash": h}
            out["vision_call"] = {**info, "outcome": "cached"}
            log.info("vision.cached", analysis_id=job.get("analysis_id"))
            return out
        t0 = time.monotonic()
        try:
            coaching, t_in, t_out, n = call(req, settings)
        except PipelineError as err:
            log.warning("vision.failed", analysis_id=job.get("analysis_id"), error_code=err.code.value,
                        duration_ms=int((time.monotonic() - t0) * 1000))
            return degrade(record, err, info)
        store.put_bytes(coaching.model_dump_json().encode(), cache_key, content_type="application/json")
        cost = usd(t_in, t_out, settings)
        out = apply(record, coaching, settings.vision_model)
        out["analyzers_used"] = ["offline", f"vision:{settings.vision_model}"]
        out["cost"] = {"tokens_in": t_in, "tokens_out": t_out, "usd": cost, "cached": False, "model": settings.vision_model,
                       "request_hash": h}
        out["vision_call"] = {**info, "outcome": "ok", "tokens_in": t_in, "tokens_out": t_out, "usd": cost, "requests": n}
        log.info("vision.completed", analysis_id=job.get("analysis_id"), tokens_in=t_in, tokens_out=t_out, usd=cost,
                 duration_ms=int((time.monotonic() - t0) * 1000))
        return out


# -- the gate, decided by the web process from SQLite ------------------------------------------------
def spend_today(db: Any) -> float:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    r = list(db.query("select coalesce(sum(usd), 0) s from vision_calls where substr(at, 1, 10) = ?", [day]))
    return float(r[0]["s"]) if r else 0.0


def breaker_open(db: Any) -> bool:
    rows = list(db.query("select outcome, at from vision_calls where outcome in ('ok', 'failed') "
                         "order by id desc limit ?", [BREAKER_FAILURES]))
    if len(rows) < BREAKER_FAILURES or any(r["outcome"] != "failed" for r in rows):
        return False
    last = datetime.fromisoformat(rows[0]["at"]).timestamp()
    return time.time() - last < BREAKER_COOLDOWN_S


def gate(db: Any, settings: Settings, paused: bool) -> str | None:
    """Why vision must not be called for the next job, or None."""
    if paused:
        return "paused"
    if breaker_open(db):
        return "circuit_open"
    if settings.vision_daily_budget_usd >= 0 and spend_today(db) >= settings.vision_daily_budget_usd:
        return "daily_budget"
    return None
