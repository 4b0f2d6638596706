"""API models of rule sets: the rule set itself (as created and read) and its list entry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from services.income.rulesets.models import RuleSetOrigin
from shared.domain.rulesets import RuleSet

RuleSetCreate = RuleSet
"""A new version is validated by the very model the computation reads."""


class RuleSetRead(RuleSet):
    """A rule set with where it came from; ``created_at`` is None for a packaged one not yet copied in."""

    origin: RuleSetOrigin
    created_by: str | None = None
    created_at: datetime | None = None


class RuleSetSummary(BaseModel):
    """One line of the rule-set list."""

    year: int
    region: str
    version: str
    origin: RuleSetOrigin
    monitoring_line: Decimal
    low_income_line: Decimal
    income_year_start: date
    income_year_end: date
    created_at: datetime | None = None
