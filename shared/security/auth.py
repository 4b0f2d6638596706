"""Bearer JWTs: who the caller is, what role they hold and which org-code prefix they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import jwt

from shared.domain.clock import clock
from shared.domain.enums import Role
from shared.domain.org_codes import OrgLevel, covers, is_org_code, org_level, org_prefix
from shared.errors import Forbidden, NotAuthenticated
from shared.runtime.settings import PlatformSettings

ALGORITHM = "HS256"

# The org level each role is issued at; an auditor may sit at any level.
ROLE_LEVELS = {
    Role.VILLAGE_CADRE: {OrgLevel.VILLAGE},
    Role.TOWN_STAFF: {OrgLevel.TOWNSHIP},
    Role.DISTRICT_ADMIN: {OrgLevel.DISTRICT},
    Role.AUDITOR: set(OrgLevel),
}


# Roles that change data; auditors only read (the session's flush guard refuses their writes too).
WRITER_ROLES = (Role.VILLAGE_CADRE, Role.TOWN_STAFF, Role.DISTRICT_ADMIN)
# Roles that may see a member's clear ID number and phone (查看明文); each reveal is audited.
REVEAL_ROLES = (Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


@dataclass(frozen=True)
class Principal:
    """The caller of a request, or the system itself inside event handlers and jobs."""

    user_id: str
    name: str
    role: Role | None
    org_code: str

    @property
    def scope_prefix(self) -> str:
        return "" if self.is_system else org_prefix(self.org_code)

    @property
    def is_system(self) -> bool:
        return self.role is None

    @property
    def can_write(self) -> bool:
        return self.role != Role.AUDITOR

    def covers(self, org_code: str) -> bool:
        return self.is_system or covers(self.org_code, org_code)

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this action needs one of the roles: {allowed}")

    def as_actor(self) -> dict[str, str | None]:
        return {"id": self.user_id, "name": self.name, "role": self.role.value if self.role else None}


def system_principal(component: str) -> Principal:
    """The identity recorded for writes made by event handlers, jobs and the CLI."""
    return Principal(user_id=f"system:{component}", name=component, role=None, org_code="000000000000")


def validate_org_for_role(role: Role, org_code: str) -> None:
    if not is_org_code(org_code):
        raise ValueError("org code must be 12 digits (统计用区划代码)")
    level = org_level(org_code)
    if level not in ROLE_LEVELS[role]:
        raise ValueError(f"role {role.value} is issued at {'/'.join(sorted(ROLE_LEVELS[role]))} level, not {level}")


def issue_token(
    settings: PlatformSettings,
    *,
    name: str,
    role: Role,
    org_code: str,
    user_id: str | None = None,
    ttl: timedelta | None = None,
) -> str:
    validate_org_for_role(role, org_code)
    now = clock.now()
    claims = {
        "sub": user_id or f"user-{uuid.uuid4().hex[:12]}",
        "name": name,
        "role": role.value,
        "org": org_code,
        "iss": settings.jwt_issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + (ttl or timedelta(minutes=settings.jwt_ttl_minutes))).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


LEEWAY_SECONDS = 30


def decode_token(settings: PlatformSettings, token: str) -> Principal:
    principal, expires_at = _verified(token, settings.jwt_secret.get_secret_value(), settings.jwt_issuer)
    # The signature is checked once per token (cached below); expiry is checked on every request.
    if clock.now().timestamp() > expires_at + LEEWAY_SECONDS:
        raise NotAuthenticated("token expired")
    return principal


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str, issuer: str) -> tuple[Principal, int]:
    """The principal a token names and its expiry, once its signature and claims check out."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer,
                            options={"require": ["sub", "exp", "iat"], "verify_iat": False}, leeway=LEEWAY_SECONDS)
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("token expired") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated(f"invalid token: {exc}") from exc
    try:
        role = Role(claims.get("role"))
        org_code = str(claims.get("org", ""))
        validate_org_for_role(role, org_code)
    except ValueError as exc:
        raise NotAuthenticated(f"invalid token claims: {exc}") from exc
    principal = Principal(user_id=str(claims["sub"]), name=str(claims.get("name", "")), role=role, org_code=org_code)
    return principal, int(claims["exp"])
