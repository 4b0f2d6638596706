"""API models of the ledger's household view."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from shared.domain.enums import LedgerHouseholdCategory


class LedgerHouseholdRead(BaseModel):
    """What the ledger knows of a household, and as of when for each part."""

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
    income_assessment_id: uuid.UUID | None
    income_year: int | None
    income_class: str | None
    income_below_line: bool | None
    income_per_capita: Decimal | None


class LedgerHouseholdPage(BaseModel):
    items: list[LedgerHouseholdRead]
    total: int
    limit: int
    offset: int
