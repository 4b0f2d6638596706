"""Queries on the deadline registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from services.alerts.deadlines.models import ClosedSubject, Deadline
from shared.data.database import AppSession

OPEN = "open"
MET = "met"
CANCELLED = "cancelled"
PASSED = "passed"  # a campaign phase date gone by: informational, never overdue


@dataclass(frozen=True)
class DeadlineFilter:
    state: str | None = None
    kind: str | None = None
    org: str | None = None
    due_from: date | None = None
    due_to: date | None = None

    def apply(self, query: Select) -> Select:
        if self.state is not None:
            query = query.where(Deadline.state == self.state)
        if self.kind is not None:
            query = query.where(Deadline.kind == self.kind)
        if self.org:
            query = query.where(Deadline.org_code.startswith(self.org))
        if self.due_from is not None:
            query = query.where(Deadline.due_on >= self.due_from)
        if self.due_to is not None:
            query = query.where(Deadline.due_on <= self.due_to)
        return query


class DeadlineRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, key: str, *, for_update: bool = False) -> Deadline | None:
        query = select(Deadline).where(Deadline.key == key)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def page(self, criteria: DeadlineFilter, *, limit: int, offset: int) -> tuple[Sequence[Deadline], int]:
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(Deadline)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Deadline)).order_by(Deadline.due_on, Deadline.key)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    async def units_with_open_until(self, horizon: date) -> list[str]:
        """The org codes that hold an open deadline due on or before ``horizon`` (the scan's fan-out)."""
        query = (select(Deadline.org_code).where(Deadline.state == OPEN, Deadline.due_on <= horizon)
                 .distinct().order_by(Deadline.org_code))
        return list((await self.session.scalars(query)).all())

    async def open_of_unit(self, org_code: str, horizon: date) -> Sequence[Deadline]:
        """The open deadlines of one unit due on or before ``horizon``, locked (a second scan skips them)."""
        query = (select(Deadline).where(Deadline.org_code == org_code, Deadline.state == OPEN,
                                        Deadline.due_on <= horizon)
                 .order_by(Deadline.due_on, Deadline.key).with_for_update(skip_locked=True))
        return (await self.session.scalars(query)).all()

    async def open_of_subject(self, subject_type: str, subject_id: str) -> Sequence[Deadline]:
        """The open deadlines about one record, locked."""
        query = (select(Deadline).where(Deadline.subject_type == subject_type, Deadline.subject_id == subject_id,
                                        Deadline.state == OPEN)
                 .order_by(Deadline.key).with_for_update())
        return (await self.session.scalars(query)).all()

    async def closed_subject(self, subject_type: str, subject_id: str) -> ClosedSubject | None:
        return await self.session.get(ClosedSubject, (subject_type, subject_id))
