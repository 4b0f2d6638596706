"""FastAPI dependencies: the caller and the roles a route allows, the request's session, the runtime.

Who may call a route is said once, in its signature: ``principal: Writer`` (or ``DistrictAdmin``,
``AuditReader``, ``Revealer``, ``AnyRole``). The role check runs before the endpoint, and the service
assembly copies each route's roles into its OpenAPI operation (``x-roles`` and the description).
Scope (which org codes a caller may touch) is not a route's business: the session enforces it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.data.database import AppSession
from shared.domain.enums import Role
from shared.errors import NotAuthenticated
from shared.runtime.service_runtime import ServiceRuntime
from shared.security.auth import REVEAL_ROLES, WRITER_ROLES, Principal, decode_token
from shared.security.crypto import FieldCipher, field_cipher

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


async def get_cipher(request: Request) -> FieldCipher:
    return field_cipher(request.app.state.runtime.platform)


class RoleRequirement:
    """A route dependency: the caller must hold one of ``roles`` (403 otherwise)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require_role(*self.roles)
        return principal


def caller_with(*roles: Role):
    """The type of a route parameter that is the caller, allowed only in one of ``roles``."""
    return Annotated[Principal, Depends(RoleRequirement(*roles))]


AnyRole = caller_with(*Role)
Writer = caller_with(*WRITER_ROLES)
DistrictAdmin = caller_with(Role.DISTRICT_ADMIN)
AuditReader = caller_with(Role.DISTRICT_ADMIN, Role.AUDITOR)
Revealer = caller_with(*REVEAL_ROLES)

# scope="function": the commit happens before the response is sent, so a failed commit is never a 200.
Session = Annotated[AppSession, Depends(get_session, scope="function")]
Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
Cipher = Annotated[FieldCipher, Depends(get_cipher)]
