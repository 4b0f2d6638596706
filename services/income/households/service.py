"""Known households: what income heard from intake, and the check every declaration passes."""

from __future__ import annotations

import uuid

from services.income.households.models import KnownHousehold
from services.income.households.repository import KnownHouseholdRepository
from shared.data.database import AppSession
from shared.errors import NotFound


async def remember_household(session: AppSession, *, household_id: uuid.UUID, org_code: str,
                             deleted: bool = False) -> None:
    """Record (or forget) a household intake announced, under its org unit."""
    repository = KnownHouseholdRepository(session)
    if deleted:
        await repository.forget(household_id)
    else:
        await repository.remember(household_id, org_code)


async def household_in_scope(session: AppSession, *, household_id: uuid.UUID) -> KnownHousehold:
    """The known household if the caller's scope holds it; otherwise 404, saying nothing of where it is."""
    household = await KnownHouseholdRepository(session).get(household_id)
    if household is None:
        raise NotFound(f"household {household_id} not found")
    return household
