"""The stages of one analysis, their share of the progress bar and their words for people.

    resolve -> probe -> validate -> sample+pose -> metrics -> feedback [-> vision] -> persist

Sampling and pose run as one stage pair: frames go to the pose workers while the file is still
being decoded, so progress moves through "sample" and "pose" together.
"""
from __future__ import annotations

from collections.abc import Callable

from core.i18n import N_

Progress = Callable[[str, float], None]

#: (stage, share of the whole run): progress is reported as the sum of finished shares.
STAGES: list[tuple[str, float]] = [
    ("resolve", 0.05), ("probe", 0.02), ("validate", 0.01), ("sample", 0.20),
    ("pose", 0.52), ("metrics", 0.04), ("feedback", 0.04), ("vision", 0.10), ("persist", 0.02),
]
SHARE = dict(STAGES)
STAGE_LABELS = {  # English msgids: pages show them with core.i18n._()
    "queued": N_("Waiting in the queue"), "resolve": N_("Fetching your video"), "probe": N_("Reading the video"),
    "validate": N_("Checking the video"), "sample": N_("Extracting frames"), "pose": N_("Tracking your body"),
    "metrics": N_("Measuring your movement"), "feedback": N_("Writing your feedback"),
    "vision": N_("Asking the coach model"), "persist": N_("Saving the result"), "done": N_("Done"),
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
