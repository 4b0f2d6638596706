"""Queries on rectification items and their progress notes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from services.ledger.problems.models import Problem
from services.ledger.rectifications.models import ProgressNote, Rectification
from shared.data.database import AppSession
from shared.domain.enums import RectificationStatus


@dataclass(frozen=True)
class RectificationFilter:
    org: str | None = None
    status: str | None = None
    level: str | None = None
    problem_type: str | None = None
    campaign_id: uuid.UUID | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool | None = None
    today: date | None = None

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(Rectification.org_code.startswith(self.org))
        if self.status is not None:
            query = query.where(Rectification.status == self.status)
        if self.campaign_id is not None:
            query = query.where(Rectification.campaign_id == self.campaign_id)
        if self.due_from is not None:
            query = query.where(Rectification.due_on >= self.due_from)
        if self.due_to is not None:
            query = query.where(Rectification.due_on <= self.due_to)
        if self.level is not None or self.problem_type is not None:
            problems = select(Problem.id)
            if self.level is not None:
                problems = problems.where(Problem.level == self.level)
            if self.problem_type is not None:
                problems = problems.where(Problem.problem_type == self.problem_type)
            query = query.where(Rectification.problem_id.in_(problems))
        if self.overdue is not None and self.today is not None:
            late = (Rectification.status == RectificationStatus.IN_PROGRESS.value) & (Rectification.due_on < self.today)
            query = query.where(late if self.overdue else ~late)
        return query


class RectificationRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, rectification_id: uuid.UUID, *, for_update: bool = False) -> Rectification | None:
        query = select(Rectification).where(Rectification.id == rectification_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def of_problem(self, problem_id: uuid.UUID) -> Rectification | None:
        return (await self.session.scalars(select(Rectification).where(Rectification.problem_id == problem_id))).first()

    async def notes(self, rectification_id: uuid.UUID) -> Sequence[ProgressNote]:
        query = (select(ProgressNote).where(ProgressNote.rectification_id == rectification_id)
                 .order_by(ProgressNote.written_at, ProgressNote.id))
        return (await self.session.scalars(query)).all()

    async def page(self, criteria: RectificationFilter, *, limit: int, offset: int
                   ) -> tuple[Sequence[Rectification], int]:
        total = (await self.session.execute(
            criteria.apply(select(func.count()).select_from(Rectification)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Rectification))
                                          .order_by(Rectification.due_on, Rectification.id).limit(limit).offset(offset))
        return rows.all(), total
