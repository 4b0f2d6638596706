"""The one error family of the API and the handlers that render it.

Every error leaves as ``{"error": "<Name>", "detail": "<message>"}``. A 422 is always named
``ValidationError`` and adds ``fields``: one ``{field, type, message}`` entry per offending field,
``field`` a request path (``body.members.2.id_number``, ``query.limit``), ``type`` one code of
:data:`FIELD_ERROR_TYPES` whatever raised it (pydantic's own codes are mapped onto them), and
``detail`` a short summary. Nothing a client sends may produce a 500.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

log = structlog.get_logger(__name__)

VALIDATION_ERROR = "ValidationError"
"""The ``error`` of every 422."""

FIELD_ERROR_TYPES: dict[str, str] = {
    "missing": "a required field is absent (or required by another field's answer: the message says which)",
    "not_allowed": "a field that may not be sent: unknown, or not allowed with another field's answer",
    "invalid_type": "the JSON type is wrong (a string where a number or an object belongs, …)",
    "invalid_format": "the right type in the wrong form: a date, UUID, ID number, phone, amount or name "
                      "that cannot be read",
    "out_of_range": "too small, too large, too long or too short, or a date outside the plausible range",
    "invalid_choice": "not one of the codes the field accepts, or a combination of codes that is not allowed",
    "rule": "a rule across fields or against stored data (the message states it)",
    "unreadable_body": "the body cannot be read as JSON at all",
}
"""The vocabulary of ``fields[].type`` in every 422 and every import row error, with its meaning."""

# The codes the project's own validators raise, and pydantic's, onto the vocabulary above. A code
# not listed falls to a rule of its suffix or prefix, then to ``rule``.
_TYPE_OF_CODE = {
    "missing": "missing", "required_when": "missing",
    "extra_forbidden": "not_allowed", "not_allowed_unless": "not_allowed",
    "enum": "invalid_choice", "literal_error": "invalid_choice", "duplicate_choice": "invalid_choice",
    "none_combined": "invalid_choice",
    "ascii_amount": "invalid_format", "invalid_id_number": "invalid_format", "unreadable_name": "invalid_format",
    "string_pattern_mismatch": "invalid_format", "decimal_max_places": "invalid_format",
    "timezone_aware": "invalid_format", "timezone_naive": "invalid_format", "int_from_float": "invalid_format",
    "finite_number": "invalid_format", "json_invalid": "invalid_format", "uuid_version": "invalid_format",
    "date_out_of_range": "out_of_range", "decimal_max_digits": "out_of_range",
    "decimal_whole_digits": "out_of_range", "multiple_of": "out_of_range",
    "body_unreadable": "unreadable_body",
}
_PREFIXES = (("greater_than", "out_of_range"), ("less_than", "out_of_range"), ("too_", "out_of_range"),
             ("string_too_", "out_of_range"), ("bytes_too_", "out_of_range"), ("date_", "invalid_format"),
             ("datetime_", "invalid_format"), ("time_", "invalid_format"), ("url_", "invalid_format"))
_SUFFIXES = (("_type", "invalid_type"), ("_parsing", "invalid_format"), ("_parsing_size", "out_of_range"))


def field_error_type(code: str) -> str:
    """The vocabulary's type (:data:`FIELD_ERROR_TYPES`) of a validator's or pydantic's error code."""
    if code in FIELD_ERROR_TYPES:
        return code
    if code in _TYPE_OF_CODE:
        return _TYPE_OF_CODE[code]
    for suffix, kind in sorted(_SUFFIXES, key=lambda pair: -len(pair[0])):
        if code.endswith(suffix):
            return kind
    for prefix, kind in _PREFIXES:
        if code.startswith(prefix):
            return kind
    return "rule"


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
    """A request the current state refuses; ``conditions`` lists every unmet condition (code, message) when
    the refusal weighed several, so a client can show them all at once."""

    status_code = 409

    def __init__(self, message: str, *, conditions: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.conditions = conditions


class InvalidInput(AppError):
    """A rule about the input that a schema cannot express; names the field (a request path such as
    ``body.members.1.relation``) and, optionally, its type from :data:`FIELD_ERROR_TYPES`."""

    status_code = 422

    def __init__(self, field: str, message: str, *, type: str = "rule") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = message
        self.type = field_error_type(type)

    @property
    def name(self) -> str:
        return VALIDATION_ERROR


class PayloadTooLarge(AppError):
    """A request body over the limit of its endpoint; the detail states the limit."""

    status_code = 413


class ServiceUnavailable(AppError):
    status_code = 503


class TooManyRequests(AppError):
    """A caller's allowance is used up for now; ``retry_after`` says in how many seconds to try again."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FieldError(BaseModel):
    """One offending field of a 422 (and one error of an import row)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"field": "body.members.1.id_number", "type": "invalid_format",
         "message": "the check character does not match (GB 11643)"}]})

    field: str = Field(description="where: a request path such as `body.members.2.id_number` or `query.limit`")
    type: str = Field(description="what kind of failure, one of: " + ", ".join(f"`{c}`" for c in FIELD_ERROR_TYPES),
                      json_schema_extra={"enum": list(FIELD_ERROR_TYPES)})
    message: str = Field(description="the rule that failed, in words")


