"""Matching a received warning happens here, in the worker, not in the webhook's request."""

from __future__ import annotations

from services.alerts.warnings import service
from shared.data.database import AppSession
from shared.events.contracts.alerts import WarningReceived
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("warning.received", name="warnings.match")
async def warning_received(session: AppSession, envelope: Envelope) -> None:
    """Match a stored warning to its household and schedule its check."""
    await service.match_received(session, warning_id=envelope.read(WarningReceived).warning_id)
