"""Bearer JWTs: who the caller is, what role they hold and which org-code prefix they may see."""

from __future__ import annotations

import math
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

    def require_covers(self, org_code: str, what: str = "org unit") -> None:
        """Refuse (403) an org code or prefix outside the caller's scope, naming it and the scope."""
        if not self.covers(org_code):
            raise Forbidden(f"{what} {org_code} is outside your scope ({self.scope_prefix})")

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
    """Refuse (``ValueError``) an org code that is not a real code of the role's level."""
    if not is_org_code(org_code):
        raise ValueError("org code must be 12 ASCII digits (统计用区划代码)")
    level = org_level(org_code)
    if level not in ROLE_LEVELS[role]:
        raise ValueError(f"role {role.value} is issued at {'/'.join(sorted(ROLE_LEVELS[role]))} level, not {level}")
    # Each level's own digits must name a unit: 000000 is no district, 000 within a village code no township.
    prefix = org_prefix(org_code)
    if prefix[:6] == "000000" or (level == "village" and prefix[6:9] == "000"):
        raise ValueError(f"org code {org_code} names no real {level}")


# What a token may claim: bounded so that no claim can break the writes that record it.
MAX_CLAIM_LENGTH = 120
# How far a token's issue time may lie ahead of this server's clock.
IAT_LEEWAY_SECONDS = 60


def validate_identity(user_id: object, name: object) -> None:
    """Refuse (``ValueError``) a user id or name that is not a short string (``sub`` is also required)."""
    for claim, value, required in (("sub", user_id, True), ("name", name, False)):
        if not isinstance(value, str) or (required and not value.strip()):
            raise ValueError(f"{claim} must be a{' non-empty' if required else ''} string")
        if len(value) > MAX_CLAIM_LENGTH:
            raise ValueError(f"{claim} must be at most {MAX_CLAIM_LENGTH} characters")


def validate_lifetime(issued_at: int, expires_at: int, max_lifetime: timedelta) -> None:
    """Refuse (``ValueError``) a token meant to live longer than the deployment allows."""
    if expires_at - issued_at > max_lifetime.total_seconds():
        hours = max_lifetime.total_seconds() / 3600
        raise ValueError(f"token lifetime (exp - iat) is over the maximum of {hours:g} hours")


def issue_token(
    settings: PlatformSettings,
    *,
    name: str,
    role: Role,
    org_code: str,
    user_id: str | None = None,
    ttl: timedelta | None = None,
) -> str:
    """A signed token; ``ValueError`` names the claim that ``decode_token`` would refuse."""
    validate_org_for_role(role, org_code)
    user_id = user_id or f"user-{uuid.uuid4().hex[:12]}"
    validate_identity(user_id, name)
    now = int(clock.now().timestamp())
    expires_at = now + int((ttl or timedelta(minutes=settings.jwt_ttl_minutes)).total_seconds())
    validate_lifetime(now, expires_at, settings.jwt_max_lifetime)
    claims = {"sub": user_id, "name": name, "role": role.value, "org": org_code, "iss": settings.jwt_issuer,
              "iat": now, "exp": expires_at}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


LEEWAY_SECONDS = 30


def decode_token(settings: PlatformSettings, token: str) -> Principal:
    """The caller a token names; ``NotAuthenticated`` (401) says why a token is refused."""
    principal, issued_at, expires_at = _verified(token, settings.jwt_secret.get_secret_value(),
                                                 settings.jwt_issuer, settings.jwt_max_lifetime)
    # The signature and claims are checked once per token (cached below); the times on every request.
    now = clock.now().timestamp()
    if now > expires_at + LEEWAY_SECONDS:
        raise NotAuthenticated("token expired")
    if issued_at > now + IAT_LEEWAY_SECONDS:
        raise NotAuthenticated("invalid token claims: iat (issued at) is in the future")
    return principal


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str, issuer: str, max_lifetime: timedelta) -> tuple[Principal, int, int]:
    """The principal a token names, its issue time and expiry, once its signature and claims check out."""
    try:
        # Times are checked against the service clock in decode_token, not here against the wall clock.
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer,
                            options={"require": ["sub", "exp", "iat"], "verify_iat": False, "verify_exp": False})
    except jwt.PyJWTError as exc:
        raise NotAuthenticated(f"invalid token: {exc}") from exc
    try:
        role = Role(claims.get("role"))
        org_code = claims.get("org")
        if not isinstance(org_code, str):
            raise ValueError("org must be a string of 12 ASCII digits")
        validate_org_for_role(role, org_code)
        validate_identity(claims["sub"], claims.get("name", ""))
        issued_at, expires_at = claims["iat"], claims["exp"]
        if not all(isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t)
                   for t in (issued_at, expires_at)):
            raise ValueError("iat and exp must be numbers of seconds")
        validate_lifetime(issued_at, expires_at, max_lifetime)
    except ValueError as exc:
        raise NotAuthenticated(f"invalid token claims: {exc}") from exc
    principal = Principal(user_id=claims["sub"], name=claims.get("name", ""), role=role, org_code=org_code)
    return principal, issued_at, expires_at
