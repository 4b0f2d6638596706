"""Rectification items (整改): opened by a confirmation, extended once, completed, closed by someone else.

- Due date: 立行立改 items are due the campaign's ``immediate_fix_days`` after confirmation (counted
  by :func:`shared.domain.deadlines.due_date` in the campaign's unit); the others by the
  campaign's ``rectification_by``. Once, with a reason, an item may be extended to a later day no
  later than ``rectification_final_by``; a later day is a 422 naming that limit.
- Completing records the result and evidence references; closing (销号) is for township staff
  other than the person who recorded the completion (maker-checker); a closed item reopens only with
  a reason. Every change is a row of the problem's history.
- Every deadline set or moved is published as ``deadline.scheduled`` (one key per item), and every
  completion as ``deadline.met``.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import lru_cache
from pathlib import Path

from services.ledger.campaigns.models import Campaign
from services.ledger.problems.history import record_history
from services.ledger.problems.models import Problem
from services.ledger.rectifications.models import ProgressNote, Rectification
from services.ledger.rectifications.repository import (
    RectificationFilter,
    RectificationRepository,
)
from services.ledger.rectifications.schemas import (
    CompletionCreate,
    ExtensionCreate,
    ProgressNoteRead,
    RectificationPage,
    RectificationRead,
    RectificationUpdate,
)
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.deadlines import DeadlineUnit, due_date
from shared.domain.enums import RectificationStatus
from shared.domain.workdays import WorkdayCalendar, load_workday_calendar
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.contracts.ledger import (
    DeadlineMet,
    DeadlineScheduled,
    DeadlineSubject,
)
from shared.events.outbox import publish
from shared.security.auth import Principal

SOURCE = "ledger"
OPEN = RectificationStatus.IN_PROGRESS.value


@lru_cache(maxsize=8)
def workday_calendar(path: Path | None) -> WorkdayCalendar:
    return load_workday_calendar(path)


def deadline_key(rectification: Rectification) -> str:
    return f"rectification:{rectification.id}"


def is_overdue(rectification: Rectification, today: date) -> bool:
    return rectification.status == OPEN and rectification.due_on < today


async def _announce_deadline(session: AppSession, item: Rectification, *, rule_code: str, unit: str | None = None,
                             amount: int | None = None, counted_from: date | None = None) -> None:
    await publish(session, DeadlineScheduled(
        key=deadline_key(item), kind="rectification", subject=DeadlineSubject(type="rectification", id=item.id),
        org_code=item.org_code, due=item.due_on, unit=unit, amount=amount, counted_from=counted_from,
        basis=item.due_basis, rule_code=rule_code), org_code=item.org_code, source=SOURCE)


async def open_for(session: AppSession, *, problem: Problem, campaign: Campaign, calendar: WorkdayCalendar,
                   immediate: bool, measures: str | None, responsible_unit: str | None) -> Rectification:
    """The rectification item of a problem just confirmed, with its deadline announced."""
    today = clock.today()
    if immediate:
        unit = DeadlineUnit(campaign.immediate_fix_unit)
        due = due_date(today, campaign.immediate_fix_days, unit, calendar)
        basis = f"campaign {campaign.code} immediate_fix: {campaign.immediate_fix_days} {unit.value}"
    else:
        due, basis, unit = campaign.rectification_by, f"campaign {campaign.code} rectification_by", None
    item = Rectification(problem_id=problem.id, campaign_id=campaign.id, org_code=problem.org_code,
                         measures=measures, responsible_unit=responsible_unit, immediate=immediate, due_on=due,
                         due_basis=basis, status=OPEN)
    session.add(item)
    await session.flush()
    record_history(session, problem_id=problem.id, org_code=problem.org_code, action="rectification_opened",
                   changes={"due_on": (None, due), "immediate": (None, immediate), "measures": (None, measures),
                            "responsible_unit": (None, responsible_unit)})
    if immediate:
        await _announce_deadline(session, item, rule_code="rectification.immediate", unit=unit.value,
                                 amount=campaign.immediate_fix_days, counted_from=today)
    else:
        await _announce_deadline(session, item, rule_code="rectification.by_campaign_date")
    return item


async def _item(session: AppSession, rectification_id: uuid.UUID) -> Rectification:
    item = await RectificationRepository(session).get(rectification_id, for_update=True)
    if item is None:
        raise NotFound(f"no rectification item {rectification_id} in your scope")
    return item


def _require(item: Rectification, *states: RectificationStatus, doing: str) -> None:
    if item.status not in states:
        raise Conflict(f"cannot {doing}: the item is {RectificationStatus(item.status).label} ({item.status})")


async def update(session: AppSession, *, rectification_id: uuid.UUID, data: RectificationUpdate) -> RectificationRead:
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.IN_PROGRESS, RectificationStatus.COMPLETED, doing="change a closed item")
    changes = {name: (getattr(item, name), value) for name, value in data.model_dump(exclude_unset=True).items()
               if getattr(item, name) != value}
    for name, (_, value) in changes.items():
        setattr(item, name, value)
    if changes:
        record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="rectification_changed",
                       changes=changes)
    await session.flush()
    return await read(session, item)


async def extend(session: AppSession, *, rectification_id: uuid.UUID, campaign: Campaign,
                 data: ExtensionCreate) -> RectificationRead:
    """Move the deadline once, with a reason, to a day after it and no later than the campaign's final date."""
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.IN_PROGRESS, doing="extend")
    if item.extended:
        raise Conflict(f"the deadline was already extended once (to {item.due_on}); it may not be extended again")
    if data.due_on <= item.due_on:
        raise InvalidInput("body.due_on", f"must be after the current deadline {item.due_on}")
    if data.due_on > campaign.rectification_final_by:
        raise InvalidInput("body.due_on", f"{data.due_on} is after {campaign.rectification_final_by}, the latest day "
                                          f"campaign {campaign.code} ({campaign.name}) allows a rectification to be "
                                          "extended to")
    changes = {"due_on": (item.due_on, data.due_on), "extended": (False, True)}
    item.due_on, item.extended, item.extension_reason = data.due_on, True, data.reason
    item.due_basis = f"extended within campaign {campaign.code} rectification_final_by"
    record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="rectification_extended",
                   changes=changes, note=data.reason)
    await session.flush()
    await _announce_deadline(session, item, rule_code="rectification.extended")
    return await read(session, item)


