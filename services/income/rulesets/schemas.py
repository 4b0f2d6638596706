"""API models of rule sets: the rule set itself (as created and read) and its list entry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.income.rulesets.models import RuleSetOrigin
from shared.domain.rulesets import RuleSet

RuleSetCreate = RuleSet
"""A new version is validated by the very model the computation reads."""


class RuleSetRead(RuleSet):
    """A rule set with where it came from; ``created_at`` is None for a packaged one not yet copied in."""

    # Its figures come from the packaged data file, never from code.
    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update(examples=[{
        **RuleSet.model_json_schema()["examples"][0], "origin": "admin", "created_by": "u-500151-001",
        "created_at": "2026-03-18T09:00:00+08:00"}]))

    origin: RuleSetOrigin
    created_by: str | None = None
    created_at: datetime | None = None


class RuleSetSummary(BaseModel):
    """One line of the rule-set list."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"year": 2024,
                                                       "region": "500151",
                                                       "version": "2024.2",
                                                       "monitoring_line": "8300.00",
                                                       "low_income_line": "13032.00",
                                                       "income_year_start": "2023-10-01",
                                                       "income_year_end": "2024-09-30",
                                                       "origin": "admin",
                                                       "created_at": "2026-03-18T09:00:00+08:00"}]})

    year: int
    region: str
    version: str
    origin: RuleSetOrigin
    monitoring_line: Decimal
    low_income_line: Decimal
    income_year_start: date
    income_year_end: date
    created_at: datetime | None = None
