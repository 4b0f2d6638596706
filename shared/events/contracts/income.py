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
