"""The warnings the ledger has heard of, from alerts' events only (no service reads another's tables).

Either event may arrive first: a check heard before its receipt creates the row from the check's own
facts, and the receipt heard later leaves the checked row as it is.
"""

from __future__ import annotations

from services.ledger.reports.models import ReportWarning
from services.ledger.reports.repository import ReportRepository, WarningFilter
from services.ledger.reports.schemas import ReportWarningPage, ReportWarningRead
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.events.contracts.alerts import WarningChecked, WarningReceived
from shared.events.envelope import Envelope


async def received(session: AppSession, envelope: Envelope) -> None:
    event = envelope.read(WarningReceived)
    repository = ReportRepository(session)
    if await repository.warning(event.warning_id, for_update=True) is not None:
        return
    session.add(ReportWarning(warning_id=event.warning_id, org_code=event.org_code, signal_type=event.signal_type,
                              received_on=event.received_on))
    await session.flush()


async def checked(session: AppSession, envelope: Envelope) -> None:
    event = envelope.read(WarningChecked)
    row = await ReportRepository(session).warning(event.warning_id, for_update=True)
    if row is None:
        row = ReportWarning(warning_id=event.warning_id, org_code=event.org_code, signal_type=event.signal_type,
                            received_on=event.received_on)
        session.add(row)
    row.org_code, row.household_id, row.check_due_on = event.org_code, event.household_id, event.check_due_on
    row.checked_on, row.check_result, row.checked_late = event.checked_on, event.result, event.late
    row.updated_at = clock.now()
    await session.flush()


async def list_warnings(session: AppSession, *, criteria: WarningFilter, limit: int, offset: int
                        ) -> ReportWarningPage:
    rows, total = await ReportRepository(session).warning_page(criteria, limit=limit, offset=offset)
    return ReportWarningPage(items=[ReportWarningRead.model_validate(row, from_attributes=True) for row in rows],
                             total=total, limit=limit, offset=offset)
