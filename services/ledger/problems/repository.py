"""Queries on problems, their history, and the filter the lists and the export share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, exists, func, select

from services.ledger.problems.models import Problem, ProblemHistory
from services.ledger.rectifications.models import Rectification
from shared.data.database import AppSession
from shared.domain.clock import SHANGHAI
from shared.domain.enums import RectificationStatus


@dataclass(frozen=True)
class ProblemFilter:
    """Which problems a list or an export shows; every criterion narrows it further."""

    org: str | None = None
    level: str | None = None
    problem_type: str | None = None
    status: str | None = None
    source: str | None = None
    campaign_id: uuid.UUID | None = None
    recorded_from: date | None = None
    recorded_to: date | None = None
    overdue: bool | None = None
    today: date | None = None

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(Problem.org_code.startswith(self.org))
        for column, value in ((Problem.level, self.level), (Problem.problem_type, self.problem_type),
                              (Problem.status, self.status), (Problem.source, self.source),
                              (Problem.campaign_id, self.campaign_id)):
            if value is not None:
                query = query.where(column == value)
        if self.recorded_from is not None:
            query = query.where(Problem.recorded_at >= _start_of(self.recorded_from))
        if self.recorded_to is not None:
            query = query.where(Problem.recorded_at < _start_of(self.recorded_to + timedelta(days=1)))
        if self.overdue is not None and self.today is not None:
            late = exists().where(and_(Rectification.problem_id == Problem.id,
                                       Rectification.status == RectificationStatus.IN_PROGRESS.value,
                                       Rectification.due_on < self.today))
            query = query.where(late if self.overdue else ~late)
        return query


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


class ProblemRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, problem_id: uuid.UUID, *, for_update: bool = False) -> Problem | None:
        query = select(Problem).where(Problem.id == problem_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def by_key(self, campaign_id: uuid.UUID, rule_code: str, subject_key: str) -> Problem | None:
        """The problem a rule raised for a subject in a campaign, locked (its evidence is about to change)."""
        query = (select(Problem).where(Problem.campaign_id == campaign_id, Problem.rule_code == rule_code,
                                       Problem.subject_key == subject_key).with_for_update())
        return (await self.session.scalars(query)).first()

    async def page(self, criteria: ProblemFilter, *, limit: int, offset: int) -> tuple[Sequence[Problem], int]:
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(Problem)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Problem))
                                          .order_by(Problem.recorded_at.desc(), Problem.id).limit(limit).offset(offset))
        return rows.all(), total

    async def counts_by_type(self, criteria: ProblemFilter) -> list[tuple[str, str, int]]:
        query = criteria.apply(select(Problem.level, Problem.problem_type, func.count()).select_from(Problem))
        rows = await self.session.execute(query.group_by(Problem.level, Problem.problem_type)
                                          .order_by(Problem.level, Problem.problem_type))
        return [(level, kind, count) for level, kind, count in rows.all()]

    async def counts_by_village(self, criteria: ProblemFilter) -> list[tuple[str, int]]:
        query = criteria.apply(select(Problem.org_code, func.count()).select_from(Problem))
        rows = await self.session.execute(query.group_by(Problem.org_code).order_by(Problem.org_code))
        return [(org, count) for org, count in rows.all()]

    async def history(self, problem_id: uuid.UUID) -> Sequence[ProblemHistory]:
        query = select(ProblemHistory).where(ProblemHistory.problem_id == problem_id).order_by(ProblemHistory.id)
        return (await self.session.scalars(query)).all()

    async def rectification_ids(self, problem_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        if not problem_ids:
            return {}
        rows = await self.session.execute(select(Rectification.problem_id, Rectification.id)
                                          .where(Rectification.problem_id.in_(problem_ids)))
        return dict(rows.all())
