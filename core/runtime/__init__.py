"""Who runs the work: executors (inline, Celery) and the in-process scheduler."""
