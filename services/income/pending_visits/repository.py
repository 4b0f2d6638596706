"""All SQL of pending visits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select, tuple_

from services.income.pending_visits.models import PendingVisit
from shared.data.database import AppSession

_ORDER = (PendingVisit.visited_at, PendingVisit.visit_id)


class PendingVisitRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, visit_id: uuid.UUID) -> PendingVisit | None:
        return await self.session.get(PendingVisit, visit_id)

    def add(self, pending: PendingVisit) -> None:
        self.session.add(pending)

    async def covered_by(self, *, region: str, starts_on: date, ends_on: date,
                         after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[PendingVisit]:
        """The next pending visits under ``region`` dated in [starts_on, ends_on], in visit order."""
        query = select(PendingVisit).where(PendingVisit.org_code.startswith(region, autoescape=True),
                                           PendingVisit.visited_on.between(starts_on, ends_on))
        if after is not None:
            query = query.where(tuple_(*_ORDER) > tuple_(*after))
        return list((await self.session.scalars(query.order_by(*_ORDER).limit(limit))).all())

    async def remove(self, pending: Iterable[PendingVisit]) -> None:
        """Delete visits that no longer wait (audited like any deletion)."""
        for row in pending:
            await self.session.delete(row)

    async def page(self, *, limit: int, offset: int) -> tuple[list[PendingVisit], int]:
        query = select(PendingVisit).order_by(*_ORDER).limit(limit).offset(offset)
        items = list((await self.session.scalars(query)).all())
        total = await self.session.scalar(select(func.count()).select_from(PendingVisit))
        return items, total or 0
