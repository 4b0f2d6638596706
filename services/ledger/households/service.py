"""The household view: what intake's and income's events say of each household, newest data kept.

Each source has its own version, so the order events arrive in does not matter:

- the register (户主, 社, 户类型, 风险状态) from ``household.changed`` and from ``visit.submitted``
  (a visit's form matches the register at submission), by the time the event occurred;
- the latest visit by ``visited_at``, then the time intake received it, with the members' labour
  capacity summarised (:func:`labour_summary`; ``household.changed`` carries no labour capacity);
- the latest income by (income year, time assessed); an assessment income itself marks as not the
  latest (a late visit's) is kept in the log but does not replace the current one.

Every consumed event is also kept whole in ``ledger_source_events``; :func:`rebuild` replays them
into a fresh view.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from services.ledger.cases.repository import MonitoringRepository
from services.ledger.households.models import LedgerHousehold, LedgerSourceEvent
from services.ledger.households.repository import (
    HouseholdFilter,
    HouseholdViewRepository,
    SourceEventRepository,
)
from services.ledger.households.schemas import LedgerHouseholdPage, LedgerHouseholdRead
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.enums import (
    HouseholdKind,
    LabourCapacity,
    LedgerHouseholdCategory,
    RiskStatus,
)
from shared.errors import NotFound
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import HouseholdChanged, VisitSubmitted
from shared.events.envelope import Envelope


def ledger_category(kinds: list[str], risk_status: str | None,
                    decided: str | None = None) -> LedgerHouseholdCategory | None:
    """农户类型 of 附件3: exactly one of four, from the household's kinds and risk status; None if unknown.

    ``decided`` is the status the household's cases decided (:mod:`services.ledger.cases.monitoring`):
    when there is one it holds over the register's.
    """
    if decided is not None:
        return LedgerHouseholdCategory(decided)
    if not kinds:
        return None
    if HouseholdKind.MONITORED in kinds:
        if risk_status == RiskStatus.RESOLVED:
            return LedgerHouseholdCategory.MONITORED_RESOLVED
        return LedgerHouseholdCategory.MONITORED_UNRESOLVED
    if HouseholdKind.POVERTY_ALLEVIATED in kinds:
        return LedgerHouseholdCategory.POVERTY_ALLEVIATED
    return LedgerHouseholdCategory.GENERAL


def category_of(row: LedgerHousehold, decided: str | None = None) -> LedgerHouseholdCategory | None:
    return ledger_category(row.household_kinds, row.risk_status, decided)


async def current_category(session: AppSession, row: LedgerHousehold) -> LedgerHouseholdCategory | None:
    """The household's 农户类型 now: its cases' decision, else the register's."""
    return category_of(row, await MonitoringRepository(session).category(row.household_id))


# --- labour capacity: the one place that says what a household's members' capacities add up to ----------

HAS_LABOUR, WEAK_LABOUR, NO_LABOUR, LABOUR_UNKNOWN = "has_labour", "weak_labour", "no_labour", "unknown"
ABLE = frozenset({LabourCapacity.ORDINARY.value, LabourCapacity.SKILLED.value})  # 普通/技能劳动力
UNABLE = frozenset({LabourCapacity.LOST.value, LabourCapacity.NONE.value})  # 丧失劳动力/无劳动力


def labour_summary(capacities: list[str]) -> str:
    """What the members' labour capacities (劳动能力 codes) say of the household.

    ``has_labour``: at least one member of ordinary or skilled labour capacity (owed a development
    measure); ``no_labour``: every member has lost it or has none (a whole household without labour
    capacity: owed protective cover); ``weak_labour``: the others when every code is known (weak or
    half labour, none able); ``unknown``: no members, or a code this version does not know and no
    able member.
    """
    codes = set(capacities)
    if codes & ABLE:
        return HAS_LABOUR
    if not codes or not codes <= {c.value for c in LabourCapacity}:
        return LABOUR_UNKNOWN
    return NO_LABOUR if codes <= UNABLE else WEAK_LABOUR


def has_labour_capacity(household: LedgerHousehold | None) -> bool:
    """At least one member able to work, as the household's latest visit recorded."""
    return household is not None and household.labour == HAS_LABOUR


def whole_household_without_labour(household: LedgerHousehold | None) -> bool:
    """Every member without labour capacity (lost or none), as the household's latest visit recorded."""
    return household is not None and household.labour == NO_LABOUR


async def _row_for(session: AppSession, household_id: uuid.UUID, org_code: str) -> LedgerHousehold:
    repository = HouseholdViewRepository(session)
    row = await repository.get_for_update(household_id)
    if row is None:
        row = LedgerHousehold(household_id=household_id, org_code=org_code)
        session.add(row)
    return row


def _newer(candidate: tuple, current: tuple | None) -> bool:
    return current is None or None in current or candidate > current


def _apply_register(row: LedgerHousehold, *, occurred_at: datetime, org_code: str, household_number: str,
                    group_name: str | None, head_name: str, kinds: list[str], risk_status: str | None,
                    member_count: int | None = None, removed: bool | None = None) -> bool:
    if not _newer((occurred_at,), (row.register_as_of,) if row.register_as_of else None):
        return False
    row.org_code, row.household_number, row.group_name, row.head_name = org_code, household_number, group_name, \
        head_name
    row.household_kinds, row.risk_status, row.register_as_of = list(kinds), risk_status, occurred_at
    if member_count is not None:
        row.member_count = member_count
    if removed is not None:
        row.removed = removed
    return True


