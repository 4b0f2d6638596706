"""Logs with the request id and event id of the work in hand, sensitive values masked.

Two renderers, one chain: JSON lines for production (one object per line, for a log shipper) and
structlog's console renderer for a person watching ``fangfan run`` (one readable line per request).
The masking processor runs before either renderer sees an event.
"""

from __future__ import annotations

import logging
import sys

import structlog

from shared.domain.idnumber import mask_sensitive_text

# The event RequestContextMiddleware logs once per request.
REQUEST_EVENT = "request"

# ID numbers (18 characters) and mainland mobile numbers never reach a log line, whatever logged them:
# the same masking as responses, stored free text and the audit trail.
mask_sensitive = mask_sensitive_text


def _mask_processor(_logger, _name, event_dict: dict) -> dict:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask_sensitive(value)
    return event_dict


def _request_line(_logger, _name, event_dict: dict) -> dict:
    """On the console, a request reads as ``GET /intake/households 200 12.3 ms``; JSON keeps the fields."""
    if event_dict.get("event") == REQUEST_EVENT and {"method", "path", "status", "duration_ms"} <= event_dict.keys():
        event_dict["event"] = (f"{event_dict.pop('method')} {event_dict.pop('path')} {event_dict.pop('status')} "
                               f"{event_dict.pop('duration_ms')} ms")
        for known in ("service", "route"):  # the path says both
            event_dict.pop(known, None)
    return event_dict


def _renderer(json: bool) -> list:
    if json:
        return [structlog.processors.JSONRenderer(ensure_ascii=False)]
    # Exceptions arrive already formatted (and masked) by format_exc_info, so the plain formatter only
    # prints that text; colours only where a terminal shows them.
    console = structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty(),
                                            exception_formatter=structlog.dev.plain_traceback)
    return [_request_line, console]


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Route structlog and the standard library (uvicorn, arq, SQLAlchemy) through one renderer."""
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso" if json else "%Y-%m-%d %H:%M:%S", utc=False),
        structlog.processors.format_exc_info,
        _mask_processor,
    ]
    structlog.configure(
        # Filtering first: a request line below the configured level costs a level check, not a chain.
        processors=[structlog.stdlib.filter_by_level, *shared_processors,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(json)],
        foreign_pre_chain=shared_processors,
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # RequestContextMiddleware logs each request once, with its request id; uvicorn's own line would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # A person watching the demo start needs no account of each migration step (`fangfan migrate`
    # reports what it did); production logs keep them.
    logging.getLogger("alembic").setLevel(logging.NOTSET if json else logging.WARNING)
