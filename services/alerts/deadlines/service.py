"""The deadline registry: one row per deadline key, from any service's events and the warnings' checks.

- ``deadline.scheduled`` sets or moves a deadline; the latest event of a key holds (by the time it
  occurred), and one newer than the deadline's ``deadline.met`` opens it again (a reopened item).
- ``deadline.met`` closes it as met, and as met late when the day it was met is after the due day
  (or the publisher says so): a late completion is recorded, not forgotten.
- A met that arrives before its deadline is kept, and the deadline it belongs to reads as met once heard.
"""

from __future__ import annotations

from datetime import date, datetime

from services.alerts.deadlines.models import Deadline
from services.alerts.deadlines.repository import (
    CANCELLED,
    MET,
    OPEN,
    DeadlineFilter,
    DeadlineRepository,
)
from services.alerts.deadlines.schemas import DeadlinePage, DeadlineRead
from shared.data.database import AppSession
from shared.domain.clock import clock, shanghai_date


async def schedule(session: AppSession, *, key: str, kind: str, subject_type: str, subject_id: str, org_code: str,
                   due: date | datetime, source: str, basis: str, rule_code: str, as_of: datetime,
                   unit: str | None = None, amount: int | None = None, counted_from: date | None = None) -> Deadline:
    """Set or move the deadline ``key`` as an event of time ``as_of`` says; an older event changes nothing."""
    repository = DeadlineRepository(session)
    row = await repository.get(key, for_update=True)
    if row is not None and row.scheduled_as_of is not None and row.scheduled_as_of > as_of:
        return row
    due_on, due_at = (shanghai_date(due), due) if isinstance(due, datetime) else (due, None)
    if row is None:
        row = Deadline(key=key, state=OPEN, kind=kind, subject_type=subject_type, subject_id=subject_id,
                       org_code=org_code, source=source, due_on=due_on, basis=basis, rule_code=rule_code)
        session.add(row)
    elif row.state == MET and row.met_as_of is not None and row.met_as_of < as_of:
        # Scheduled again after it was met: the work is owed again (a rectification reopened).
        row.state, row.met_on, row.met_late, row.met_as_of = OPEN, None, None, None
        row.reminders, row.last_reminded_at, row.escalation_level = 0, None, 0
    elif row.state == CANCELLED:
        row.state = OPEN
    if row.due_on != due_on:
        row.reminders, row.last_reminded_at, row.escalation_level = 0, None, 0
    row.kind, row.subject_type, row.subject_id, row.org_code, row.source = kind, subject_type, subject_id, \
        org_code, source
    row.due_on, row.due_at, row.unit, row.amount, row.counted_from = due_on, due_at, unit, amount, counted_from
    row.basis, row.rule_code, row.scheduled_as_of, row.updated_at = basis, rule_code, as_of, clock.now()
    if row.state == MET and row.met_on is not None:
        row.met_late = bool(row.met_late) or row.met_on > row.due_on
    await session.flush()
    return row


async def record_met(session: AppSession, *, key: str, met_on: date, late: bool, as_of: datetime,
                     org_code: str, source: str) -> Deadline:
    """The work of ``key`` was done on ``met_on``: met, or met late after the due day."""
    repository = DeadlineRepository(session)
    row = await repository.get(key, for_update=True)
    if row is None:
        kind, _, subject_id = key.partition(":")
        row = Deadline(key=key, kind=kind, subject_type=kind, subject_id=subject_id[:64], org_code=org_code,
                       source=source, due_on=met_on, basis="met before its deadline was announced",
                       rule_code="unknown", state=MET, met_on=met_on, met_late=late, met_as_of=as_of)
        session.add(row)
        await session.flush()
        return row
    if row.met_as_of is not None and row.met_as_of >= as_of:
        return row
    if row.scheduled_as_of is not None and row.scheduled_as_of > as_of:
        return row  # scheduled again after this completion: the newer deadline stands
    row.state, row.met_on, row.met_as_of, row.updated_at = MET, met_on, as_of, clock.now()
    row.met_late = late or met_on > row.due_on
    await session.flush()
    return row


async def cancel(session: AppSession, *, key: str) -> None:
    """No longer owed (a warning grouped with an earlier one): the scan stops watching it."""
    row = await DeadlineRepository(session).get(key, for_update=True)
    if row is not None and row.state == OPEN:
        row.state, row.updated_at = CANCELLED, clock.now()
        await session.flush()


async def list_deadlines(session: AppSession, *, criteria: DeadlineFilter, limit: int, offset: int) -> DeadlinePage:
    rows, total = await DeadlineRepository(session).page(criteria, limit=limit, offset=offset)
    return DeadlinePage(items=[DeadlineRead.model_validate(r, from_attributes=True) for r in rows], total=total,
                        limit=limit, offset=offset)
