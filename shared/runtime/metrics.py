"""Prometheus metrics shared by the services (one registry per process)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.responses import Response

REQUESTS = Counter("fangfan_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "fangfan_http_request_seconds", "HTTP request latency", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter("fangfan_events_published_total", "Outbox events published", ["service", "type"])
EVENTS_CONSUMED = Counter("fangfan_events_consumed_total", "Events handled", ["service", "consumer", "outcome"])
EVENTS_REDELIVERED = Counter("fangfan_events_redelivered_total",
                             "Deliveries of published events sent again because Redis had lost them", ["service"])
OUTBOX_BACKLOG = Gauge("fangfan_outbox_backlog", "Unpublished outbox rows seen by the last relay pass", ["service"])
# Redis carries events, not requests: an outage fills the outbox but leaves the API serving, so it is
# watched here (alert on it) rather than by readiness.
REDIS_UP = Gauge("fangfan_redis_up", "1 when the event transport's Redis answered the last ping, else 0", ["service"])


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
