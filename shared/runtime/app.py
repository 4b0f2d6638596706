"""ASGI applications: one per service, the embedded all-in-one, and the single-service server."""

from __future__ import annotations

import gc
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIRouter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.domain.enums import Role
from shared.errors import ErrorResponse, PayloadTooLarge, install_error_handlers
from shared.runtime.dependencies import RoleRequirement
from shared.runtime.logging import REQUEST_EVENT
from shared.runtime.metrics import LATENCY, REQUESTS
from shared.runtime.service_runtime import ServiceRuntime

REQUEST_ID_HEADER = "x-request-id"
log = structlog.get_logger(__name__)

# A request body larger than this is refused unread, unless its endpoint declares its own limit.
DEFAULT_BODY_LIMIT = 1024 * 1024
_BODY_LIMIT_ATTRIBUTE = "__fangfan_body_limit__"
Endpoint = TypeVar("Endpoint", bound=Callable)


def body_limit(limit: Callable[[], int]) -> Callable[[Endpoint], Endpoint]:
    """Give an endpoint its own request body limit in bytes instead of the default (read per request)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _BODY_LIMIT_ATTRIBUTE, limit)
        return endpoint

    return mark


class BodyLimitMiddleware:
    """Refuses a request body over its endpoint's limit with a 413, reading nothing past the limit.

    The limit is that of the endpoint the router picked, known when the endpoint first asks for the
    body: a declared Content-Length over it is refused before a byte is read, and a body sent without
    one is counted as it arrives, refused at the first chunk past the limit. Whatever the endpoint
    answers to a body it could not finish reading is dropped and the 413 goes out instead.
    """

    def __init__(self, app: ASGIApp, default: int = DEFAULT_BODY_LIMIT) -> None:
        self.app = app
        self.default = default

    def limit_for(self, scope: Scope) -> int:
        endpoint = getattr(scope.get("route"), "endpoint", None) or scope.get("endpoint")
        declared = getattr(endpoint, _BODY_LIMIT_ATTRIBUTE, None)
        return declared() if declared is not None else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int | None = None
        received, refused, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal limit, received, refused
            if limit is None:
                limit = self.limit_for(scope)
                declared = Headers(scope=scope).get("content-length")
                refused = declared is not None and declared.isdigit() and int(declared) > limit
            if not refused:
                message = await receive()
                if message["type"] != "http.request":
                    return message
                received += len(message.get("body", b""))
                refused = received > limit
                if not refused:
                    return message
            raise PayloadTooLarge(_too_large(scope, limit))

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the endpoint's answer to a body it could not finish reading
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except PayloadTooLarge:
            if not refused:
                raise
        if refused and not started:
            await self._refuse(scope, send, limit or self.default)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        error = ErrorResponse(error="PayloadTooLarge", detail=_too_large(scope, limit),
                              request_id=scope.get("state", {}).get("request_id"))
        body = json.dumps(error.model_dump(exclude_none=True), ensure_ascii=False).encode()
        # The rest of the body is never read, so the connection cannot carry another request.
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _too_large(scope: Scope, limit: int) -> str:
    return f"the request body is larger than {limit} bytes, the limit of {scope['method']} {scope['path']}"


class RequestContextMiddleware:
    """Gives each request an id (the client's X-Request-ID, or a new one), logs and measures it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming[:64] if incoming else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID_HEADER.encode(), request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], route).observe(elapsed)
            # One line per request, with its id from the context; a 5xx is an error line.
            (log.error if status >= 500 else log.info)(
                REQUEST_EVENT, method=scope["method"], path=scope["path"],
                status=status, duration_ms=round(elapsed * 1000, 1), route=route)
            structlog.contextvars.unbind_contextvars("request_id", "service")


class ETagMiddleware:
    """Reads carry an ETag (a digest of the body) and answer ``304 Not Modified`` to a matching
    ``If-None-Match``, so a phone re-checking a list it holds downloads nothing when nothing changed.

    Only a GET's 200 whose body arrives in one piece is tagged; a streamed body passes through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        wanted = dict(scope.get("headers") or []).get(b"if-none-match", b"").decode("latin-1")
        held: Message | None = None

        async def tagging_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] == 200:
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            start, held = held, None
            if message.get("more_body"):
                await send(start)
                await send(message)
                return
            tag = 'W/"' + hashlib.sha256(message.get("body", b"")).hexdigest()[:32] + '"'
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
            headers += [(b"etag", tag.encode()), (b"cache-control", b"private, no-cache")]
            if tag in [value.strip() for value in wanted.split(",")] or wanted.strip() == "*":
                kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                await send({**start, "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send(message)

        await self.app(scope, receive, tagging_send)


# The youngest generation's threshold once serving (CPython's default is 700). A visit allocates a few
# thousand objects that die with its request, so at 700 the collector ran about once for every two
# requests in flight, for 3 % of a server's CPU, to find next to nothing: most of that garbage is freed
# by reference counting. At 10,000 it runs a few times a minute under load; what it holds back until
# then is at most that many young objects, a few megabytes.
YOUNG_GENERATION_THRESHOLD = 10_000


def freeze_heap() -> None:
    """Before serving: collect once, exempt everything alive from later garbage collections, and collect
    young objects less often.

    A server process holds a large, permanent heap (modules, models, mappers, schemas). Left to the
    collector, every full collection walks all of it and stalls every request in flight: about
    100 ms once a second or so under load, which alone broke the intake p99 target. After
    ``gc.freeze()`` a full collection walks only what requests created since. The older generations
    keep their default ratios to the youngest (see ``YOUNG_GENERATION_THRESHOLD``).
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


def _required_roles(dependant) -> tuple | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RoleRequirement):
            return dependency.call.roles
        found = _required_roles(dependency)
        if found is not None:
            return found
    return None


