"""Queries on the household view and the source-event log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import delete, func, select, tuple_

from services.ledger.households.models import LedgerHousehold, LedgerSourceEvent
from shared.data.database import AppSession


class HouseholdViewRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID) -> LedgerHousehold | None:
        return (await self.session.scalars(
            select(LedgerHousehold).where(LedgerHousehold.household_id == household_id))).first()

    async def get_for_update(self, household_id: uuid.UUID) -> LedgerHousehold | None:
        """The row, locked: the events of one household apply one at a time."""
        return (await self.session.scalars(
            select(LedgerHousehold).where(LedgerHousehold.household_id == household_id).with_for_update())).first()

    async def page(self, *, org: str | None, limit: int, offset: int) -> tuple[Sequence[LedgerHousehold], int]:
        query = select(LedgerHousehold)
        counted = select(func.count()).select_from(LedgerHousehold)
        if org:
            query = query.where(LedgerHousehold.org_code.startswith(org))
            counted = counted.where(LedgerHousehold.org_code.startswith(org))
        total = (await self.session.execute(counted)).scalar_one()
        rows = await self.session.scalars(query.order_by(LedgerHousehold.org_code, LedgerHousehold.household_number)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    async def delete_all(self) -> int:
        result = await self.session.execute(delete(LedgerHousehold).execution_options(synchronize_session=False))
        return result.rowcount or 0


class SourceEventRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    def add(self, row: LedgerSourceEvent) -> None:
        self.session.add(row)

    async def exists(self, event_id: uuid.UUID) -> bool:
        return await self.session.get(LedgerSourceEvent, event_id) is not None

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(LedgerSourceEvent))).scalar_one()

    async def in_order(self, *, chunk: int = 1000) -> AsyncIterator[LedgerSourceEvent]:
        """Every source event in order of occurrence (then id), read a chunk at a time."""
        after: tuple | None = None
        while True:
            query = select(LedgerSourceEvent).order_by(LedgerSourceEvent.occurred_at, LedgerSourceEvent.event_id)
            if after is not None:
                query = query.where(tuple_(LedgerSourceEvent.occurred_at, LedgerSourceEvent.event_id) > tuple_(*after))
            rows = (await self.session.scalars(query.limit(chunk))).all()
            if not rows:
                return
            for row in rows:
                yield row
            after = (rows[-1].occurred_at, rows[-1].event_id)
