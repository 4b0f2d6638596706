"""The one error family of the API and the handlers that render it.

Every error leaves as ``{"error": "<Name>", "detail": "<message>"}``; validation errors add
``fields`` with one entry per offending field path. Nothing a client sends may produce a 500.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError

log = structlog.get_logger(__name__)


class AppError(Exception):
    """Base of every domain error; ``status_code`` is the HTTP status it maps to."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code

    @property
    def name(self) -> str:
        return type(self).__name__


class NotAuthenticated(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class InvalidInput(AppError):
    """A rule about the input that a schema cannot express; names the field."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = message


class PayloadTooLarge(AppError):
    """A request body over the limit of its endpoint; the detail states the limit."""

    status_code = 413


class ServiceUnavailable(AppError):
    status_code = 503


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: str
    detail: str
    fields: list[FieldError] | None = None
    request_id: str | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the error body for these statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _body(request: Request, error: str, detail: str, fields: list[FieldError] | None = None) -> dict:
    return ErrorResponse(error=error, detail=detail, fields=fields, request_id=_request_id(request)).model_dump(
        exclude_none=True
    )


def field_path(loc: tuple | list) -> str:
    """``("body", "members", 2, "id_number")`` -> ``body.members.2.id_number``."""
    return ".".join(str(part) for part in loc)


async def handle_app_error(request: Request, exc: AppError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    fields = None
    if isinstance(exc, InvalidInput):
        fields = [FieldError(field=exc.field, message=exc.rule, type="rule")]
    return JSONResponse(_body(request, exc.name, exc.message, fields), status_code=exc.status_code, headers=headers)


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        FieldError(field=field_path(err.get("loc", ())), message=_message(err), type=err.get("type", "value_error"))
        for err in exc.errors()
    ]
    detail = "; ".join(f"{f.field}: {f.message}" for f in fields) or "invalid request"
    return JSONResponse(_body(request, "ValidationError", detail, fields), status_code=422)


def _message(err: dict) -> str:
    message = str(err.get("msg", "invalid"))
    # pydantic prefixes messages raised by validators with "Value error, "; the rule reads better bare.
    return message.removeprefix("Value error, ")


async def handle_integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # A constraint the service did not translate itself: still the client's conflict, not a crash.
    log.warning("integrity_error", error=str(exc.orig)[:300])
    return JSONResponse(_body(request, "Conflict", "the request conflicts with stored data"), status_code=409)


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", "") or "")


async def handle_database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if exc.connection_invalidated:
        # The database went away under this request (a restart, a failover): nothing was stored,
        # and the pool has dropped its stale connections, so a retry is the answer.
        log.warning("database_connection_lost", error=str(exc.orig)[:300])
        response = JSONResponse(_body(request, "ServiceUnavailable",
                                      "the connection to the database was lost; nothing was stored, retry"),
                                status_code=503)
        response.headers["Retry-After"] = "1"
        return response
    # SQLSTATE class 22 is "data exception": a value the database cannot take (out of range, too
    # long, a NUL character). It came from the client, so it is the client's 422, not our 500.
    if _sqlstate(exc).startswith("22"):
        log.warning("data_exception", sqlstate=_sqlstate(exc))
        return JSONResponse(_body(request, "ValidationError", "a value is out of the range or form that can be stored"),
                            status_code=422)
    return await handle_unexpected(request, exc)


async def handle_overflow(request: Request, exc: OverflowError) -> JSONResponse:
    return JSONResponse(_body(request, "ValidationError", "a number is too large"), status_code=422)


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    return JSONResponse(_body(request, "InternalError", "unexpected error; quote the request id"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, handle_app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, handle_integrity_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, handle_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, handle_overflow)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, handle_unexpected)
