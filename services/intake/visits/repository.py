"""Queries on visits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, cast, func, select, true

from services.intake.households.models import Member
from services.intake.rulesets.models import HeardRuleSet
from services.intake.visits.members import PLANNED_COLUMNS
from services.intake.visits.models import Visit
from shared.data import driver
from shared.data.database import AppSession
from shared.data.driver import NamedRow
from shared.domain.enums import VerificationMethod


@dataclass(frozen=True)
class LastVisit:
    visited_at: datetime
    income_amounts: dict | None
    gps_latitude: float | None
    gps_longitude: float | None


@dataclass(frozen=True)
class SubmissionContext:
    """What a submission reads of a household it has locked, besides the household itself."""

    members: Sequence[NamedRow]  # the live ones, head first: rows of Member's PLANNED_COLUMNS (not objects)
    latest: LastVisit | None  # the household's last visit
    rule_sets_held: list[uuid.UUID] | None  # the ids of the rule-set versions intake holds (None: not read)


# Statements of every visit submission, built once: constructing an expression costs as much as running it.
# The ones by household id run only for a household the caller has already loaded within scope, and
# a visit's org code is its household's, so they skip the scope filter (it costs more than the query).
_BY_ID = select(Visit).where(Visit.id == bindparam("visit_id"))
_LAST = (select(Visit.visited_at, Visit.income_amounts, Visit.gps_latitude, Visit.gps_longitude)
         .where(Visit.household_id == bindparam("household_id")).order_by(Visit.visited_at.desc()).limit(1)
         .execution_options(skip_scope=True))
_LAST_BEFORE = _LAST.where(Visit.visited_at < bindparam("before"))
_LAST_FIX = (select(Visit.gps_latitude, Visit.gps_longitude, Visit.visited_at)
             .where(Visit.household_id == bindparam("household_id"), Visit.gps_latitude.is_not(None))
             .order_by(Visit.visited_at.desc()).limit(1).execution_options(skip_scope=True))
# A submission's reads after the household's lock, in one round trip (each statement costs a visit about
# as much CPU as its own work): the live members, each row joined to the household's last visit (a
# one-row derived table, so it is looked up once) and to the ids of the rule-set versions held, in
# one string (what tells whether a process's screening catalog is current). Members
# read after the lock include what a visit that held it added (see ``HouseholdRepository.lock``); like
# the queries above, it runs only for a household already loaded within scope. The members are read
# as columns, not objects, for the reason the household is (a visit that changes them loads them), and
# only the columns a plan reads.
_MEMBERS = Member.__table__
_LAST_VISIT = _LAST.subquery("last_visit")
_HELD = (select(func.aggregate_strings(cast(HeardRuleSet.id, String), ",")).scalar_subquery()
         .label("rule_sets_held"))
_MEMBERS_AND_CONTEXT = (
    select(*(_MEMBERS.c[name] for name in PLANNED_COLUMNS), _LAST_VISIT.c.visited_at, _LAST_VISIT.c.income_amounts,
           _LAST_VISIT.c.gps_latitude, _LAST_VISIT.c.gps_longitude, _HELD)
    .outerjoin(_LAST_VISIT, true())
    .where(_MEMBERS.c.household_id == bindparam("household_id"), _MEMBERS.c.removed_at.is_(None))
    .order_by(_MEMBERS.c.relation != "head", _MEMBERS.c.created_at, _MEMBERS.c.id))
_CONTEXT_COLUMNS = len(PLANNED_COLUMNS)


class VisitRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def submission_context(self, household_id: uuid.UUID) -> SubmissionContext:
        """The live members (head first), the last visit and the rule-set versions held, of a household the
        caller has locked within its scope."""
        rows = await driver.fetch_rows(self.session, _MEMBERS_AND_CONTEXT, {"household_id": household_id})
        if not rows:  # no live member to carry the rest: read the last visit on its own
            return SubmissionContext(members=[], latest=await self.last_before(household_id), rule_sets_held=None)
        visited_at, amounts, latitude, longitude, held = rows[0][_CONTEXT_COLUMNS:]
        latest = None if visited_at is None else LastVisit(visited_at, amounts, latitude, longitude)
        return SubmissionContext(members=rows, latest=latest,
                                 rule_sets_held=[uuid.UUID(text) for text in held.split(",")] if held else [])

    async def get(self, visit_id: uuid.UUID) -> Visit | None:
        return (await self.session.scalars(_BY_ID, {"visit_id": visit_id})).first()

    async def get_anywhere(self, visit_id: uuid.UUID) -> Visit | None:
        """A visit whatever the caller's scope: only to tell a reused visit id from a new one."""
        return (await self.session.scalars(_BY_ID.execution_options(skip_scope=True), {"visit_id": visit_id})).first()

    async def last_before(self, household_id: uuid.UUID, before: datetime | None = None) -> LastVisit | None:
        """The household's last visit, or its last one before ``before`` (its time, amounts and fix).

        Only for a household already loaded within the caller's scope (the query itself is not scoped).
        """
        if before is None:
            row = (await self.session.execute(_LAST, {"household_id": household_id})).first()
        else:
            row = (await self.session.execute(_LAST_BEFORE, {"household_id": household_id, "before": before})).first()
        return None if row is None else LastVisit(*row)

    async def last_home_visit_fix(self, household_id: uuid.UUID) -> tuple[float, float, datetime] | None:
        """The fix of the household's last home visit; as for :meth:`last_before`, the household is in scope."""
        row = (await self.session.execute(_LAST_FIX, {"household_id": household_id})).first()
        return None if row is None else (row[0], row[1], row[2])

    async def page(self, *, household_id: uuid.UUID | None, village: str | None, method: VerificationMethod | None,
                   limit: int, offset: int) -> tuple[Sequence[Visit], int]:
        conditions = []
        if household_id is not None:
            conditions.append(Visit.household_id == household_id)
        if village is not None:
            conditions.append(Visit.org_code == village)
        if method is not None:
            conditions.append(Visit.method == method.value)
        total = (await self.session.execute(select(func.count()).select_from(Visit).where(*conditions))).scalar_one()
        rows = await self.session.scalars(select(Visit).where(*conditions)
                                          .order_by(Visit.visited_at.desc(), Visit.id).limit(limit).offset(offset))
        return rows.all(), total
