"""The platform's background work in every service: bus probes and the pruning of outbox and inbox."""

from __future__ import annotations

from shared.data.database import AppSession
from shared.data.platform_tables import ProbeReceipt
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("platform.probe", name="platform.record_probe")
async def record_probe(session: AppSession, envelope: Envelope) -> None:
    """Record that this service received an operator's probe of the event path."""
    probe = envelope.read(BusProbe)
    session.add(ProbeReceipt(event_id=envelope.id, origin=probe.origin, received_by=session.info["service"],
                             org_code=envelope.org_code))
