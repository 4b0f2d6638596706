"""The platform's own domain package, part of every service: health, metrics, audit, failed events, jobs."""
