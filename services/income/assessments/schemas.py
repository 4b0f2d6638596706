"""API models of assessments: the stateless calculation, stored assessments, history and income drops."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from services.income.assessments.models import AssessmentBasis, AssessmentOrigin
from services.income.calculation.domain_model import (
    MAX_MEMBERS,
    HouseholdMember,
    IncomeAssessment,
    IncomeClass,
    IncomeDeclaration,
    check_household,
)
from shared.domain.enums import IncomeBracket
from shared.domain.org_codes import OrgCode
from shared.domain.visit_form import Income

MonitoringYear = Annotated[int, Field(ge=2000, le=2100, description="监测年度: the rule set's year")]


class VisitIncome(BaseModel):
    """A visit's income answers: the visit form's income section exactly as the form sends it (the
    amounts under the form's names, ``compliant_expenses``, ``claim_income``), and who lives in the
    household. The form's branch (2) is required here: a ticked bracket has no figure to compute."""

    model_config = ConfigDict(extra="forbid")

    income: Income = Field(description="the form's `income` section, unchanged; `amounts` is required")
    members: list[HouseholdMember] = Field(max_length=MAX_MEMBERS,
                                         description="the form's members with their months in the household")

    @model_validator(mode="after")
    def _amounts_given(self) -> VisitIncome:
        if self.income.amounts is None:
            error = PydanticCustomError(
                "required_when", "required: calculate computes the amounts; a ticked bracket has no figure")
            raise ValidationError.from_exception_data(
                type(self).__name__, [InitErrorDetails(type=error, loc=("income", "amounts"), input=None)]
            )
        return self

    @field_validator("members")
    @classmethod
    def _household_not_empty(cls, members: list[HouseholdMember]) -> list[HouseholdMember]:
        check_household(members)
        return members


class CalculationRequest(BaseModel):
    """What to compute: a full 附件5 declaration, or a visit form's income section.

    ``org_code`` (default: the caller's) picks the region's rule set; ``year`` (default: the year
    whose income year contains today) and ``ruleset_version`` (default: the newest) pick the version.
    """

    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode | None = None
    year: MonitoringYear | None = None
    ruleset_version: str | None = Field(default=None, max_length=20)
    declaration: IncomeDeclaration | None = None
    visit: VisitIncome | None = None

    @model_validator(mode="after")
    def _one_input(self) -> CalculationRequest:
        if (self.declaration is None) == (self.visit is None):
            given = "both were given" if self.declaration is not None else "neither was given"
            error = PydanticCustomError("income_input", f"give either declaration or visit; {given}")
            raise ValidationError.from_exception_data(
                type(self).__name__, [InitErrorDetails(type=error, loc=("declaration",), input=None)]
            )
        return self


class CalculationRead(IncomeAssessment):
    """The computed figures, classifications and the line-by-line breakdown (nothing is stored)."""

    basis: AssessmentBasis
    income_class: IncomeClass
    below_13000: bool | None = Field(
        description="the form's follow-up answer (是否低于1.3万元) for the bracket that asks it (12000_16000 in "
                    "2024): whether the figure is below the rule set's below_13000_threshold; null for any other "
                    "bracket or below the monitoring line")


class DeclarationAssessmentCreate(BaseModel):
    """A household's itemised income (附件5) for a monitoring year, to be stored as its assessment."""

    model_config = ConfigDict(extra="forbid")

    org_code: OrgCode
    year: MonitoringYear
    declaration: IncomeDeclaration


class AssessmentRead(BaseModel):
    """One stored assessment: its figures, classification and the rule-set version it used."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    year: int
    basis: AssessmentBasis
    origin: AssessmentOrigin
    ruleset_region: str
    ruleset_version: str
    observed_at: datetime
    assessed_at: datetime
    assessed_by: str
    is_latest: bool
    source_visit_id: uuid.UUID | None
    previous_assessment_id: uuid.UUID | None
    reassessment_id: uuid.UUID | None
    member_months: int | None
    net_income: Decimal | None
    compliant_expenses: Decimal | None
    per_capita_net_income: Decimal | None
    per_capita_after_compliant_expenses: Decimal | None
    bracket: IncomeBracket | None
    below_13000: bool | None
    below_monitoring_line: bool
    in_low_income_group: bool
    classification_certain: bool
    income_class: IncomeClass
    previous_class: IncomeClass | None
    explanation: str | None


class AssessmentDetail(AssessmentRead):
    """An assessment with its inputs and, for computed figures, the breakdown rebuilt from them."""

    inputs: dict[str, Any]
    computation: IncomeAssessment | None


class IncomeChange(BaseModel):
    """Per-capita net income against the previous monitoring year (None where either has no figure)."""

    previous_year: int
    previous_assessment_id: uuid.UUID
    previous_per_capita_net_income: Decimal
    per_capita_net_income: Decimal
    absolute_change: Decimal
    percent_change: Decimal | None = Field(
        description="to 0.01 %, None when last year's figure is zero or negative (no meaningful base)"
    )


class YearAssessment(BaseModel):
    year: int
    assessment: AssessmentRead
    change_from_previous_year: IncomeChange | None


class HouseholdIncomeHistory(BaseModel):
    """A household's latest assessment per monitoring year, and every assessment on request."""

    household_id: uuid.UUID
    years: list[YearAssessment]
    assessments: list[AssessmentRead] | None = None


class IncomeDrop(BaseModel):
    """收入降幅较大: a household whose per-capita net income fell against the previous year."""

    household_id: uuid.UUID
    org_code: str
    year: int
    assessment_id: uuid.UUID
    per_capita_net_income: Decimal
    previous_assessment_id: uuid.UUID
    previous_per_capita_net_income: Decimal
    absolute_change: Decimal
    drop_percent: Decimal


class IncomeDropPage(BaseModel):
    """One page, in household order; pass ``next_after`` as ``after`` for the next page."""

    year: int
    min_drop_percent: Decimal
    items: list[IncomeDrop]
    next_after: uuid.UUID | None