async def add_progress(session: AppSession, *, principal: Principal, rectification_id: uuid.UUID,
                       note: str) -> RectificationRead:
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.IN_PROGRESS, RectificationStatus.COMPLETED, doing="note progress on")
    session.add(ProgressNote(rectification_id=item.id, org_code=item.org_code, note=note,
                             written_by=principal.user_id, written_by_name=principal.name))
    record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="progress_noted", note=note)
    await session.flush()
    return await read(session, item)


async def complete(session: AppSession, *, principal: Principal, rectification_id: uuid.UUID,
                   data: CompletionCreate) -> RectificationRead:
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.IN_PROGRESS, doing="complete")
    now = clock.now()
    item.status, item.result, item.evidence_refs = RectificationStatus.COMPLETED.value, data.result, \
        list(data.evidence_refs)
    item.completed_by, item.completed_by_name, item.completed_at = principal.user_id, principal.name, now
    record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="rectification_completed",
                   changes={"status": (OPEN, item.status), "result": (None, data.result)},
                   note="evidence: " + "; ".join(data.evidence_refs))
    await session.flush()
    await publish(session, DeadlineMet(key=deadline_key(item), met_on=now.date(), late=now.date() > item.due_on),
                  org_code=item.org_code, source=SOURCE)
    return await read(session, item)


async def close(session: AppSession, *, principal: Principal, rectification_id: uuid.UUID) -> RectificationRead:
    """销号, by someone other than the person who recorded the completion (maker-checker)."""
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.COMPLETED, doing="close")
    if item.completed_by == principal.user_id:
        raise Forbidden("the person who recorded the completion may not also close the item (销号 needs a second "
                        "person)")
    item.status = RectificationStatus.CLOSED.value
    item.closed_by, item.closed_by_name, item.closed_at = principal.user_id, principal.name, clock.now()
    record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="rectification_closed",
                   changes={"status": (RectificationStatus.COMPLETED.value, item.status)})
    await session.flush()
    return await read(session, item)


async def reopen(session: AppSession, *, rectification_id: uuid.UUID, reason: str) -> RectificationRead:
    """A closed item back in progress, with the reason recorded; its deadline is announced again."""
    item = await _item(session, rectification_id)
    _require(item, RectificationStatus.CLOSED, doing="reopen")
    changes = {"status": (item.status, OPEN), "completed_by": (item.completed_by, None),
               "closed_by": (item.closed_by, None)}
    item.status = OPEN
    item.completed_by = item.completed_by_name = item.completed_at = None
    item.closed_by = item.closed_by_name = item.closed_at = None
    record_history(session, problem_id=item.problem_id, org_code=item.org_code, action="rectification_reopened",
                   changes=changes, note=reason)
    await session.flush()
    await _announce_deadline(session, item, rule_code="rectification.reopened")
    return await read(session, item)


def rectification_read(item: Rectification, notes=()) -> RectificationRead:
    return RectificationRead.model_validate(item, from_attributes=True).model_copy(update={
        "overdue": is_overdue(item, clock.today()),
        "progress": [ProgressNoteRead.model_validate(n, from_attributes=True) for n in notes]})


async def read(session: AppSession, item: Rectification) -> RectificationRead:
    return rectification_read(item, await RectificationRepository(session).notes(item.id))


async def get(session: AppSession, *, rectification_id: uuid.UUID) -> RectificationRead:
    item = await RectificationRepository(session).get(rectification_id)
    if item is None:
        raise NotFound(f"no rectification item {rectification_id} in your scope")
    return await read(session, item)


async def campaign_of(session: AppSession, rectification_id: uuid.UUID) -> Campaign:
    item = await RectificationRepository(session).get(rectification_id)
    if item is None:
        raise NotFound(f"no rectification item {rectification_id} in your scope")
    return await session.get(Campaign, item.campaign_id)


async def list_items(session: AppSession, *, criteria: RectificationFilter, limit: int,
                     offset: int) -> RectificationPage:
    rows, total = await RectificationRepository(session).page(criteria, limit=limit, offset=offset)
    return RectificationPage(items=[rectification_read(r) for r in rows], total=total, limit=limit, offset=offset)
