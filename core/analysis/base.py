"""The Analyzer interface: what turns measurements into coaching.

``OfflineAnalyzer`` (core/analysis/offline.py) measures and writes the feedback from the catalog;
``VisionAnalyzer`` (core/analysis/vision.py) keeps every measured number and asks a vision model
to write the coaching text. Both return the record's result fields.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from core.config import Settings


@dataclass
class Measured:
    """Everything measured for one analysis, ready for an analyser to coach on."""

    record: dict[str, Any]  # the offline record (scores, metrics, route, technique, text)
    key_frame_jpegs: list[tuple[float, bytes]]  # (time, JPEG with overlay) chosen by movement


class Analyzer(ABC):
    name: str

    @abstractmethod
    def coach(self, measured: Measured, job: dict[str, Any], settings: Settings) -> dict[str, Any]:
        """Return the record fields (a copy of ``measured.record`` with coaching applied)."""


def choose(settings: Settings, requested: str | None = None) -> str:
    """auto -> vision when a key or base URL is configured, else offline."""
    want = requested or settings.analyzer
    if want == "auto":
        return "vision" if settings.vision_configured else "offline"
    return want
