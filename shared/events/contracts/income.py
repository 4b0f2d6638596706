"""Events the income service publishes: ``income.assessed``."""

from __future__ import annotations

import uuid
from decimal import Decimal

from shared.domain.enums import IncomeBracket
from shared.events.envelope import EventPayload, code_of, contract


@contract("income.assessed", 1)
class IncomeAssessed(EventPayload):
    """A household's income assessed for an income year, with its classification and the rules used."""

    assessment_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    year: int
    basis: str  # "amounts" (computed) | "bracket" (ticked on the form) | "declaration" (full 附件5 input)
    per_capita_net_income: Decimal | None
    per_capita_after_compliant_expenses: Decimal | None
    bracket: code_of(IncomeBracket) | None
    below_monitoring_line: bool
    in_low_income_group: bool
    ruleset_version: str
    source_visit_id: uuid.UUID | None = None
    previous_class: str | None = None  # set by a reassessment that changed the household's class
    # Added in place (optional, so v1 readers are unaffected):
    ruleset_region: str | None = None
    # below_monitoring_line | below_monitoring_line_not_low_income | low_income_group | above_low_income_line
    income_class: str | None = None
    # False when a ticked bracket straddles a line of the rule set, so a classification is carried over
    classification_certain: bool | None = None
    # False when a visit older than the household's current assessment of that year arrived late
    is_latest: bool | None = None
    previous_assessment_id: uuid.UUID | None = None  # the assessment a reassessment recomputed

    example = {
        "assessment_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "year": 2024,
        "basis": "amounts",
        "per_capita_net_income": "6588.58",
        "per_capita_after_compliant_expenses": "5872.45",
        "bracket": None,
        "below_monitoring_line": True,
        "in_low_income_group": True,
        "ruleset_version": "2024.1",
        "source_visit_id": "3f1c9a52-7d4e-4b8a-9c61-2e5f0a7b8d13",
        "previous_class": None,
        "ruleset_region": "500151",
        "income_class": "below_monitoring_line",
        "classification_certain": True,
        "is_latest": True,
        "previous_assessment_id": None,
    }


@contract("ruleset.published", 1)
class RuleSetPublished(EventPayload):
    """A rule-set version a district admin added in income, for every service that screens by rule sets.

    ``document`` is the rule set as plain JSON data, in the shape of one entry of the packaged
    ``shared/domain/rulesets.json`` (figures as decimal strings, dates as ISO dates), so a consumer
    validates it with the same model the packaged file is read with. Versions never change once
    published: a consumer that already holds (year, region, version) keeps what it holds.
    """

    year: int
    region: str
    version: str
    document: dict  # plain JSON data

    example = {
        "year": 2024,
        "region": "500151108",
        "version": "2024.2",
        "document": {
            "year": 2024, "region": "500151108", "version": "2024.2",
            "source": "西河镇 2024: the low-income line set at 13500 by the city's revised roster",
            "monitoring_line": "8300", "low_income_line": "13500", "low_income_line_income_year": 2023,
            "income_year_start": "2023-10-01", "income_year_end": "2024-09-30",
            "brackets": [
                {"code": "8300_10000", "lower_exclusive": "8300", "upper_inclusive": "10000"},
                {"code": "10000_12000", "lower_exclusive": "10000", "upper_inclusive": "12000"},
                {"code": "12000_16000", "lower_exclusive": "12000", "upper_inclusive": "16000"},
                {"code": "16000_20000", "lower_exclusive": "16000", "upper_inclusive": "20000"},
                {"code": "20000_30000", "lower_exclusive": "20000", "upper_inclusive": "30000"},
                {"code": "over_30000", "lower_exclusive": "30000", "upper_inclusive": None},
            ],
            "below_13000_threshold": "13000", "gps_max_accuracy_m": 50, "gps_max_distance_m": 500,
        },
    }
