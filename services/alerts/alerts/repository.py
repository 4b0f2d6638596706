"""Queries on raised alerts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from services.alerts.alerts.models import Alert
from shared.data.database import AppSession


@dataclass(frozen=True)
class AlertFilter:
    kind: str | None = None
    state: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    deadline_key: str | None = None
    due_from: date | None = None
    due_to: date | None = None

    def apply(self, query: Select) -> Select:
        for column, value in ((Alert.kind, self.kind), (Alert.state, self.state),
                              (Alert.subject_type, self.subject_type), (Alert.subject_id, self.subject_id),
                              (Alert.deadline_key, self.deadline_key)):
            if value is not None:
                query = query.where(column == value)
        if self.due_from is not None:
            query = query.where(Alert.due_on >= self.due_from)
        if self.due_to is not None:
            query = query.where(Alert.due_on <= self.due_to)
        return query


class AlertRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, alert_id: uuid.UUID, *, for_update: bool = False) -> Alert | None:
        query = select(Alert).where(Alert.id == alert_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def raised_keys(self, deadline_keys: Iterable[str]) -> set[str]:
        """The dedupe keys already raised for these deadlines."""
        keys = list(deadline_keys)
        if not keys:
            return set()
        return set((await self.session.scalars(select(Alert.dedupe_key).where(Alert.deadline_key.in_(keys)))).all())

    async def page(self, criteria: AlertFilter, *, limit: int, offset: int) -> tuple[Sequence[Alert], int]:
        total = (await self.session.execute(criteria.apply(select(func.count()).select_from(Alert)))).scalar_one()
        rows = await self.session.scalars(criteria.apply(select(Alert)).order_by(Alert.raised_at.desc(), Alert.id)
                                          .limit(limit).offset(offset))
        return rows.all(), total
