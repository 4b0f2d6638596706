"""All SQL of known households."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from services.income.households.models import KnownHousehold
from shared.data.database import AppSession
from shared.domain.clock import clock

TABLE = KnownHousehold.__table__


class KnownHouseholdRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID) -> KnownHousehold | None:
        """The household, if the caller's scope holds it (the session's scope applies)."""
        query = select(KnownHousehold).where(KnownHousehold.household_id == household_id)
        return (await self.session.scalars(query)).first()

    async def remember(self, household_id: uuid.UUID, org_code: str) -> None:
        """Insert or update the household's org code in one statement, whichever event comes first.

        A plain statement, not a flushed object: what intake announced is no change of income's to audit.
        """
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(TABLE).values(household_id=household_id, org_code=org_code, heard_at=clock.now())
        statement = statement.on_conflict_do_update(
            index_elements=[TABLE.c.household_id],
            set_={"org_code": statement.excluded.org_code, "heard_at": statement.excluded.heard_at})
        await self.session.execute(statement)

    async def forget(self, household_id: uuid.UUID) -> None:
        await self.session.execute(TABLE.delete().where(TABLE.c.household_id == household_id))
