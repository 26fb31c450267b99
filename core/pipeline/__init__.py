"""The analysis pipeline: ingest, analyse, replay, and the one attempt runner every executor uses.

    resolve -> probe -> validate -> sample (frames streamed to pose) -> metrics -> feedback
            [-> vision] -> persist, then the annotated replay
"""
from core.pipeline.analyse import analyze
from core.pipeline.attempt import Outcome, Reporter, run_attempt
from core.pipeline.ingest import Sampled, ingest, work_dir
from core.pipeline.replay import render as render_replay
from core.pipeline.stages import STAGE_LABELS, STAGES, stage_start

__all__ = ["analyze", "ingest", "work_dir", "Sampled", "run_attempt", "Outcome", "Reporter", "render_replay",
           "STAGES", "STAGE_LABELS", "stage_start"]
