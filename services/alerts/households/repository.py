"""Queries on known households and members' blind indexes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from services.alerts.households.models import KnownHousehold, MemberIndex
from shared.data.database import AppSession


class HouseholdIndexRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def household(self, household_id: uuid.UUID) -> KnownHousehold | None:
        query = select(KnownHousehold).where(KnownHousehold.household_id == household_id)
        return (await self.session.scalars(query)).first()

    async def indexes_of(self, household_id: uuid.UUID) -> Sequence[MemberIndex]:
        return (await self.session.scalars(select(MemberIndex).where(MemberIndex.household_id == household_id))).all()

    async def by_indexes(self, indexes: Iterable[str]) -> dict[str, MemberIndex]:
        wanted = list(set(indexes))
        if not wanted:
            return {}
        rows = await self.session.scalars(select(MemberIndex).where(MemberIndex.id_number_index.in_(wanted)))
        return {row.id_number_index: row for row in rows}