class UnmetCondition(BaseModel):
    """One condition a 409 found unmet."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"code": "income.above_line_long_enough",
         "message": "income has been above the line since 2024-07-01, 2 months before 2024-09-10; 6 are required"}]})

    code: str = Field(description="the condition's stable code")
    message: str = Field(description="what is unmet, in words")


class ErrorResponse(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "ValidationError", "detail": "body.members.1.id_number: the check character does not match "
                                               "(GB 11643)",
         "fields": [{"field": "body.members.1.id_number", "type": "invalid_format",
                     "message": "the check character does not match (GB 11643)"}],
         "request_id": "5f0c3a9e2b7d4c1e8f6a0b9c7d5e3f21"}]})

    error: str = Field(description="the error's name: `ValidationError` for every 422, `NotFound`, `Conflict`, …")
    detail: str = Field(description="a short summary; a 422 lists its fields in `fields`")
    fields: list[FieldError] | None = Field(default=None, description="every offending field (422 only)")
    conditions: list[UnmetCondition] | None = Field(
        default=None, description="a 409 that weighed several conditions: every one unmet")
    request_id: str | None = Field(default=None, description="the X-Request-ID to quote")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the error body for these statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _body(request: Request, error: str, detail: str, fields: list[FieldError] | None = None,
          conditions: list[UnmetCondition] | None = None) -> dict:
    return ErrorResponse(error=error, detail=detail, fields=fields, conditions=conditions,
                         request_id=_request_id(request)).model_dump(exclude_none=True)


def validation_detail(fields: list[FieldError]) -> str:
    """A 422's short summary: the one field and its rule, or how many fields and which."""
    if len(fields) == 1:
        return f"{fields[0].field}: {fields[0].message}"
    named = ", ".join(f.field for f in fields[:3]) + (f" and {len(fields) - 3} more" if len(fields) > 3 else "")
    return f"{len(fields)} fields are invalid: {named}"


def validation_response(request: Request, fields: list[FieldError]) -> JSONResponse:
    return JSONResponse(_body(request, VALIDATION_ERROR, validation_detail(fields), fields), status_code=422)


def field_path(loc: tuple | list) -> str:
    """``("body", "members", 2, "id_number")`` -> ``body.members.2.id_number``."""
    return ".".join(str(part) for part in loc)


async def handle_app_error(request: Request, exc: AppError) -> JSONResponse:
    if isinstance(exc, InvalidInput):
        return validation_response(request, [FieldError(field=exc.field, message=exc.rule, type=exc.type)])
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    conditions = getattr(exc, "conditions", None)
    unmet = [UnmetCondition(code=code, message=message) for code, message in conditions] if conditions else None
    return JSONResponse(_body(request, exc.name, exc.message, conditions=unmet), status_code=exc.status_code,
                        headers=headers)


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        FieldError(field=field_path(err.get("loc", ())), message=_message(err),
                   type=field_error_type(err.get("type", "value_error")))
        for err in exc.errors()
    ] or [FieldError(field="body", message="invalid request", type="rule")]
    return validation_response(request, fields)


