"""Short-lived signed links to the progress page, so a browser can open it without a bearer header.

An authenticated ``POST /ledger/reports/progress/page-link`` answers a URL valid for
:data:`PAGE_LINK_MINUTES`, bound to the caller (id, name, role, org) and to the one unit and campaign
it shows. The signature is an HMAC-SHA256 under a key derived from the deployment's JWT secret for
this purpose alone, so the link is good for nothing else: not an API token, read-only, one page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from shared.domain.clock import clock
from shared.domain.enums import Role
from shared.errors import NotAuthenticated
from shared.runtime.settings import PlatformSettings
from shared.security.auth import Principal

PAGE_LINK_MINUTES = 10
PURPOSE = b"fangfan.ledger.reports.progress-page"


def _key(settings: PlatformSettings) -> bytes:
    return hmac.new(settings.jwt_secret.get_secret_value().encode("utf-8"), PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: PlatformSettings, principal: Principal, *, org: str, campaign: str | None
         ) -> tuple[str, datetime]:
    """The link's value and when it stops working."""
    expires = clock.now() + timedelta(minutes=PAGE_LINK_MINUTES)
    claims = {"sub": principal.user_id, "name": principal.name, "role": principal.role.value if principal.role
              else None, "org": principal.org_code, "unit": org, "campaign": campaign,
              "exp": int(expires.timestamp())}
    body = _b64(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    signature = _b64(hmac.new(_key(settings), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{signature}", expires


def verify(settings: PlatformSettings, value: str) -> tuple[Principal, str, str | None]:
    """The caller, unit and campaign a link was made for; 401 when forged, damaged or expired."""
    try:
        body, signature = value.split(".", 1)
        expected = _b64(hmac.new(_key(settings), body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            raise ValueError("signature")
        claims = json.loads(_unb64(body))
        role = Role(claims["role"])
        expires = float(claims["exp"])
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise NotAuthenticated("the page link is not valid; ask for a new one") from None
    if clock.now().timestamp() > expires:
        raise NotAuthenticated("the page link has expired; ask for a new one")
    principal = Principal(user_id=claims["sub"], name=claims["name"], role=role, org_code=claims["org"])
    return principal, claims["unit"], claims.get("campaign")
