"""All SQL of the rule sets intake has heard of."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.intake.rulesets.models import HeardRuleSet
from shared.data.database import AppSession

_IDS = select(HeardRuleSet.id)
_ALL = select(HeardRuleSet).order_by(HeardRuleSet.year, HeardRuleSet.region, HeardRuleSet.heard_at)


class HeardRuleSetRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def ids(self) -> list[uuid.UUID]:
        """The ids of the versions held: what tells whether a cached catalog is still current."""
        return list((await self.session.scalars(_IDS)).all())

    async def all(self) -> list[HeardRuleSet]:
        return list((await self.session.scalars(_ALL)).all())

    async def find(self, year: int, region: str, version: str) -> HeardRuleSet | None:
        query = select(HeardRuleSet).where(HeardRuleSet.year == year, HeardRuleSet.region == region,
                                           HeardRuleSet.version == version)
        return (await self.session.scalars(query)).first()

    def add(self, heard: HeardRuleSet) -> None:
        self.session.add(heard)