def _message(err: dict) -> str:
    message = str(err.get("msg", "invalid"))
    # pydantic prefixes messages raised by validators with "Value error, "; the rule reads better bare.
    return message.removeprefix("Value error, ")


def _unreadable_body(cause: BaseException | None) -> str | None:
    """Why a request body could not be read (as JSON, or as a multipart form), for the errors the
    readers raise themselves."""
    if isinstance(cause, MultiPartException):
        return f"the body is not a readable multipart form: {cause.message}"
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not valid UTF-8"
    if isinstance(cause, RecursionError):
        return "the body nests too deeply to read"
    if isinstance(cause, ValueError):  # e.g. an integer of more digits than Python converts
        return "the body holds a value that cannot be read (a number too long?)"
    return None


async def handle_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    """Errors raised by the framework itself (an unreadable body, an unknown path) in the same shape."""
    # Starlette raises a form's error inside its handler (the context), FastAPI a JSON one from it (the cause).
    reason = _unreadable_body(exc.__cause__ or exc.__context__) if exc.status_code == 400 else None
    if reason is not None:
        return validation_response(request, [FieldError(field="body", message=reason, type="unreadable_body")])
    try:
        name = "".join(word.capitalize() for word in HTTPStatus(exc.status_code).phrase.split())
    except ValueError:
        name = "HttpError"
    return JSONResponse(_body(request, name, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def handle_integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # A constraint the service did not translate itself: still the client's conflict, not a crash.
    log.warning("integrity_error", error=str(exc.orig)[:300])
    return JSONResponse(_body(request, "Conflict", "the request conflicts with stored data"), status_code=409)


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", "") or "")


# SQLSTATEs of a database going away rather than of a bad statement: class 08 (connection exception),
# and a shutdown by an administrator or a crash, or a server still starting or stopping (57P01-57P03).
UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is gone for the moment (restarting, failing over, refusing connections).

    A refused or reset connection surfaces as the socket's own error when the pool opens a
    connection, and as a driver error with one of these SQLSTATEs while the server shuts down or
    starts; neither says anything about the request or the event at hand.
    """
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or _sqlstate(exc).startswith(UNREACHABLE_SQLSTATES)
    return isinstance(exc, ConnectionError)


def _database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    # The database went away under this request (a restart, a failover): nothing was stored,
    # and the pool drops its stale connections, so a retry is the answer.
    log.warning("database_connection_lost", error=str(getattr(exc, "orig", None) or exc)[:300])
    response = JSONResponse(_body(request, "ServiceUnavailable",
                                  "the connection to the database was lost; nothing was stored, retry"),
                            status_code=503)
    response.headers["Retry-After"] = "1"
    return response


async def handle_connection_error(request: Request, exc: ConnectionError) -> JSONResponse:
    """A connection refused or reset while the pool opened one: the database is restarting or gone."""
    return _database_unavailable(request, exc)


async def handle_database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if database_unreachable(exc):
        return _database_unavailable(request, exc)
    # SQLSTATE class 22 is "data exception": a value the database cannot take (out of range, too
    # long, a NUL character). It came from the client, so it is the client's 422, not our 500.
    if _sqlstate(exc).startswith("22"):
        log.warning("data_exception", sqlstate=_sqlstate(exc))
        return validation_response(request, [FieldError(
            field="body", type="out_of_range", message="a value is out of the range or form that can be stored")])
    return await handle_unexpected(request, exc)


async def handle_overflow(request: Request, exc: OverflowError) -> JSONResponse:
    return validation_response(request, [FieldError(field="body", type="out_of_range",
                                                    message="a number is too large")])


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    return JSONResponse(_body(request, "InternalError", "unexpected error; quote the request id"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, handle_app_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, handle_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, handle_integrity_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, handle_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, handle_overflow)  # type: ignore[arg-type]
    app.add_exception_handler(ConnectionError, handle_connection_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, handle_unexpected)