async def apply_household_changed(session: AppSession, envelope: Envelope) -> LedgerHousehold:
    event = envelope.read(HouseholdChanged)
    row = await _row_for(session, event.household_id, event.org_code)
    _apply_register(row, occurred_at=envelope.occurred_at, org_code=event.org_code,
                    household_number=event.household_number, group_name=event.group_name, head_name=event.head_name,
                    kinds=event.household_kinds, risk_status=event.risk_status, member_count=event.member_count,
                    removed=event.change == "deleted")
    row.updated_at = clock.now()
    await session.flush()
    return row


async def apply_visit(session: AppSession, envelope: Envelope) -> LedgerHousehold:
    visit = envelope.read(VisitSubmitted)
    row = await _row_for(session, visit.household_id, visit.org_code)
    _apply_register(row, occurred_at=envelope.occurred_at, org_code=visit.org_code,
                    household_number=visit.household_number, group_name=visit.group_name, head_name=visit.head_name,
                    kinds=visit.household_kinds, risk_status=visit.risk_status, member_count=len(visit.members))
    if _newer((visit.visited_at, visit.received_at), (row.visited_at, row.visit_received_at)):
        row.visit_id, row.visited_at, row.visit_received_at = visit.visit_id, visit.visited_at, visit.received_at
        row.visit_method, row.visit_has_risk = visit.method, visit.risk.has_risk
        row.visit_risk_causes = list(visit.risk.causes)
        row.visit_guarantees = visit.guarantees.model_dump(mode="json")
        row.labour = labour_summary([m.labour_capacity for m in visit.members])
        row.labour_members = [m.name for m in visit.members if m.labour_capacity in ABLE]
        row.visit_key_target_groups = list(visit.key_target_groups)
    row.updated_at = clock.now()
    await session.flush()
    return row


async def apply_income(session: AppSession, envelope: Envelope) -> LedgerHousehold:
    income = envelope.read(IncomeAssessed)
    row = await _row_for(session, income.household_id, income.org_code)
    if income.is_latest is not False and _newer((income.year, envelope.occurred_at),
                                                (row.income_year, row.income_as_of)):
        row.income_assessment_id, row.income_year, row.income_as_of = (income.assessment_id, income.year,
                                                                        envelope.occurred_at)
        row.income_class, row.income_below_line = income.income_class, income.below_monitoring_line
        row.income_per_capita = income.per_capita_net_income
    row.updated_at = clock.now()
    await session.flush()
    return row


APPLY: dict[str, Callable[[AppSession, Envelope], Awaitable[LedgerHousehold]]] = {
    "household.changed": apply_household_changed,
    "visit.submitted": apply_visit,
    "income.assessed": apply_income,
}


async def consume(session: AppSession, envelope: Envelope) -> LedgerHousehold:
    """Keep the event in the source log and apply it to the view."""
    household_id = uuid.UUID(str(envelope.payload["household_id"]))
    SourceEventRepository(session).add(LedgerSourceEvent(
        event_id=envelope.id, event_type=envelope.type, version=envelope.version, household_id=household_id,
        org_code=envelope.org_code, occurred_at=envelope.occurred_at, envelope=envelope.model_dump(mode="json")))
    return await APPLY[envelope.type](session, envelope)


async def rebuild(session: AppSession, *, progress: Callable[[int, int], Awaitable[None]] | None = None) -> dict:
    """Empty the view and replay every logged source event into it, in order of occurrence."""
    sources = SourceEventRepository(session)
    total = await sources.count()
    removed = await HouseholdViewRepository(session).delete_all()
    replayed = 0
    async for stored in sources.in_order():
        envelope = Envelope.model_validate(stored.envelope)
        await APPLY[envelope.type](session, envelope)
        replayed += 1
        if progress is not None and replayed % 1000 == 0:
            await progress(replayed, total)
    households = (await HouseholdViewRepository(session).page(org=None, limit=1, offset=0))[1]
    return {"events_replayed": replayed, "households_before": removed, "households": households}


def household_read(row: LedgerHousehold, decided: str | None = None) -> LedgerHouseholdRead:
    category = category_of(row, decided)
    return LedgerHouseholdRead.model_validate(row, from_attributes=True).model_copy(
        update={"category": category, "category_label": category.label if category else None})


async def list_households(session: AppSession, *, org: str | None = None, limit: int, offset: int,
                          criteria: HouseholdFilter | None = None) -> LedgerHouseholdPage:
    rows, total = await HouseholdViewRepository(session).page(org=org, limit=limit, offset=offset, criteria=criteria)
    decided = await MonitoringRepository(session).categories([row.household_id for row in rows])
    return LedgerHouseholdPage(items=[household_read(row, decided.get(row.household_id)) for row in rows],
                               total=total, limit=limit, offset=offset)


async def get_household(session: AppSession, *, household_id: uuid.UUID) -> LedgerHouseholdRead:
    row = await HouseholdViewRepository(session).get(household_id)
    if row is None:
        raise NotFound(f"the ledger has heard of no household {household_id} in your scope")
    return household_read(row, await MonitoringRepository(session).category(household_id))
