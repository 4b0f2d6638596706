"""Visits no rule set covered yet: kept, then assessed when a covering version is published.

Assessing them runs in the ``ruleset.published`` handler's transaction, a batch at a time
(:data:`BATCH_SIZE` visits in visit order, keyset-paged, one INSERT of their ``income.assessed``
events per batch, the session emptied between batches), so memory and statements stay bounded
however many visits waited. A visit whose figures cannot be computed (a household of no
member-months) stays, with the reason, for someone to look at; it does not hold up the others.
"""

from __future__ import annotations

import structlog

from services.income.assessments.service import assess_waiting_visits
from services.income.pending_visits.models import PendingVisit
from services.income.pending_visits.repository import PendingVisitRepository
from services.income.pending_visits.schemas import PendingVisitPage, PendingVisitRead
from services.income.rulesets.service import load_catalog
from shared.data.database import AppSession
from shared.domain.clock import shanghai_date
from shared.domain.rulesets import RuleSet, RuleSetCatalog
from shared.events.contracts.intake import VisitSubmitted

log = structlog.get_logger(__name__)

BATCH_SIZE = 1000


async def keep(session: AppSession, *, visit: VisitSubmitted) -> PendingVisit:
    """Keep a visit no rule set covers until one does (once per visit, however often it arrives)."""
    repository = PendingVisitRepository(session)
    held = await repository.get(visit.visit_id)
    if held is not None:
        return held
    day = shanghai_date(visit.visited_at)
    pending = PendingVisit(visit_id=visit.visit_id, household_id=visit.household_id, org_code=visit.org_code,
                           visited_at=visit.visited_at, visited_on=day, visit=visit.model_dump(mode="json"),
                           reason=f"no rule set covering org code {visit.org_code} has an income year containing "
                                  f"{day}")
    repository.add(pending)
    await session.flush()
    log.info("visit_pending", visit_id=str(visit.visit_id), visited_on=str(day), org_code=visit.org_code)
    return pending


async def assess_covered(session: AppSession, *, ruleset: RuleSet) -> int:
    """Assess every pending visit whose date and region ``ruleset`` covers; returns how many were assessed."""
    repository = PendingVisitRepository(session)
    catalog = await load_catalog(session)
    assessed, after = 0, None
    while True:
        batch = await repository.covered_by(region=ruleset.region, starts_on=ruleset.income_year_start,
                                            ends_on=ruleset.income_year_end, after=after, limit=BATCH_SIZE)
        if not batch:
            break
        after = (batch[-1].visited_at, batch[-1].visit_id)
        assessed += await _assess_batch(session, repository, batch, catalog)
        session.expunge_all()  # flushed: nothing of this batch is needed again
        if len(batch) < BATCH_SIZE:
            break
    log.info("pending_visits_assessed", year=ruleset.year, region=ruleset.region, version=ruleset.version,
             assessed=assessed)
    return assessed


async def _assess_batch(session: AppSession, repository: PendingVisitRepository, batch: list[PendingVisit],
                        catalog: RuleSetCatalog) -> int:
    visits = [VisitSubmitted.model_validate(row.visit) for row in batch]
    placed, unassessable = await assess_waiting_visits(session, visits=visits, catalog=catalog)
    for row in batch:
        if row.visit_id in unassessable:
            row.reason = f"covered now, but cannot be assessed: {unassessable[row.visit_id]}"
    await repository.remove(row for row in batch if row.visit_id in placed)
    await session.flush()
    return len(placed)


async def list_pending(session: AppSession, *, limit: int, offset: int) -> PendingVisitPage:
    items, total = await PendingVisitRepository(session).page(limit=limit, offset=offset)
    return PendingVisitPage(items=[PendingVisitRead.model_validate(row) for row in items], total=total,
                            limit=limit, offset=offset)

