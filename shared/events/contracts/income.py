"""Events the income service publishes: ``income.assessed``."""

from __future__ import annotations

import uuid
from decimal import Decimal

from shared.domain.enums import IncomeBracket
from shared.events.envelope import EventPayload, contract


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
    bracket: IncomeBracket | None
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
