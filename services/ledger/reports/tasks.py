"""Event handlers of the reports: the warnings alerts announces, as received and as checked."""

from __future__ import annotations

from services.ledger.reports import warnings
from shared.data.database import AppSession
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("warning.received", name="reports.warning_received")
async def warning_received(session: AppSession, envelope: Envelope) -> None:
    """A department warning came in: counted as received from the day it was received."""
    await warnings.received(session, envelope)


@event_handler("warning.checked", name="reports.warning_checked")
async def warning_checked(session: AppSession, envelope: Envelope) -> None:
    """A warning's household check: on time or late, and now placed in the household's village."""
    await warnings.checked(session, envelope)
