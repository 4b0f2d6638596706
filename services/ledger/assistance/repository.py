"""Queries on assistance plans, their revisions, risk assessments and follow-ups (and the cases they follow)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from services.ledger.assistance.models import (
    AssistancePlan,
    CaseFollowUp,
    PlanRevision,
    RiskAssessment,
)
from services.ledger.cases.models import Case
from shared.data.database import AppSession

IDENTIFIED = "identified"
ELIMINATED = "eliminated"


@dataclass(frozen=True)
class PlanFilter:
    org: str | None = None
    household_id: uuid.UUID | None = None
    flagged: bool | None = None
    late: bool | None = None
    labour: str | None = None  # the household's labour capacity the current revision was weighed on
    flag: str | None = None  # the current revision carries this flag

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(AssistancePlan.org_code.startswith(self.org))
        if self.labour is not None:
            query = query.where(AssistancePlan.labour == self.labour)
        if self.flag is not None:
            query = query.where(AssistancePlan.flags.contains(f",{self.flag},"))
        if self.household_id is not None:
            query = query.where(AssistancePlan.household_id == self.household_id)
        if self.flagged is not None:
            # CodeList stores ",a,b," (empty string for none).
            has_flags = func.coalesce(AssistancePlan.flags, "") != ""
            query = query.where(has_flags if self.flagged else ~has_flags)
        if self.late is not None:
            query = query.where(AssistancePlan.late.is_(self.late))
        return query


@dataclass(frozen=True)
class FollowUpFilter:
    """Which follow-ups a list shows: ``flagged`` (awaiting the 2-year review), ``assessment_owed`` (a yearly
    assessment announced and not yet made, the case unresolved), ``assessment_overdue`` (owed past its due
    day on ``today``)."""

    org: str | None = None
    flagged: bool | None = None
    assessment_owed: bool | None = None
    assessment_overdue: bool | None = None
    today: date | None = None

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(CaseFollowUp.org_code.startswith(self.org))
        if self.flagged is not None:
            # Flagged: past the 2-year mark unresolved, and not reviewed yet.
            awaiting = (CaseFollowUp.review_flagged_on.is_not(None) & CaseFollowUp.reviewed_on.is_(None)
                        & CaseFollowUp.resolved_on.is_(None))
            query = query.where(awaiting if self.flagged else ~awaiting)
        owed = CaseFollowUp.assessment_due_on.is_not(None) & CaseFollowUp.resolved_on.is_(None)
        if self.assessment_owed is not None:
            query = query.where(owed if self.assessment_owed else ~owed)
        if self.assessment_overdue is not None and self.today is not None:
            overdue = owed & (CaseFollowUp.assessment_due_on < self.today)
            query = query.where(overdue if self.assessment_overdue else ~overdue)
        return query


class AssistanceRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    # --- plans

    async def plan(self, plan_id: uuid.UUID, *, for_update: bool = False) -> AssistancePlan | None:
        query = select(AssistancePlan).where(AssistancePlan.id == plan_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def plan_of_case(self, case_id: uuid.UUID) -> AssistancePlan | None:
        return (await self.session.scalars(select(AssistancePlan).where(AssistancePlan.case_id == case_id))).first()

    async def current_plan_of_household(self, household_id: uuid.UUID) -> AssistancePlan | None:
        """The plan of the household's latest identified case, if it has one."""
        query = (select(AssistancePlan).where(AssistancePlan.household_id == household_id)
                 .order_by(AssistancePlan.identified_on.desc(), AssistancePlan.created_at.desc()).limit(1))
        return (await self.session.scalars(query)).first()

    async def revisions(self, plan_id: uuid.UUID) -> Sequence[PlanRevision]:
        query = select(PlanRevision).where(PlanRevision.plan_id == plan_id).order_by(PlanRevision.revision)
        return (await self.session.scalars(query)).all()

    async def plans(self, criteria: PlanFilter, *, limit: int, offset: int) -> tuple[Sequence[AssistancePlan], int]:
        total = (await self.session.execute(
            criteria.apply(select(func.count()).select_from(AssistancePlan)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(AssistancePlan))
                                          .order_by(AssistancePlan.identified_on, AssistancePlan.id)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    # --- assessments

    async def assessments(self, *, org: str | None, case_id: uuid.UUID | None, household_id: uuid.UUID | None,
                          limit: int, offset: int) -> tuple[Sequence[RiskAssessment], int]:
        def narrowed(query: Select) -> Select:
            if org:
                query = query.where(RiskAssessment.org_code.startswith(org))
            if case_id is not None:
                query = query.where(RiskAssessment.case_id == case_id)
            if household_id is not None:
                query = query.where(RiskAssessment.household_id == household_id)
            return query

        total = (await self.session.execute(narrowed(select(func.count()).select_from(RiskAssessment)))).scalar_one()
        rows = await self.session.scalars(narrowed(select(RiskAssessment))
                                          .order_by(RiskAssessment.assessed_on, RiskAssessment.recorded_at)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    # --- follow-ups

    async def follow_up(self, case_id: uuid.UUID, *, for_update: bool = False) -> CaseFollowUp | None:
        query = select(CaseFollowUp).where(CaseFollowUp.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def follow_ups(self, criteria: FollowUpFilter, *, limit: int,
                         offset: int) -> tuple[Sequence[CaseFollowUp], int]:
        narrowed = criteria.apply
        total = (await self.session.execute(narrowed(select(func.count()).select_from(CaseFollowUp)))).scalar_one()
        rows = await self.session.scalars(narrowed(select(CaseFollowUp))
                                          .order_by(CaseFollowUp.identified_on, CaseFollowUp.case_id)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    # --- the cases followed (read only: the cases package owns them)

    async def identified_case(self, case_id: uuid.UUID) -> Case | None:
        return (await self.session.scalars(select(Case).where(Case.id == case_id))).first()

    async def villages_with_identified_cases(self) -> Sequence[str]:
        query = select(Case.org_code).where(Case.outcome == IDENTIFIED).distinct().order_by(Case.org_code)
        return (await self.session.scalars(query)).all()

    async def identified_cases_of(self, village: str) -> Sequence[Case]:
        query = (select(Case).where(Case.org_code == village, Case.outcome == IDENTIFIED)
                 .order_by(Case.closed_on, Case.id))
        return (await self.session.scalars(query)).all()

    async def eliminated_on(self, household_id: uuid.UUID, after: date) -> date | None:
        """The day a risk elimination of the household was approved on or after ``after``, if any."""
        query = (select(func.min(Case.closed_on))
                 .where(Case.household_id == household_id, Case.outcome == ELIMINATED, Case.closed_on >= after))
        return (await self.session.execute(query)).scalar_one()
