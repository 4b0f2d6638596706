"""All SQL of rule sets."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from services.income.rulesets.models import RuleSetRecord
from shared.data.database import AppSession

_IDS = select(RuleSetRecord.id)


class RuleSetRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def all(self) -> list[RuleSetRecord]:
        query = select(RuleSetRecord).order_by(RuleSetRecord.year, RuleSetRecord.region, RuleSetRecord.created_at)
        return list((await self.session.scalars(query)).all())

    async def ids(self) -> list[uuid.UUID]:
        """The ids of the stored versions: what tells whether a cached catalog is still current."""
        return list((await self.session.scalars(_IDS)).all())

    async def find(self, year: int, region: str, version: str) -> RuleSetRecord | None:
        query = select(RuleSetRecord).where(
            RuleSetRecord.year == year, RuleSetRecord.region == region, RuleSetRecord.version == version
        )
        return (await self.session.scalars(query)).first()

    async def hold_additions(self) -> None:
        """Make additions to ``rule_sets`` wait until this transaction ends.

        On PostgreSQL a SHARE lock on the table (it waits for additions in progress and blocks new
        ones; readers and other holders are not blocked). SQLite has no table locks, and needs none:
        it runs one writing transaction at a time, and the consumer's inbox row already made this
        one a writer.
        """
        if (await self.session.connection()).dialect.name == "postgresql":
            await self.session.execute(text("LOCK TABLE rule_sets IN SHARE MODE"))

    def add(self, record: RuleSetRecord) -> None:
        self.session.add(record)
