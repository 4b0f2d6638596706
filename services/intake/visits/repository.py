"""Queries on visits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select

from services.intake.visits.models import Visit
from shared.data.database import AppSession
from shared.domain.enums import VerificationMethod


@dataclass(frozen=True)
class LastVisit:
    visited_at: datetime
    income_amounts: dict | None
    gps_latitude: float | None
    gps_longitude: float | None


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


class VisitRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

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
