"""Event handlers of the household view (each also weighs the rules), and its rebuild as a tracked job."""

from __future__ import annotations

from services.ledger.assistance.service import reweigh_household
from services.ledger.households.service import consume, rebuild
from services.ledger.rules.service import income_facts, visit_facts, weigh
from shared.data.database import AppSession
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.envelope import Envelope
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import event_handler, job


@event_handler("household.changed", name="households.household_changed")
async def household_changed(session: AppSession, envelope: Envelope) -> None:
    """Apply a register change; the household's latest visit and income are weighed in its new context."""
    row = await consume(session, envelope)
    await weigh(session, row)


@event_handler("visit.submitted", name="households.visit_submitted")
async def visit_submitted(session: AppSession, envelope: Envelope) -> None:
    """Apply a visit and weigh the rules on it (guarantees, risk, findings…), and the household's plan on its
    labour capacity."""
    row = await consume(session, envelope)
    await weigh(session, row, visit=visit_facts(envelope.read(VisitSubmitted), envelope.id))
    if not row.removed:
        await reweigh_household(session, household=row)


@event_handler("income.assessed", name="households.income_assessed")
async def income_assessed(session: AppSession, envelope: Envelope) -> None:
    """Apply an assessment and weigh the income rules on it."""
    row = await consume(session, envelope)
    await weigh(session, row, income=income_facts(envelope.read(IncomeAssessed), envelope.occurred_at, envelope.id))


@job("households.rebuild", tracked=True, unit="events")
async def rebuild_households(ctx: JobContext) -> dict:
    """Rebuild the household view from scratch by replaying every logged source event in order."""
    async with ctx.transaction("ledger.households.rebuild") as session:
        return await rebuild(session, progress=ctx.progress)
