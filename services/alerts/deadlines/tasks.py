"""The registry hears every service's ``deadline.scheduled`` and ``deadline.met``, the ledger's campaigns and
the closing of its cases."""

from __future__ import annotations

from services.alerts.deadlines import service
from shared.data.database import AppSession
from shared.events.contracts.ledger import (
    CampaignChanged,
    CaseClosed,
    DeadlineMet,
    DeadlineScheduled,
)
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("deadline.scheduled", name="deadlines.scheduled")
async def deadline_scheduled(session: AppSession, envelope: Envelope) -> None:
    """Set or move a deadline in the registry."""
    event = envelope.read(DeadlineScheduled)
    await service.schedule(session, key=event.key, kind=event.kind, subject_type=event.subject.type,
                           subject_id=str(event.subject.id), org_code=event.org_code, due=event.due,
                           source=envelope.source, basis=event.basis, rule_code=event.rule_code,
                           as_of=envelope.occurred_at, unit=event.unit, amount=event.amount,
                           counted_from=event.counted_from)


@event_handler("deadline.met", name="deadlines.met")
async def deadline_met(session: AppSession, envelope: Envelope) -> None:
    """Record a deadline met, or met late."""
    event = envelope.read(DeadlineMet)
    await service.record_met(session, key=event.key, met_on=event.met_on, late=event.late,
                             as_of=envelope.occurred_at, org_code=envelope.org_code, source=envelope.source)


@event_handler("campaign.changed", name="deadlines.campaign")
async def campaign_changed(session: AppSession, envelope: Envelope) -> None:
    """Keep the campaign's phase dates as deadlines of the registry."""
    await service.apply_campaign(session, event=envelope.read(CampaignChanged), as_of=envelope.occurred_at,
                                 source=envelope.source)


@event_handler("case.closed", name="deadlines.case_closed")
async def case_closed(session: AppSession, envelope: Envelope) -> None:
    """A case ended without approval: its deadlines still open are cancelled, not overdue for ever."""
    event = envelope.read(CaseClosed)
    await service.close_subject(session, subject_type="case", subject_id=str(event.case_id), outcome=event.outcome,
                                closed_on=event.closed_on, org_code=event.org_code, as_of=envelope.occurred_at)
