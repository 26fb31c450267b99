"""The words and choices the pages offer: disciplines, grade scales, accepted files, stage names."""
from __future__ import annotations

from core.analysis.technique import UNREPEATABLE
from core.pipeline import STAGE_LABELS

__all__ = ["DISCIPLINES", "GRADES", "ATTEMPT_CHOICES", "ACCEPTED_TYPES", "HIGHER_IS_BETTER", "STAGE_LABELS",
           "MOST_SCORE_SPREAD"]

DISCIPLINES = ["bouldering", "lead", "top-rope", "board", "speed"]
GRADES: dict[str, list[str]] = {
    "V": ["VB"] + [f"V{i}" for i in range(0, 18)],
    # Fontainebleau: 1-4+ have no letters; from 5 on, a-c with an optional +
    "Font": [f"{n}{s}" for n in range(1, 5) for s in ("", "+")]
            + [f"{n}{letter}{s}" for n in range(5, 9) for letter in "abc" for s in ("", "+")] + ["9a"],
    "French": [f"{n}{letter}{s}" for n in range(4, 10) for letter in "abc" for s in ("", "+")],
    "UIAA": [f"{n}{s}" for n in ("III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII") for s in ("-", "", "+")],
    "YDS": [f"5.{n}" for n in range(5, 10)] + [f"5.{n}{letter}" for n in range(10, 16) for letter in "abcd"],
}
ATTEMPT_CHOICES = ["attempt", "send"]
ACCEPTED_TYPES = ["mp4", "mov", "webm", "mkv", "m4v"]
#: metric -> True when higher is better (for side-by-side deltas)
HIGHER_IS_BETTER = {"performance_score": True, "gie": False, "smoothness": True, "immobility_ratio": False,
                    "longest_pause_s": False, "path_efficiency": True, "vertical_speed": True,
                    "straight_arm_ratio": True, "feet_off_share": False, "moves_per_min": True,
                    "duration_s": False, "hip_in_support_share": True}
#: An area whose score moves more than this (points) when the climb is read again is not assessed.
MOST_SCORE_SPREAD = UNREPEATABLE
