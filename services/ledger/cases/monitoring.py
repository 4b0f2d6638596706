"""The household's monitoring status follows from its cases: the one place that says how.

A closed case decides the status by its outcome: ``identified`` makes the household an unresolved
monitoring object (监测户（未消除风险）), ``eliminated`` a resolved one (监测户（已消除风险）), and
``rolled_back`` (风险消除回退) an unresolved one again; ``rejected`` and ``withdrawn`` leave it as it was.
The ledger keeps the latest decision per household from the ``case.closed`` events it publishes and
consumes itself; the 农户类型 of its problems and of its household view reads it before the register's
风险状态, since these cases are the procedure that decides the status.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.ledger.cases.models import HouseholdMonitoring
from services.ledger.cases.repository import MonitoringRepository
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.enums import LedgerHouseholdCategory
from shared.events.contracts.ledger import CaseClosed

STATUS_AFTER: dict[str, LedgerHouseholdCategory] = {
    "identified": LedgerHouseholdCategory.MONITORED_UNRESOLVED,
    "eliminated": LedgerHouseholdCategory.MONITORED_RESOLVED,
    "rolled_back": LedgerHouseholdCategory.MONITORED_UNRESOLVED,
}


async def follow(session: AppSession, closed: CaseClosed, *, occurred_at: datetime) -> HouseholdMonitoring | None:
    """Apply one ``case.closed`` to the household's status; an older decision than the one held changes nothing."""
    category = STATUS_AFTER.get(closed.outcome)
    if category is None:
        return None
    repository = MonitoringRepository(session)
    row = await repository.get(closed.household_id, for_update=True)
    if row is None:
        row = HouseholdMonitoring(household_id=closed.household_id, org_code=closed.org_code,
                                  category=category.value, case_id=closed.case_id, outcome=closed.outcome,
                                  decided_on=closed.closed_on, event_at=occurred_at)
        await session.flush()  # earlier pending work must not fail inside (and be blamed on) the savepoint
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
            return row
        except IntegrityError:
            # Another worker inserted the household's first decision meanwhile: weigh against it.
            row = await repository.get(closed.household_id, for_update=True)
    if (closed.closed_on, occurred_at) > (row.decided_on, row.event_at):
        row.category, row.case_id, row.outcome = category.value, closed.case_id, closed.outcome
        row.decided_on, row.event_at, row.updated_at = closed.closed_on, occurred_at, clock.now()
    await session.flush()
    return row
