"""Durable jobs: the one owner of the analyses table (the record of every analysis and the queue).

``Jobs`` makes every state change (``core.jobs.queue``) and inherits every read (``core.jobs.reads``);
``Status`` names the states; ``Analysis`` is the shape of a decoded row.
"""
from core.jobs.model import ACTIVE, FINISHED, Analysis, Status
from core.jobs.queue import Jobs, backoff, worker_id
from core.jobs.reads import JobReads, iso_ts

__all__ = ["Jobs", "JobReads", "Status", "Analysis", "ACTIVE", "FINISHED", "backoff", "worker_id", "iso_ts"]
