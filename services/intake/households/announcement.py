"""Announcing households again: ``household.changed`` republished for every household of a scope.

Households registered before intake put the members' blind indexes in its events, or whose events
were pruned, are unknown to the consumers that need them (alerts matches department warnings by those
indexes). Announcing them again, as they stand, fixes that. It is harmless to any consumer: each keeps
the household as the latest event says (ledger, income and alerts order by event time), and the
announcement says nothing that is not already true. ``change`` is ``announced``.

It runs as a tracked job (``households.announce``) in keyset batches, each its own transaction with
one INSERT of its events, so a district of 200,000 households neither holds one long transaction nor
reads them all at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from services.intake.households.models import Household, Member
from shared.data.database import AppSession
from shared.domain.org_codes import OrgPrefix
from shared.events.contracts.intake import HouseholdChanged
from shared.events.outbox import publish_all
from shared.security.auth import Principal

ANNOUNCED = "announced"
BATCH_SIZE = 500


class HouseholdAnnouncementCreate(BaseModel):
    """Announce every household under ``org_prefix`` again (default: your scope)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"org_prefix": "500151108"}]})

    org_prefix: OrgPrefix | None = Field(default=None,
                                         description="district, township or village prefix; default: your scope")


class HouseholdAnnouncementReport(BaseModel):
    """What an announcement did: how many households it announced under which prefix, in how many batches."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"org_prefix": "500151108", "households": 1240,
                                                               "batches": 3}]})

    org_prefix: str
    households: int
    batches: int


async def count_households(session: AppSession, *, prefix: str) -> int:
    query = select(func.count()).select_from(Household).where(Household.org_code.startswith(prefix))
    return (await session.execute(query)).scalar_one()


async def announce_batch(session: AppSession, *, prefix: str, after: uuid.UUID | None,
                         limit: int | None = None) -> tuple[uuid.UUID | None, int]:
    """Announce the next ``limit`` (default ``BATCH_SIZE``) households under ``prefix`` after id ``after`` (keyset order).

    Returns the id of the last one announced (the next batch's ``after``) and how many it announced.
    """
    query = (select(Household).where(Household.org_code.startswith(prefix)).order_by(Household.id)
             .limit(limit or BATCH_SIZE))
    if after is not None:
        query = query.where(Household.id > after)
    households = (await session.scalars(query)).all()
    if not households:
        return after, 0
    members_of: dict[uuid.UUID, list[Member]] = defaultdict(list)
    live = select(Member).where(Member.household_id.in_([h.id for h in households]), Member.removed_at.is_(None))
    for member in (await session.scalars(live)).all():
        members_of[member.household_id].append(member)
    await publish_all(session, [(HouseholdChanged(
        household_id=h.id, household_number=h.household_number, org_code=h.org_code, group_name=h.group_name,
        head_name=h.head_name, household_kinds=h.household_kinds, risk_status=h.risk_status,
        member_count=len(members_of[h.id]), change=ANNOUNCED,
        member_id_indexes=sorted({m.id_number_index for m in members_of[h.id]})), h.org_code) for h in households],
        source="intake")
    return households[-1].id, len(households)


def announcement_prefix(principal: Principal, request: HouseholdAnnouncementCreate) -> str:
    """The prefix to announce: the one asked for, held to the caller's scope (403 outside it)."""
    prefix = request.org_prefix if request.org_prefix is not None else principal.scope_prefix
    principal.require_covers(prefix, "org prefix")
    return prefix
