"""Income test data: rule-set documents, visit.submitted payloads, declarations, and ways to feed them in."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

from sqlalchemy import select

from services.income.assessments.models import Assessment
from shared.data.platform_tables import OutboxEvent
from shared.events.contracts.intake import HouseholdChanged, VisitSubmitted
from shared.events.envelope import Envelope
from shared.events.outbox import publish
from tests.factories.visit_forms import (
    valid_guarantees,
    valid_income,
    valid_income_amounts,
    valid_risk,
    valid_self_coping,
)

VILLAGE = "500151108201"


def packaged_ruleset(**overrides: Any) -> dict[str, Any]:
    """The shipped 2024 rule set of district 500151 as JSON data, with fields replaced."""
    data = json.loads(resources.files("shared.domain").joinpath("rulesets.json").read_text("utf-8"))
    return {**data["rulesets"][0], **overrides}


def brackets(monitoring_line: str = "8300") -> list[dict[str, Any]]:
    """The form's six brackets, the lowest starting at ``monitoring_line``."""
    return [
        {"code": "8300_10000", "lower_exclusive": monitoring_line, "upper_inclusive": "10000"},
        {"code": "10000_12000", "lower_exclusive": "10000", "upper_inclusive": "12000"},
        {"code": "12000_16000", "lower_exclusive": "12000", "upper_inclusive": "16000"},
        {"code": "16000_20000", "lower_exclusive": "16000", "upper_inclusive": "20000"},
        {"code": "20000_30000", "lower_exclusive": "20000", "upper_inclusive": "30000"},
        {"code": "over_30000", "lower_exclusive": "30000", "upper_inclusive": None},
    ]


def raised_2024(version: str = "2024.2", monitoring_line: str = "9000", low_income_line: str = "14000",
                **overrides: Any) -> dict[str, Any]:
    """A later 2024 version with raised lines (test data, not official figures)."""
    return packaged_ruleset(version=version, monitoring_line=monitoring_line, low_income_line=low_income_line,
                            brackets=brackets(monitoring_line), source="test: raised lines") | overrides


def ruleset_2023(**overrides: Any) -> dict[str, Any]:
    """A 2023 rule set a district admin might add (test data, not official figures)."""
    return packaged_ruleset(
        year=2023, version="2023.1", source="test: 2023 figures entered by the district",
        monitoring_line="7500", low_income_line="12000", low_income_line_income_year=2022,
        income_year_start="2022-10-01", income_year_end="2023-09-30", brackets=brackets("7500"),
    ) | overrides


def ruleset_2025(**overrides: Any) -> dict[str, Any]:
    """A 2025 rule set (income year 1 October 2024 to 30 September 2025; test data, not official figures)."""
    return packaged_ruleset(
        year=2025, version="2025.1", source="test: 2025 figures entered by the district",
        monitoring_line="8600", low_income_line="13500", low_income_line_income_year=2024,
        income_year_start="2024-10-01", income_year_end="2025-09-30", brackets=brackets("8600"),
    ) | overrides


def visit_member(months: int = 12, **overrides: Any) -> dict[str, Any]:
    return {
        "member_id": str(uuid.uuid4()),
        "name": "张德明",
        "relation": "head",
        "birth_date": "1972-04-18",
        "sex": "male",
        "labour_capacity": "ordinary",
        "months_in_household": months,
    } | overrides


def visit_submitted(*, income: dict[str, Any] | None = None, members: list[dict[str, Any]] | None = None,
                    org_code: str = VILLAGE, household_id: uuid.UUID | None = None,
                    visited_at: str = "2024-09-05T10:30:00+08:00", **overrides: Any) -> VisitSubmitted:
    """A visit.submitted payload; the income section defaults to a ticked bracket (16000_20000)."""
    data = {
        "visit_id": str(uuid.uuid4()),
        "household_id": str(household_id or uuid.uuid4()),
        "household_number": "5001511082010001",
        "org_code": org_code,
        "group_name": "一社",
        "head_name": "张德明",
        "method": "home_visit",
        "visited_at": visited_at,
        "received_at": visited_at,
        "household_kinds": ["general"],
        "risk_status": None,
        "key_target_groups": ["none"],
        "members": members if members is not None else [visit_member(), visit_member(name="李桂兰",
                                                                                    relation="spouse")],
        "income": income if income is not None else valid_income(),
        "guarantees": valid_guarantees(),
        "self_coping": valid_self_coping(),
        "risk": valid_risk(),
        "findings": [],
        "submitted_by": "user-cadre-1",
    } | overrides
    return VisitSubmitted.model_validate(data)


def amounts_income(**amounts: Any) -> dict[str, Any]:
    """An income section giving the amounts A–E (below the monitoring range)."""
    return {"amounts": valid_income_amounts(**amounts)}


async def publish_visit(system, visit: VisitSubmitted) -> Envelope:
    """Stage visit.submitted in the intake outbox, as intake would; ``system.settle()`` delivers it."""
    async with system.runtimes["intake"].db.transaction() as session:
        return await publish(session, visit, org_code=visit.org_code, source="intake")


async def assessments_of(system, household_id: uuid.UUID | str) -> list[Assessment]:
    async with system.runtimes["income"].db.session() as session:
        query = (select(Assessment).where(Assessment.household_id == uuid.UUID(str(household_id)))
                 .order_by(Assessment.assessed_at))
        return list((await session.scalars(query)).all())


async def income_events(system, household_id: uuid.UUID | str | None = None) -> list[dict[str, Any]]:
    """The income.assessed envelopes in the income outbox (for one household, if given)."""
    async with system.runtimes["income"].db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "income.assessed")
                                      .order_by(OutboxEvent.created_at))).all()
    envelopes = [row.envelope for row in rows]
    if household_id is not None:
        envelopes = [e for e in envelopes if e["payload"]["household_id"] == str(household_id)]
    return envelopes


def declaration(*months: int, **fields: Any) -> dict[str, Any]:
    """An IncomeDeclaration as JSON; members by their months in the household (default two, all year)."""
    members = [{"member_id": f"m{i}", "months_in_household": m} for i, m in enumerate(months or (12, 12), 1)]
    return {"members": members, **fields}


async def known_household(system, org_code: str = VILLAGE, household_id: uuid.UUID | None = None) -> uuid.UUID:
    """A household income has heard of: intake's household.changed, published and delivered."""
    household_id = household_id or uuid.uuid4()
    payload = HouseholdChanged(household_id=household_id, household_number=f"H{household_id.hex[:8]}",
                               org_code=org_code, group_name="一社", head_name="张德明", household_kinds=["general"],
                               risk_status=None, member_count=2, change="created")
    async with system.runtimes["intake"].db.transaction() as session:
        await publish(session, payload, org_code=org_code, source="intake")
    await system.settle()
    return household_id
