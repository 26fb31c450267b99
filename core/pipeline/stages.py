"""The stages of one analysis, their share of the progress bar and their words for people.

    resolve -> probe -> validate -> sample+pose -> metrics -> feedback [-> vision] -> persist

Sampling and pose run as one stage pair: frames go to the pose workers while the file is still
being decoded, so progress moves through "sample" and "pose" together.
"""
from __future__ import annotations

from typing import Callable

Progress = Callable[[str, float], None]

#: (stage, share of the whole run): progress is reported as the sum of finished shares.
STAGES: list[tuple[str, float]] = [
    ("resolve", 0.05), ("probe", 0.02), ("validate", 0.01), ("sample", 0.20),
    ("pose", 0.52), ("metrics", 0.04), ("feedback", 0.04), ("vision", 0.10), ("persist", 0.02),
]
SHARE = dict(STAGES)
STAGE_LABELS = {
    "queued": "Waiting in the queue", "resolve": "Fetching your video", "probe": "Reading the video",
    "validate": "Checking the video", "sample": "Extracting frames", "pose": "Tracking your body",
    "metrics": "Measuring your movement", "feedback": "Writing your feedback", "vision": "Asking the coach model",
    "persist": "Saving the result", "done": "Done",
}


def stage_start(stage: str) -> float:
    """Progress (0-1) at which ``stage`` begins."""
    total = 0.0
    for name, share in STAGES:
        if name == stage:
            return round(total, 4)
        total += share
    return 1.0


def no_progress(stage: str, p: float) -> None:
    """A Progress that reports nowhere."""
