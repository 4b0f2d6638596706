"""Alerts learns households and their members' blind indexes from intake, then matches waiting warnings."""

from __future__ import annotations

from services.alerts.households import service
from services.alerts.warnings.service import match_waiting
from shared.data.database import AppSession
from shared.events.contracts.intake import HouseholdChanged
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("household.changed", name="households.learn")
async def household_changed(session: AppSession, envelope: Envelope) -> None:
    """Keep the household's blind indexes; a warning waiting for one of them is matched now."""
    indexes = await service.learn(session, envelope.read(HouseholdChanged), as_of=envelope.occurred_at)
    if indexes:
        await match_waiting(session, indexes=indexes)
