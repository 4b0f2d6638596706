"""FastAPI dependencies: the caller, the request's session (one commit at the boundary), the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal, decode_token
from shared.db import AppSession
from shared.errors import NotAuthenticated
from shared.service import ServiceRuntime

bearer = HTTPBearer(auto_error=False, description="A token from `fangfan token` or the deployment's identity service")


async def get_runtime(request: Request) -> ServiceRuntime:
    # Dependencies are coroutines throughout: FastAPI runs a plain function in a worker thread, and
    # three thread hops per request cost more than the whole of a small request's own work.
    return request.app.state.runtime


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("a bearer token is required")
    principal = decode_token(request.app.state.runtime.platform, credentials.credentials)
    request.state.principal = principal
    return principal


async def get_session(request: Request, principal: Annotated[Principal, Depends(get_principal)]
                      ) -> AsyncIterator[AppSession]:
    """The request's session: committed once after the endpoint returns, before the response leaves."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.db.transaction(principal, request_id=getattr(request.state, "request_id", None)) as session:
        yield session


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
# scope="function": the commit happens before the response is sent, so a failed commit is never a 200.
Session = Annotated[AppSession, Depends(get_session, scope="function")]
Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
