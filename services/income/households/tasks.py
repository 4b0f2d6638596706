"""Event handlers of known households: intake's ``household.changed`` tells income which households exist."""

from __future__ import annotations

from services.income.households.service import remember_household
from shared.data.database import AppSession
from shared.events.contracts.intake import HouseholdChanged
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("household.changed", name="remember_household")
async def remember(session: AppSession, envelope: Envelope) -> None:
    """Keep the household's org unit; any order of delivery ends with the org code intake holds."""
    household = envelope.read(HouseholdChanged)
    await remember_household(session, household_id=household.household_id, org_code=household.org_code,
                             deleted=household.change == "deleted")
