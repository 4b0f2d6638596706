"""The deadline registry: one row per deadline key, from any service's events and the warnings' checks.

- ``deadline.scheduled`` sets or moves a deadline; the latest event of a key holds (by the time it
  occurred), and one newer than the deadline's ``deadline.met`` opens it again (a reopened item).
- ``deadline.met`` closes it as met, and as met late when the day it was met is after the due day
  (or the publisher says so): a late completion is recorded, not forgotten.
- A met that arrives before its deadline is kept, and the deadline it belongs to reads as met once heard.
- ``campaign.changed`` keeps one deadline per phase date of the campaign (key
  ``phase:{id}:{phase}``, subject the campaign, kind ``campaign_{phase}``, the campaign region's org
  unit). Phase dates are informational: the scan raises ``due_soon`` before one, and once the day has
  gone by it is ``passed``, without overdue alerts (nothing reports a phase as done; the work items
  of a phase carry their own deadlines). A moved date moves the entry and it is watched again; an
  extension date equal to the rectification date is no date of its own and its entry is cancelled.
- ``case.closed`` with an outcome other than approval (rejected, withdrawn, rolled back) cancels the
  case's deadlines still open, and one of the case scheduled afterwards by an older event is cancelled
  as it arrives. The ledger meets the approval clock itself on every closing (``deadline.met``),
  which stands whichever of the two events is heard first.
"""

from __future__ import annotations

from datetime import date, datetime

from services.alerts.deadlines.models import ClosedSubject, Deadline
from services.alerts.deadlines.repository import (
    CAMPAIGN,
    CANCELLED,
    MET,
    OPEN,
    PASSED,
    DeadlineFilter,
    DeadlineRepository,
)
from services.alerts.deadlines.schemas import DeadlinePage, DeadlineRead
from shared.data.database import AppSession
from shared.domain.clock import clock, shanghai_date
from shared.events.contracts.ledger import CampaignChanged

# The campaign's phase dates the registry watches, in the order the campaign runs through them.
CAMPAIGN_PHASES = ("mobilisation_by", "visits_confirmed_by", "visits_checked_by", "rectification_by",
                   "rectification_final_by")
# The outcomes of a case that met what its deadlines asked for; any other closing cancels them.
APPROVED_OUTCOMES = frozenset({"identified", "eliminated"})


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
    elif row.state == PASSED and row.due_on != due_on:
        row.state = OPEN  # a phase date moved: watched again (the scan passes it again if already gone by)
    if row.due_on != due_on:
        row.reminders, row.last_reminded_at, row.escalation_level = 0, None, 0
    row.kind, row.subject_type, row.subject_id, row.org_code, row.source = kind, subject_type, subject_id, \
        org_code, source
    row.due_on, row.due_at, row.unit, row.amount, row.counted_from = due_on, due_at, unit, amount, counted_from
    row.basis, row.rule_code, row.scheduled_as_of, row.updated_at = basis, rule_code, as_of, clock.now()
    if row.state == MET and row.met_on is not None:
        row.met_late = bool(row.met_late) or row.met_on > row.due_on
    if row.state == OPEN:
        closed = await repository.closed_subject(subject_type, subject_id)
        if closed is not None and closed.as_of >= as_of:
            row.state = CANCELLED  # the record ended before this (older) deadline was heard
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


async def cancel(session: AppSession, *, key: str, as_of: datetime | None = None) -> None:
    """No longer owed (a warning grouped with an earlier one): the scan stops watching it.

    With ``as_of`` (the time of the event that says so) an older ``deadline.scheduled`` heard later
    does not open it again, and a newer one already applied is not undone.
    """
    row = await DeadlineRepository(session).get(key, for_update=True)
    if row is None or (as_of is not None and row.scheduled_as_of is not None and row.scheduled_as_of > as_of):
        return
    if row.state in (OPEN, PASSED):
        row.state, row.updated_at = CANCELLED, clock.now()
    if as_of is not None:
        row.scheduled_as_of = as_of
    await session.flush()


def phase_key(campaign_id: object, phase: str) -> str:
    """``phase:{campaign id}:{phase without _by}``: within the 64 characters an audit entry names a row by."""
    return f"phase:{campaign_id}:{phase.removesuffix('_by')}"


async def apply_campaign(session: AppSession, *, event: CampaignChanged, as_of: datetime, source: str) -> None:
    """Keep one deadline per phase date of a campaign as ``event`` (of time ``as_of``) states it."""
    for phase in CAMPAIGN_PHASES:
        key, due = phase_key(event.campaign_id, phase), getattr(event, phase)
        if phase == "rectification_final_by" and due == event.rectification_by:
            await cancel(session, key=key, as_of=as_of)  # no extension: no date of its own
            continue
        await schedule(session, key=key, kind=f"{CAMPAIGN}_{phase}", subject_type=CAMPAIGN,
                       subject_id=str(event.campaign_id), org_code=event.org_code, due=due, source=source,
                       basis=f"campaign {event.code} {phase}", rule_code=f"campaign.{phase}", as_of=as_of)


def informational(deadline: Deadline) -> bool:
    """A campaign's phase date: announced before it, never overdue after it."""
    return deadline.subject_type == CAMPAIGN


def pass_if_gone_by(deadline: Deadline, as_of: date) -> bool:
    """Mark an informational deadline whose day has gone by as ``passed``; True if it did."""
    if informational(deadline) and as_of > deadline.due_on:
        deadline.state, deadline.updated_at = PASSED, clock.now()
        return True
    return False


async def close_subject(session: AppSession, *, subject_type: str, subject_id: str, outcome: str, closed_on: date,
                        org_code: str, as_of: datetime) -> int:
    """A record ended with ``outcome``; without approval its open deadlines are cancelled. Returns how many."""
    if outcome in APPROVED_OUTCOMES:
        return 0
    repository = DeadlineRepository(session)
    closed = await repository.closed_subject(subject_type, subject_id)
    if closed is None:
        session.add(ClosedSubject(subject_type=subject_type, subject_id=subject_id, outcome=outcome,
                                  closed_on=closed_on, org_code=org_code, as_of=as_of))
    elif closed.as_of < as_of:
        closed.outcome, closed.closed_on, closed.org_code, closed.as_of = outcome, closed_on, org_code, as_of
    cancelled = 0
    for row in await repository.open_of_subject(subject_type, subject_id):
        if row.scheduled_as_of is None or row.scheduled_as_of <= as_of:
            row.state, row.updated_at = CANCELLED, clock.now()
            cancelled += 1
    await session.flush()
    return cancelled


async def list_deadlines(session: AppSession, *, criteria: DeadlineFilter, limit: int, offset: int) -> DeadlinePage:
    rows, total = await DeadlineRepository(session).page(criteria, limit=limit, offset=offset)
    return DeadlinePage(items=[DeadlineRead.model_validate(r, from_attributes=True) for r in rows], total=total,
                        limit=limit, offset=offset)