def document_roles(router: APIRouter) -> None:
    """Copy each route's role requirement into its OpenAPI operation (``x-roles`` and the description).

    Idempotent: the routers are module-level, and every app built from them (each test builds its own)
    sees the same routes.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute) or "x-roles" in (route.openapi_extra or {}):
            continue
        roles = _required_roles(route.dependant)
        if roles is None:
            continue
        names = [role.value for role in roles]
        route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": names}
        note = "Roles: " + ", ".join(f"`{name}`" for name in names) + "."
        route.description = f"{route.description}\n\n{note}" if route.description else note


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}


def _document_errors(operation: dict, error: dict) -> None:
    """The errors every operation can answer with, in the one JSON shape whatever its success media type."""
    responses = operation.setdefault("responses", {})
    if "HTTPValidationError" in json.dumps(responses.get("422", {})):
        responses["422"] = error
    for answer in responses.values():
        content = answer.get("content", {})
        found = [media for media, body in content.items()
                 if media != "application/json" and "ErrorResponse" in json.dumps(body)]
        for media in found:  # an HTML or workbook route still sends its errors as JSON
            content.setdefault("application/json", content.pop(media))
    if operation.get("security"):
        responses.setdefault("401", _error("Unauthorized: no bearer token, or one that is invalid or expired"))
        roles = operation.get("x-roles")
        if roles is not None and len(roles) < len(Role):
            responses.setdefault("403", _error("Forbidden: the caller's role may not call this operation"))


def document_one_error_shape(app: FastAPI) -> None:
    """Every 422 in the app's OpenAPI is the ``ErrorResponse`` the handlers send, never FastAPI's
    default ``HTTPValidationError`` (which it adds to any route that takes parameters); every error
    is documented as JSON; every operation that takes a bearer token documents its 401, and every one
    that allows only some roles its 403."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorResponse" not in schemas:
            found = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(found.pop("$defs", {}), ErrorResponse=found)
        error = _error("Validation Error")
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict):
                    _document_errors(operation, error)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def create_service_app(runtime: ServiceRuntime) -> FastAPI:
    """The API of one service, meant to be served under ``/<service>``."""
    definition = runtime.definition
    app = FastAPI(title=f"fangfan {definition.name}: {definition.title}", description=definition.description,
                  version="0.1.0")
    app.state.runtime = runtime
    install_error_handlers(app)
    for router in definition.routers:
        document_roles(router)
        app.include_router(router)
    document_one_error_shape(app)
    origins = runtime.platform.allowed_origins()
    if origins:
        # A browser page served from another origin may call the API, bearer token included; the
        # ETag must be readable by its script for conditional requests.
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
                           expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"], max_age=600)
    app.add_middleware(ETagMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestContextMiddleware, service=definition.name)
    return app


def create_root_app(runtimes: list[ServiceRuntime], *, extra_startup=None, before_shutdown=None,
                    extra_shutdown=None) -> FastAPI:
    """Mount each service's API under its prefix, starting and stopping their runtimes with the process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if extra_startup is not None:
            await extra_startup()
        for runtime in runtimes:
            await runtime.start()
        try:
            yield
        finally:
            if before_shutdown is not None:
                await before_shutdown()
            for runtime in runtimes:
                await runtime.stop()
            if extra_shutdown is not None:
                await extra_shutdown()

    root = FastAPI(title="fangfan", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(root)  # a path outside every service answers in the same shape

    @root.get("/", include_in_schema=False)
    async def index() -> dict:
        return {"name": "fangfan 防返", "services": {
            rt.name: {"docs": f"/{rt.name}/docs", "openapi": f"/{rt.name}/openapi.json",
                      "asyncapi": f"/{rt.name}/asyncapi.json", "health": f"/{rt.name}/healthz"} for rt in runtimes}}

    for runtime in runtimes:
        root.mount(f"/{runtime.name}", create_service_app(runtime))
    return root
