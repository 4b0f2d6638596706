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

    model_config = ConfigDict(json_schema_extra={"examples": [{"year": 2024,
                                                       "region": "500151",
                                                       "version": "2024.2",
                                                       "source": "区乡村振兴局关于调整2024年度防止返贫监测范围的通知",
                                                       "monitoring_line": "8300.00",
                                                       "low_income_line": "13032.00",
                                                       "low_income_line_income_year": 2023,
                                                       "income_year_start": "2023-10-01",
                                                       "income_year_end": "2024-09-30",
                                                       "brackets": [{"code": "8300_10000",
                                                                     "lower_exclusive": "8300.00",
                                                                     "upper_inclusive": "10000.00"},
                                                                    {"code": "10000_12000",
                                                                     "lower_exclusive": "10000.00",
                                                                     "upper_inclusive": "12000.00"},
                                                                    {"code": "12000_16000",
                                                                     "lower_exclusive": "12000.00",
                                                                     "upper_inclusive": "16000.00"},
                                                                    {"code": "16000_20000",
                                                                     "lower_exclusive": "16000.00",
                                                                     "upper_inclusive": "20000.00"},
                                                                    {"code": "20000_30000",
                                                                     "lower_exclusive": "20000.00",
                                                                     "upper_inclusive": "30000.00"},
                                                                    {"code": "over_30000", "lower_exclusive": "30000.00", "upper_inclusive": None}],
                                                       "below_13000_threshold": "13000.00",
                                                       "gps_max_accuracy_m": 50,
                                                       "gps_max_distance_m": 500,
                                                       "origin": "admin",
                                                       "created_by": "u-500151-001",
                                                       "created_at": "2026-03-18T09:00:00+08:00"}]})

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
