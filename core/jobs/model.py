"""What a job is: its states, and the shape of an analyses row as the rest of the code reads it."""
from __future__ import annotations

import enum
from typing import Any, TypedDict


class Status(enum.StrEnum):
    """An analysis' state. Stored as its value; compares equal to the plain string."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (Status.QUEUED, Status.RUNNING)

    @property
    def finished(self) -> bool:
        return not self.active


ACTIVE = (Status.QUEUED, Status.RUNNING)
FINISHED = (Status.COMPLETED, Status.FAILED)


class Analysis(TypedDict, total=False):
    """One analyses row, decoded (JSON columns as Python values, flags as bools)."""

    analysis_id: str
    status: str  # a Status value
    stage: str | None
    progress: float
    error_code: str | None
    error_detail: str | None
    attempts: int
    client_key: str | None
    created_at: str
    queued_at: str | None
    started_at: str | None
    finished_at: str | None
    updated_at: str | None
    climber: str | None
    discipline: str | None
    route_name: str | None
    grade: str | None
    attempt_or_send: str | None
    notes: str | None
    trim: dict[str, Any] | None
    consent: bool
    language: str | None
    analyzer: str | None
    video_ref: str
    video_name: str | None
    video_sha256: str | None
    video_purged_at: str | None
    low_confidence: bool
    moving_camera: bool
    degraded: bool
    degraded_reason: str | None
    canary: bool
    video: dict[str, Any] | None
    performance_score: float | None
    confidence: float | None
    analyzers_used: list[str] | None
    route_analysis: dict[str, Any] | None
    metrics: dict[str, Any] | None
    technique_points: list[dict[str, Any]] | None
    phrases: dict[str, Any] | None
    people: dict[str, Any] | None  # everyone seen: count, chosen, how, list, overview image
    person: int | None  # the person the climber picked (None: the one on the wall longest)
    climb_at: float | None  # a time inside the climb the climber picked (None: the longest)
    climb_of: str | None  # the analysis of the same video it was made from (another climb in it)
    summary: str | None
    strengths: list[str] | None
    recommendations: list[str] | None
    key_frames: list[dict[str, Any]] | None
    cost: dict[str, Any] | None
    replay_ref: str | None
    next_run_at: float | None
    lease_owner: str | None
    lease_until: float | None
    duration_s: float | None
