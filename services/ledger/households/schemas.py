"""API models of the ledger's household view."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import LedgerHouseholdCategory
from shared.domain.examples import example_of


class LedgerHouseholdRead(BaseModel):
    """What the ledger knows of a household, and as of when for each part."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "household_number": "5001511082010037",
                                                       "group_name": "三组",
                                                       "head_name": "李建国",
                                                       "household_kinds": ["poverty_alleviated", "monitored"],
                                                       "risk_status": "unresolved",
                                                       "category": "monitored_unresolved",
                                                       "category_label": "监测户（未消除风险）",
                                                       "member_count": 3,
                                                       "removed": False,
                                                       "register_as_of": "2026-03-12T16:40:00+08:00",
                                                       "visit_id": "0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017",
                                                       "visited_at": "2026-03-12T10:30:00+08:00",
                                                       "visit_method": "home_visit",
                                                       "visit_has_risk": True,
                                                       "visit_risk_causes": ["illness"],
                                                       "visit_guarantees": {"dropout": False,
                                                                            "uninsured": False,
                                                                            "housing_unsafe": False,
                                                                            "water_unsafe": False},
                                                       "labour": "has_labour",
                                                       "labour_members": ["李建国"],
                                                       "income_assessment_id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                       "income_year": 2024,
                                                       "income_class": "low_income_group",
                                                       "income_below_line": False,
                                                       "income_per_capita": "10792.50"}]})

    household_id: uuid.UUID
    org_code: str
    household_number: str | None
    group_name: str | None
    head_name: str | None
    household_kinds: list[str]
    risk_status: str | None
    category: LedgerHouseholdCategory | None = None
    category_label: str | None = None
    member_count: int | None
    removed: bool
    register_as_of: datetime | None
    visit_id: uuid.UUID | None
    visited_at: datetime | None
    visit_method: str | None
    visit_has_risk: bool | None
    visit_risk_causes: list[str]
    visit_guarantees: dict | None
    labour: str | None = Field(default=None, description="from the latest visit's members: has_labour (at least one "
                               "of ordinary or skilled labour capacity), weak_labour, no_labour (the whole household "
                               "without labour capacity) or unknown")
    labour_members: list[str] = Field(default=[], description="the members able to work (ordinary or skilled)")
    visit_key_target_groups: list[str] = []
    income_assessment_id: uuid.UUID | None
    income_year: int | None
    income_class: str | None
    income_below_line: bool | None
    income_per_capita: Decimal | None


class LedgerHouseholdPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(LedgerHouseholdRead)], "total": 1, "limit": 50, "offset": 0}]})

    items: list[LedgerHouseholdRead]
    total: int
    limit: int
    offset: int
