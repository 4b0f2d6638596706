"""Queries on the deadline registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from services.alerts.alerts.models import Alert
from services.alerts.deadlines.models import ClosedSubject, Deadline
from shared.data.database import AppSession

OPEN = "open"
MET = "met"
CANCELLED = "cancelled"
PASSED = "passed"  # a campaign phase date gone by: informational, never overdue
CAMPAIGN = "campaign"  # the subject type of a campaign's phase dates


@dataclass(frozen=True)
class DeadlineFilter:
    state: str | None = None
    kind: str | None = None
    org: str | None = None
    due_from: date | None = None
    due_to: date | None = None

    def apply(self, query: Select) -> Select:
        if self.state is not None:
            query = query.where(Deadline.state == self.state)
        if self.kind is not None:
            query = query.where(Deadline.kind == self.kind)
        if self.org:
            query = query.where(Deadline.org_code.startswith(self.org))
        if self.due_from is not None:
            query = query.where(Deadline.due_on >= self.due_from)
        if self.due_to is not None:
            query = query.where(Deadline.due_on <= self.due_to)
        return query


@dataclass(frozen=True)
class ScanMoment:
    """What a scan needs to tell which open deadlines call for something: the day, the time, the settings."""

    as_of: date
    now: datetime
    horizon: date
    reminder_interval: timedelta
    escalate_after_days: int


def _levels_above(org_code) -> ColumnElement:
    """How many units a deadline of ``org_code`` can escalate through: village 2, township 1, district 0."""
    return case((func.right(org_code, 3) != "000", 2), (func.substr(org_code, 7, 3) != "000", 1), else_=0)


def needs_scan(moment: ScanMoment) -> ColumnElement:
    """Open deadlines for which the scan has something to do at ``moment``; the others are not read.

    Exactly those for which the scan would raise or change something: a due-soon alert not yet
    raised; the overdue alert not yet raised (``last_reminded_at`` is set when it is); a reminder
    whose interval has run; an escalation level reached but not yet raised; a campaign phase date
    gone by (to be passed). Most overdue deadlines, already alerted, are skipped in SQL, so a scan
    over a large registry costs about one indexed pass over the due ones.
    """
    due_soon_raised = exists().where(Alert.dedupe_key == Deadline.key + literal(":due_soon"))
    days_over = literal(moment.as_of) - Deadline.due_on
    return and_(
        Deadline.state == OPEN, Deadline.due_on <= moment.horizon,
        or_(and_(Deadline.due_on >= moment.as_of, ~due_soon_raised),
            and_(Deadline.due_on < moment.as_of,
                 or_(Deadline.subject_type == CAMPAIGN,
                     Deadline.last_reminded_at.is_(None),
                     Deadline.last_reminded_at <= moment.now - moment.reminder_interval,
                     Deadline.escalation_level < func.least(days_over // moment.escalate_after_days,
                                                            _levels_above(Deadline.org_code))))))


class DeadlineRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, key: str, *, for_update: bool = False) -> Deadline | None:
        query = select(Deadline).where(Deadline.key == key)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def page(self, criteria: DeadlineFilter, *, limit: int, offset: int) -> tuple[Sequence[Deadline], int]:
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(Deadline)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Deadline)).order_by(Deadline.due_on, Deadline.key)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    async def units_with_work(self, moment: ScanMoment) -> list[str]:
        """The org codes holding an open deadline the scan has something to do for (the scan's fan-out)."""
        query = select(Deadline.org_code).where(needs_scan(moment)).distinct().order_by(Deadline.org_code)
        return list((await self.session.scalars(query)).all())

    async def work_of_unit(self, org_code: str, moment: ScanMoment) -> Sequence[Deadline]:
        """The open deadlines of one unit the scan has something to do for, locked (a second scan skips them)."""
        query = (select(Deadline).where(Deadline.org_code == org_code, needs_scan(moment))
                 .order_by(Deadline.due_on, Deadline.key).with_for_update(skip_locked=True))
        return (await self.session.scalars(query)).all()

    async def open_of_subject(self, subject_type: str, subject_id: str) -> Sequence[Deadline]:
        """The open deadlines about one record, locked."""
        query = (select(Deadline).where(Deadline.subject_type == subject_type, Deadline.subject_id == subject_id,
                                        Deadline.state == OPEN)
                 .order_by(Deadline.key).with_for_update())
        return (await self.session.scalars(query)).all()

    async def closed_subject(self, subject_type: str, subject_id: str) -> ClosedSubject | None:
        return await self.session.get(ClosedSubject, (subject_type, subject_id))
