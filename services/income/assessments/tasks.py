"""Event handlers of assessments: ``visit.submitted`` becomes a stored assessment (or a pending visit), once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.income.assessments import service
from services.income.households.service import remember_household
from services.income.pending_visits.service import keep
from shared.data.database import AppSession
from shared.events.consumer import TransientError
from shared.events.contracts.intake import VisitSubmitted
from shared.events.envelope import Envelope
from shared.runtime.tasks import event_handler


@event_handler("visit.submitted", name="assess_visit")
async def assess_visit(session: AppSession, envelope: Envelope) -> None:
    """Assess the visit's income section and publish ``income.assessed``.

    The inbox makes a second delivery a no-op; the unique source visit id makes even a delivery the
    inbox lost track of find the first assessment. Another writer taking the household's latest
    assessment at the same moment trips the one-latest-row index: that is worth a retry, which then
    sees the other row. A visit no rule set covers yet is kept pending, to be assessed when a
    covering version is published.
    """
    visit = envelope.read(VisitSubmitted)
    # The visited household is real and where intake says: a declaration may name it from now on.
    await remember_household(session, household_id=visit.household_id, org_code=visit.org_code)
    try:
        if await service.assess_visit(session, visit=visit) is None:
            await keep(session, visit=visit)
    except IntegrityError as exc:
        raise TransientError(f"concurrent assessment of household {visit.household_id}: {exc.orig}") from exc

