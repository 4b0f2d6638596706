"""Queries on department warnings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from services.alerts.warnings.models import DepartmentWarning
from shared.data.database import AppSession

UNMATCHED = "unmatched"
AWAITING_CHECK = "awaiting_check"
GROUPED = "grouped"
CHECKED = ("no_risk", "risk_found")


@dataclass(frozen=True)
class WarningFilter:
    state: str | None = None
    signal_type: str | None = None
    household_id: uuid.UUID | None = None
    department_code: str | None = None
    received_from: date | None = None
    received_to: date | None = None

    def apply(self, query: Select) -> Select:
        for column, value in ((DepartmentWarning.state, self.state), (DepartmentWarning.signal_type, self.signal_type),
                              (DepartmentWarning.household_id, self.household_id),
                              (DepartmentWarning.department_code, self.department_code)):
            if value is not None:
                query = query.where(column == value)
        if self.received_from is not None:
            query = query.where(DepartmentWarning.received_on >= self.received_from)
        if self.received_to is not None:
            query = query.where(DepartmentWarning.received_on <= self.received_to)
        return query


class WarningRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, warning_id: uuid.UUID, *, for_update: bool = False) -> DepartmentWarning | None:
        query = select(DepartmentWarning).where(DepartmentWarning.id == warning_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def stored_external_ids(self, department_id: uuid.UUID, external_ids: Iterable[str]) -> set[str]:
        wanted = list(set(external_ids))
        if not wanted:
            return set()
        query = select(DepartmentWarning.external_id).where(DepartmentWarning.department_id == department_id,
                                                            DepartmentWarning.external_id.in_(wanted))
        return set((await self.session.scalars(query)).all())

    async def unmatched_with(self, indexes: Iterable[str]) -> Sequence[DepartmentWarning]:
        query = (select(DepartmentWarning).where(DepartmentWarning.state == UNMATCHED,
                                                 DepartmentWarning.id_number_index.in_(list(indexes)))
                 .order_by(DepartmentWarning.received_at).with_for_update())
        return (await self.session.scalars(query)).all()

    async def group_head(self, warning: DepartmentWarning, since: date) -> DepartmentWarning | None:
        """The earliest ungrouped warning of the same household and signal received since ``since``."""
        query = (select(DepartmentWarning)
                 .where(DepartmentWarning.household_id == warning.household_id,
                        DepartmentWarning.signal_type == warning.signal_type,
                        DepartmentWarning.id != warning.id,
                        DepartmentWarning.state.in_((AWAITING_CHECK, *CHECKED)),
                        DepartmentWarning.received_on >= since,
                        DepartmentWarning.received_on <= warning.received_on)
                 .order_by(DepartmentWarning.received_at).limit(1))
        return (await self.session.scalars(query)).first()

    async def page(self, criteria: WarningFilter, *, limit: int, offset: int
                   ) -> tuple[Sequence[DepartmentWarning], int]:
        total = (await self.session.execute(
            criteria.apply(select(func.count()).select_from(DepartmentWarning)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(DepartmentWarning))
                                          .order_by(DepartmentWarning.received_at.desc(), DepartmentWarning.id)
                                          .limit(limit).offset(offset))
        return rows.all(), total
