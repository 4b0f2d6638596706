"""Aggregate queries behind the coverage report: one grouped query per figure, not one per household."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select

from services.intake.households.models import Household
from services.intake.visits.models import Visit
from shared.data.column_types import contains_code
from shared.data.database import AppSession
from shared.domain.enums import HouseholdKind, KeyTargetGroup, VerificationMethod


def key_target_condition():
    """A household with any of the 10 key-target groups on record, or a monitoring object."""
    groups = Household.key_target_groups
    has_group = and_(groups != "", groups != f",{KeyTargetGroup.NONE.value},")
    return or_(has_group, contains_code(Household.household_kinds, HouseholdKind.MONITORED))


class CoverageRepository:
    def __init__(self, session: AppSession, *, prefix: str, since: datetime) -> None:
        self.session = session
        self.prefix = prefix
        self.since = since

    def _visited(self, *conditions):
        return exists().where(Visit.household_id == Household.id, Visit.visited_at >= self.since, *conditions)

    async def _per_village(self, *conditions) -> dict[str, int]:
        query = (select(Household.org_code, func.count()).where(Household.org_code.startswith(self.prefix), *conditions)
                 .group_by(Household.org_code))
        return {org: count for org, count in (await self.session.execute(query)).all()}

    async def households(self) -> dict[str, int]:
        return await self._per_village()

    async def visited(self) -> dict[str, int]:
        return await self._per_village(self._visited())

    async def visited_by(self, method: VerificationMethod) -> dict[str, int]:
        return await self._per_village(self._visited(Visit.method == method.value))

    async def key_target(self) -> dict[str, int]:
        return await self._per_village(key_target_condition())

    async def key_target_in_person(self) -> dict[str, int]:
        return await self._per_village(key_target_condition(),
                                       self._visited(Visit.method == VerificationMethod.HOME_VISIT.value))

    async def unvisited(self, village: str, limit: int) -> Sequence[Household]:
        query = (select(Household).where(Household.org_code == village, ~self._visited())
                 .order_by(Household.household_number).limit(limit))
        return (await self.session.scalars(query)).all()
