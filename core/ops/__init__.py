"""Operating the service: health checks and the canary, SLIs, alerts, and the data lifecycle."""
