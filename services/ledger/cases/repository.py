"""Queries on cases and their steps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select

from services.ledger.assistance.models import AssistancePlan
from services.ledger.cases.models import Case, CaseStep, HouseholdMonitoring
from services.ledger.households.models import LedgerSourceEvent
from shared.data.database import AppSession

NOTICE_STATES = ("under_notice", "objected")
IDENTIFIED = "identified"


@dataclass(frozen=True)
class CaseFilter:
    org: str | None = None
    kind: str | None = None
    state: str | None = None
    household_id: uuid.UUID | None = None
    green_channel: bool | None = None
    overdue: bool | None = None
    today: date | None = None
    has_plan: bool | None = None  # identified cases with (true) or without (false) an assistance plan
    plan_overdue: bool | None = None  # true: identified, no plan, its plan's due day passed on ``today``

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(Case.org_code.startswith(self.org))
        if self.kind is not None:
            query = query.where(Case.kind == self.kind)
        if self.state is not None:
            query = query.where(Case.state == self.state)
        if self.household_id is not None:
            query = query.where(Case.household_id == self.household_id)
        if self.green_channel is not None:
            query = query.where(Case.green_channel.is_(self.green_channel))
        if self.overdue is not None and self.today is not None:
            # Open past the due day, or closed after it: the overrun stays visible once closed.
            late = (Case.due_on.is_not(None)
                    & or_(Case.closed_on.is_(None) & (Case.due_on < self.today), Case.closed_on > Case.due_on))
            query = query.where(late if self.overdue else ~late)
        if self.has_plan is not None or self.plan_overdue is not None:
            planned = select(AssistancePlan.id).where(AssistancePlan.case_id == Case.id).exists()
            query = query.where(Case.outcome == IDENTIFIED)
            if self.has_plan is not None:
                query = query.where(planned if self.has_plan else ~planned)
            if self.plan_overdue is not None and self.today is not None:
                missing = ~planned & Case.plan_due_on.is_not(None) & (Case.plan_due_on < self.today)
                query = query.where(missing if self.plan_overdue else ~missing)
        return query


class CaseRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Case | None:
        query = select(Case).where(Case.id == case_id)
        if for_update:
            # Two cadres recording at once: the second waits here, then sees the case the first left.
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def open_case(self, kind: str, household_id: uuid.UUID, *, for_update: bool = False) -> Case | None:
        query = select(Case).where(Case.open_key == f"{kind}:{household_id}")
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def of_household(self, household_id: uuid.UUID) -> Sequence[Case]:
        query = select(Case).where(Case.household_id == household_id).order_by(Case.started_on, Case.created_at)
        return (await self.session.scalars(query)).all()

    async def opened_after(self, case: Case) -> bool:
        """Whether the household has another case started on or after the day ``case`` started."""
        query = select(Case.id).where(Case.household_id == case.household_id, Case.id != case.id,
                                      Case.started_on >= case.started_on).limit(1)
        return (await self.session.scalars(query)).first() is not None

    async def source_events(self, household_id: uuid.UUID, types: Sequence[str]) -> Sequence[LedgerSourceEvent]:
        """The household's logged source events of these types, in order of occurrence."""
        query = (select(LedgerSourceEvent)
                 .where(LedgerSourceEvent.household_id == household_id, LedgerSourceEvent.event_type.in_(types))
                 .order_by(LedgerSourceEvent.occurred_at, LedgerSourceEvent.event_id))
        return (await self.session.scalars(query)).all()

    async def steps(self, case_id: uuid.UUID) -> Sequence[CaseStep]:
        query = select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.seq)
        return (await self.session.scalars(query)).all()

    async def under_notice(self, village: str) -> Sequence[Case]:
        query = (select(Case).where(Case.org_code == village, Case.state.in_(NOTICE_STATES))
                 .order_by(Case.notice_starts_on, Case.head_name, Case.id))
        return (await self.session.scalars(query)).all()

    async def page(self, criteria: CaseFilter, *, limit: int, offset: int) -> tuple[Sequence[Case], int]:
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(Case)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Case))
                                          .order_by(Case.started_on, Case.id).limit(limit).offset(offset))
        return rows.all(), total


class MonitoringRepository:
    """The monitoring status each household's closed cases decided (see :mod:`services.ledger.cases.monitoring`)."""

    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID, *, for_update: bool = False) -> HouseholdMonitoring | None:
        query = select(HouseholdMonitoring).where(HouseholdMonitoring.household_id == household_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def category(self, household_id: uuid.UUID) -> str | None:
        """The 农户类型 the household's cases decided, None while none decided one."""
        row = await self.get(household_id)
        return row.category if row is not None else None

    async def categories(self, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not household_ids:
            return {}
        query = select(HouseholdMonitoring).where(HouseholdMonitoring.household_id.in_(list(household_ids)))
        return {row.household_id: row.category for row in (await self.session.scalars(query)).all()}
