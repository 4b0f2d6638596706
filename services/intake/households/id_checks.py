"""Looking ID numbers up in the register (身份证号码查重): limited per user and audited, never the number.

Whether a number is already registered anywhere in the deployment is something a caller learns
from a 409, an import's rejected row or a list filtered by number; where it is registered only when
that household is inside the caller's own scope. Each request that looks numbers up takes one token
per number from the caller's bucket and writes an audit entry (``id_number_check``: who, how many,
by which route) in a transaction of its own, so the entry stays even when the request then fails.

The buckets are held in the process, one set per service runtime: each API replica and each
worker limits on its own, so a deployment of N replicas allows a user up to N times the rate.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.intake.settings import IntakeSettings, Settings, get_intake_settings
from shared.data.database import Database
from shared.errors import TooManyRequests
from shared.runtime.dependencies import Runtime, get_principal
from shared.security.audit import audit_entry
from shared.security.auth import Principal
from shared.security.ratelimit import TokenBuckets, retry_after_seconds

ACTION = "id_number_check"
_BUCKETS: weakref.WeakKeyDictionary[Database, TokenBuckets] = weakref.WeakKeyDictionary()


def _buckets(db: Database) -> TokenBuckets:
    buckets = _BUCKETS.get(db)
    if buckets is None:
        buckets = _BUCKETS[db] = TokenBuckets()
    return buckets


def take_lookups(db: Database, *, principal: Principal, count: int, bulk: bool,
                 settings: IntakeSettings | None = None) -> None:
    """Take ``count`` lookups from the caller's allowance (requests, or imports when ``bulk``); 429 when spent."""
    settings = settings or get_intake_settings()
    if bulk:
        key, limit, per_second = f"import:{principal.user_id}", settings.import_id_number_lookups_per_day, 86400
        allowance = f"{limit} ID numbers a day in imports"
    else:
        key, limit, per_second = f"request:{principal.user_id}", settings.id_number_lookups_per_minute, 60
        allowance = f"{limit} ID-number lookups a minute"
    wait = _buckets(db).take(key, count, capacity=limit, per_second=limit / per_second)
    if wait:
        retry_after = retry_after_seconds(wait)
        raise TooManyRequests(f"too many ID numbers looked up: each user may look up {allowance}; "
                              f"retry in {retry_after} s", retry_after=retry_after)


async def audit_lookups(db: Database, *, principal: Principal, count: int, via: str, request_id: str | None,
                        **details: object) -> None:
    """The audit entry of ``count`` ID numbers looked up, committed on its own (the numbers are not in it)."""
    async with db.transaction(principal, request_id=request_id) as session:
        session.add(audit_entry(session, principal, action=ACTION, entity="id_numbers", entity_id=via,
                                org_code=principal.org_code, changes={"id_numbers": count, "via": via, **details}))


@dataclass
class IdNumberLookups:
    """A route's admission of the ID numbers its request will look up."""

    db: Database
    principal: Principal
    settings: IntakeSettings
    request_id: str | None

    async def admit(self, count: int, *, via: str) -> None:
        """Limit and audit ``count`` lookups before the request's own transaction reads anything."""
        if count <= 0:
            return
        take_lookups(self.db, principal=self.principal, count=count, bulk=False, settings=self.settings)
        await audit_lookups(self.db, principal=self.principal, count=count, via=via, request_id=self.request_id)


async def _id_number_lookups(request: Request, runtime: Runtime,
                             principal: Annotated[Principal, Depends(get_principal)],
                             settings: Settings) -> IdNumberLookups:
    return IdNumberLookups(runtime.db, principal, settings, getattr(request.state, "request_id", None))


# The route dependency (its roles come from the route's caller parameter, as ever).
Lookups = Annotated[IdNumberLookups, Depends(_id_number_lookups)]
