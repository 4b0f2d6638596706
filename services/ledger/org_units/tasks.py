"""Event handler of the ledger's org units."""

from __future__ import annotations

from services.ledger.org_units.service import apply_org_unit_changed
from shared.data.database import AppSession
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("org_unit.changed", name="org_units.org_unit_changed")
async def org_unit_changed(session: AppSession, envelope: Envelope) -> None:
    """Keep the unit's name, level and parent as intake announced them."""
    await apply_org_unit_changed(session, envelope)
