"""Queries on the household view and the source-event log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, delete, func, not_, select, tuple_

from services.ledger.cases.models import HouseholdMonitoring
from services.ledger.households.models import LedgerHousehold, LedgerSourceEvent
from shared.data.database import AppSession
from shared.domain.clock import SHANGHAI
from shared.domain.enums import HouseholdKind, LedgerHouseholdCategory, RiskStatus

NO_KEY_TARGET = ("", ",none,")
NO_LABOUR = "no_labour"  # households.service.NO_LABOUR: every member has lost labour capacity or has none


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def is_key_target():
    """The latest visit named at least one of the 10类重点对象 (not only ``none``)."""
    column = LedgerHousehold.visit_key_target_groups
    return and_(column.is_not(None), not_(column.in_(NO_KEY_TARGET)))


def category_expression():
    """The household's 农户类型 now, in SQL: its cases' decision, else the register's (as ``ledger_category``).

    The same rule as :func:`services.ledger.households.service.ledger_category`, so a list filtered by
    ``category`` holds exactly the households whose ``category`` the list shows; NULL when unknown.
    """
    decided = (select(HouseholdMonitoring.category)
               .where(HouseholdMonitoring.household_id == LedgerHousehold.household_id)
               .correlate(LedgerHousehold).scalar_subquery())
    kinds = func.coalesce(LedgerHousehold.household_kinds, "")
    monitored = kinds.contains(f",{HouseholdKind.MONITORED.value},")
    return func.coalesce(decided, case(
        (monitored & (LedgerHousehold.risk_status == RiskStatus.RESOLVED.value),
         LedgerHouseholdCategory.MONITORED_RESOLVED.value),
        (monitored, LedgerHouseholdCategory.MONITORED_UNRESOLVED.value),
        (kinds.contains(f",{HouseholdKind.POVERTY_ALLEVIATED.value},"), LedgerHouseholdCategory.POVERTY_ALLEVIATED.value),
        (kinds != "", LedgerHouseholdCategory.GENERAL.value),
        else_=None))


MONITORED_CATEGORIES = (LedgerHouseholdCategory.MONITORED_RESOLVED.value,
                        LedgerHouseholdCategory.MONITORED_UNRESOLVED.value)


@dataclass(frozen=True)
class HouseholdFilter:
    """Which households of the view a list shows (and a report counts); every criterion narrows it."""

    org: str | None = None
    removed: bool | None = None
    kind: str | None = None
    risk_status: str | None = None
    income_class: str | None = None
    visited_from: date | None = None
    visited_to: date | None = None
    method: str | None = None
    key_target: bool | None = None
    risk_cause: str | None = None
    category: tuple[str, ...] | None = None  # 农户类型 now (any of these): cases' decision, else the register's
    labour: str | None = None
    without_labour: bool | None = None  # true: the whole household without labour capacity; false: any other

    def apply(self, query: Select) -> Select:
        if self.org:
            query = query.where(LedgerHousehold.org_code.startswith(self.org))
        if self.removed is not None:
            query = query.where(LedgerHousehold.removed.is_(self.removed))
        if self.kind is not None:
            query = query.where(LedgerHousehold.household_kinds.contains(f",{self.kind},"))
        if self.risk_status is not None:
            query = query.where(LedgerHousehold.risk_status == self.risk_status)
        if self.income_class is not None:
            query = query.where(LedgerHousehold.income_class == self.income_class)
        if self.visited_from is not None:
            query = query.where(LedgerHousehold.visited_at >= _start_of(self.visited_from))
        if self.visited_to is not None:
            query = query.where(LedgerHousehold.visited_at < _start_of(self.visited_to + timedelta(days=1)))
        if self.method is not None:
            query = query.where(LedgerHousehold.visit_method == self.method)
        if self.risk_cause is not None:
            query = query.where(LedgerHousehold.visit_risk_causes.contains(f",{self.risk_cause},"))
        if self.key_target is not None:
            query = query.where(is_key_target() if self.key_target else not_(is_key_target()))
        if self.category:
            query = query.where(category_expression().in_(list(self.category)))
        if self.labour is not None:
            query = query.where(LedgerHousehold.labour == self.labour)
        if self.without_labour is not None:
            none_able = LedgerHousehold.labour == NO_LABOUR
            query = query.where(none_able if self.without_labour else
                                LedgerHousehold.labour.is_(None) | (LedgerHousehold.labour != NO_LABOUR))
        return query


class HouseholdViewRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID) -> LedgerHousehold | None:
        return (await self.session.scalars(
            select(LedgerHousehold).where(LedgerHousehold.household_id == household_id))).first()

    async def get_for_update(self, household_id: uuid.UUID) -> LedgerHousehold | None:
        """The row, locked: the events of one household apply one at a time."""
        return (await self.session.scalars(
            select(LedgerHousehold).where(LedgerHousehold.household_id == household_id).with_for_update())).first()

    async def page(self, *, org: str | None = None, limit: int, offset: int,
                   criteria: HouseholdFilter | None = None) -> tuple[Sequence[LedgerHousehold], int]:
        criteria = criteria or HouseholdFilter(org=org)
        query = criteria.apply(select(LedgerHousehold))
        counted = criteria.apply(select(func.count()).select_from(LedgerHousehold))
        total = (await self.session.execute(counted)).scalar_one()
        rows = await self.session.scalars(query.order_by(LedgerHousehold.org_code, LedgerHousehold.household_number)
                                          .limit(limit).offset(offset))
        return rows.all(), total

    async def delete_all(self) -> int:
        result = await self.session.execute(delete(LedgerHousehold).execution_options(synchronize_session=False))
        return result.rowcount or 0


class SourceEventRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    def add(self, row: LedgerSourceEvent) -> None:
        self.session.add(row)

    async def exists(self, event_id: uuid.UUID) -> bool:
        return await self.session.get(LedgerSourceEvent, event_id) is not None

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(LedgerSourceEvent))).scalar_one()

    async def in_order(self, *, chunk: int = 1000) -> AsyncIterator[LedgerSourceEvent]:
        """Every source event in order of occurrence (then id), read a chunk at a time."""
        after: tuple | None = None
        while True:
            query = select(LedgerSourceEvent).order_by(LedgerSourceEvent.occurred_at, LedgerSourceEvent.event_id)
            if after is not None:
                query = query.where(tuple_(LedgerSourceEvent.occurred_at, LedgerSourceEvent.event_id) > tuple_(*after))
            rows = (await self.session.scalars(query.limit(chunk))).all()
            if not rows:
                return
            for row in rows:
                yield row
            after = (rows[-1].occurred_at, rows[-1].event_id)
