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

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"org_code": "500151108201",
                                                       "year": 2024,
                                                       "declaration": {"members": [{"member_id": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f",
                                                                                    "months_in_household": 12},
                                                                                   {"member_id": "6a3c9d2f-4e5b-4f7c-8d8e-2b3c4d5e6f70",
                                                                                    "months_in_household": 12},
                                                                                   {"name": "李浩然", "months_in_household": 8}],
                                                                       "public_welfare_jobs": [{"post": "forest_ranger", "amount": "6000"}],
                                                                       "other_wage_jobs": [{"place": "in_province_outside_county",
                                                                                            "amount": "18000",
                                                                                            "food_and_lodging_cost": "2400",
                                                                                            "travel_cost": "300"}],
                                                                       "transfer_items": [{"kind": "pension", "amount": "2280"}],
                                                                       "production_items": [{"kind": "cash_sales",
                                                                                             "industry": "柑橘",
                                                                                             "amount": "5200"}]}}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"ruleset_year": 2024,
                                                       "ruleset_region": "500151",
                                                       "ruleset_version": "2024.1",
                                                       "monitoring_line": "8300.00",
                                                       "low_income_line": "13032.00",
                                                       "wage_income": "21300.00",
                                                       "property_income": "0.00",
                                                       "transfer_income": "2280.00",
                                                       "production_income": "5200.00",
                                                       "production_expense": "0.00",
                                                       "net_income": "28780.00",
                                                       "compliant_expenses": "0.00",
                                                       "member_months": 32,
                                                       "household_size": "2.6667",
                                                       "per_capita_net_income": "10792.50",
                                                       "per_capita_after_compliant_expenses": "10792.50",
                                                       "bracket": "10000_12000",
                                                       "below_monitoring_line": False,
                                                       "in_low_income_group": True,
                                                       "household_members": [{"member": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f",
                                                                              "months_in_household": 12,
                                                                              "months_counted": 12,
                                                                              "rule": "household.months_in_household"},
                                                                             {"member": "6a3c9d2f-4e5b-4f7c-8d8e-2b3c4d5e6f70",
                                                                              "months_in_household": 12,
                                                                              "months_counted": 12,
                                                                              "rule": "household.months_in_household"},
                                                                             {"member": "李浩然",
                                                                              "months_in_household": 8,
                                                                              "months_counted": 8,
                                                                              "rule": "household.months_in_household"}],
                                                       "breakdown": [{"section": "wage",
                                                                      "item": "forest_ranger",
                                                                      "source": "public_welfare_jobs.0",
                                                                      "label": "公益性岗位收入（护林员）",
                                                                      "amount": "6000.00",
                                                                      "counted_amount": "6000.00",
                                                                      "counted": True,
                                                                      "rule": "wage.public_welfare_job",
                                                                      "explanation": "Cash pay from a public-welfare post counts in full as wage "
                                                                                     "income."},
                                                                     {"section": "wage",
                                                                      "item": "in_province_outside_county",
                                                                      "source": "other_wage_jobs.0",
                                                                      "label": "县外省内务工工资性收入",
                                                                      "amount": "18000.00",
                                                                      "counted_amount": "15300.00",
                                                                      "counted": True,
                                                                      "rule": "wage.net_of_employment_costs",
                                                                      "explanation": "Wage income outside the county counts net of necessary food, "
                                                                                     "lodging and return travel costs. Cash wage 18000.00 less "
                                                                                     "employment costs 2700.00 (food and lodging 2400.00 + travel "
                                                                                     "300.00) = 15300.00."},
                                                                     {"section": "transfer",
                                                                      "item": "pension",
                                                                      "source": "transfer_items.0",
                                                                      "label": "养老金或离退休金（含高龄津贴）",
                                                                      "amount": "2280.00",
                                                                      "counted_amount": "2280.00",
                                                                      "counted": True,
                                                                      "rule": "transfer.pension",
                                                                      "explanation": "Pensions and retirement pay, old-age allowances included, "
                                                                                     "count as transfer income."},
                                                                     {"section": "production",
                                                                      "item": "cash_sales",
                                                                      "source": "production_items.0",
                                                                      "label": "变现收入（柑橘）",
                                                                      "amount": "5200.00",
                                                                      "counted_amount": "5200.00",
                                                                      "counted": True,
                                                                      "rule": "production.cash_sales",
                                                                      "explanation": "Cash actually received from production counts as production "
                                                                                     "income."},
                                                                     {"section": "production_expense",
                                                                      "item": "total",
                                                                      "source": "production_expense.total",
                                                                      "label": "生产经营性支出（合计）",
                                                                      "amount": "0",
                                                                      "counted_amount": "0",
                                                                      "counted": True,
                                                                      "rule": "production_expense.total",
                                                                      "explanation": "Total production expense as recorded: running costs, "
                                                                                     "depreciation, taxes and contract fees."}],
                                                       "basis": "declaration",
                                                       "income_class": "low_income_group",
                                                       "below_13000": True}]})

    basis: AssessmentBasis
    income_class: IncomeClass
    below_13000: bool | None = Field(
        description="the form's follow-up answer (是否低于1.3万元) for the bracket that asks it (12000_16000 in "
                    "2024): whether the figure is below the rule set's below_13000_threshold; null for any other "
                    "bracket or below the monitoring line")


class DeclarationAssessmentCreate(BaseModel):
    """A household's itemised income (附件5) for a monitoring year, to be stored as its assessment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"org_code": "500151108201",
                                                       "year": 2024,
                                                       "declaration": {"members": [{"member_id": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f",
                                                                                    "months_in_household": 12},
                                                                                   {"member_id": "6a3c9d2f-4e5b-4f7c-8d8e-2b3c4d5e6f70",
                                                                                    "months_in_household": 12},
                                                                                   {"name": "李浩然", "months_in_household": 8}],
                                                                       "public_welfare_jobs": [{"post": "forest_ranger", "amount": "6000"}],
                                                                       "other_wage_jobs": [{"place": "in_province_outside_county",
                                                                                            "amount": "18000",
                                                                                            "food_and_lodging_cost": "2400",
                                                                                            "travel_cost": "300"}],
                                                                       "transfer_items": [{"kind": "pension", "amount": "2280"}],
                                                                       "production_items": [{"kind": "cash_sales",
                                                                                             "industry": "柑橘",
                                                                                             "amount": "5200"}]}}]})

    org_code: OrgCode
    year: MonitoringYear
    declaration: IncomeDeclaration


class AssessmentRead(BaseModel):
    """One stored assessment: its figures, classification and the rule-set version it used."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "year": 2024,
                                                       "basis": "declaration",
                                                       "origin": "declaration",
                                                       "ruleset_region": "500151",
                                                       "ruleset_version": "2024.1",
                                                       "observed_at": "2026-03-12T10:30:00+08:00",
                                                       "assessed_at": "2026-03-12T10:31:05+08:00",
                                                       "assessed_by": "u-500151108201-017",
                                                       "is_latest": True,
                                                       "source_visit_id": None,
                                                       "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                       "reassessment_id": None,
                                                       "member_months": 32,
                                                       "net_income": "28780.00",
                                                       "compliant_expenses": "0.00",
                                                       "per_capita_net_income": "10792.50",
                                                       "per_capita_after_compliant_expenses": "10792.50",
                                                       "bracket": "10000_12000",
                                                       "below_13000": True,
                                                       "below_monitoring_line": False,
                                                       "in_low_income_group": True,
                                                       "classification_certain": True,
                                                       "income_class": "low_income_group",
                                                       "previous_class": "above_low_income_line",
                                                       "explanation": None}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "year": 2024,
                                                       "basis": "declaration",
                                                       "origin": "declaration",
                                                       "ruleset_region": "500151",
                                                       "ruleset_version": "2024.1",
                                                       "observed_at": "2026-03-12T10:30:00+08:00",
                                                       "assessed_at": "2026-03-12T10:31:05+08:00",
                                                       "assessed_by": "u-500151108201-017",
                                                       "is_latest": True,
                                                       "source_visit_id": None,
                                                       "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                       "reassessment_id": None,
                                                       "member_months": 32,
                                                       "net_income": "28780.00",
                                                       "compliant_expenses": "0.00",
                                                       "per_capita_net_income": "10792.50",
                                                       "per_capita_after_compliant_expenses": "10792.50",
                                                       "bracket": "10000_12000",
                                                       "below_13000": True,
                                                       "below_monitoring_line": False,
                                                       "in_low_income_group": True,
                                                       "classification_certain": True,
                                                       "income_class": "low_income_group",
                                                       "previous_class": "above_low_income_line",
                                                       "explanation": None,
                                                       "inputs": {"declaration": {"members": [{"member_id": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f",
                                                                                               "months_in_household": 12},
                                                                                              {"member_id": "6a3c9d2f-4e5b-4f7c-8d8e-2b3c4d5e6f70",
                                                                                               "months_in_household": 12},
                                                                                              {"name": "李浩然", "months_in_household": 8}],
                                                                                  "public_welfare_jobs": [{"post": "forest_ranger",
                                                                                                           "amount": "6000"}],
                                                                                  "other_wage_jobs": [{"place": "in_province_outside_county",
                                                                                                       "amount": "18000",
                                                                                                       "food_and_lodging_cost": "2400",
                                                                                                       "travel_cost": "300"}],
                                                                                  "transfer_items": [{"kind": "pension", "amount": "2280"}],
                                                                                  "production_items": [{"kind": "cash_sales",
                                                                                                        "industry": "柑橘",
                                                                                                        "amount": "5200"}]}},
                                                       "computation": {"ruleset_year": 2024,
                                                                       "ruleset_region": "500151",
                                                                       "ruleset_version": "2024.1",
                                                                       "monitoring_line": "8300.00",
                                                                       "low_income_line": "13032.00",
                                                                       "wage_income": "21300.00",
                                                                       "property_income": "0.00",
                                                                       "transfer_income": "2280.00",
                                                                       "production_income": "5200.00",
                                                                       "production_expense": "0.00",
                                                                       "net_income": "28780.00",
                                                                       "compliant_expenses": "0.00",
                                                                       "member_months": 32,
                                                                       "household_size": "2.6667",
                                                                       "per_capita_net_income": "10792.50",
                                                                       "per_capita_after_compliant_expenses": "10792.50",
                                                                       "bracket": "10000_12000",
                                                                       "below_monitoring_line": False,
                                                                       "in_low_income_group": True,
                                                                       "household_members": [{"member": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f",
                                                                                              "months_in_household": 12,
                                                                                              "months_counted": 12,
                                                                                              "rule": "household.months_in_household"},
                                                                                             {"member": "6a3c9d2f-4e5b-4f7c-8d8e-2b3c4d5e6f70",
                                                                                              "months_in_household": 12,
                                                                                              "months_counted": 12,
                                                                                              "rule": "household.months_in_household"},
                                                                                             {"member": "李浩然",
                                                                                              "months_in_household": 8,
                                                                                              "months_counted": 8,
                                                                                              "rule": "household.months_in_household"}],
                                                                       "breakdown": [{"section": "wage",
                                                                                      "item": "forest_ranger",
                                                                                      "source": "public_welfare_jobs.0",
                                                                                      "label": "公益性岗位收入（护林员）",
                                                                                      "amount": "6000.00",
                                                                                      "counted_amount": "6000.00",
                                                                                      "counted": True,
                                                                                      "rule": "wage.public_welfare_job",
                                                                                      "explanation": "Cash pay from a public-welfare post counts in "
                                                                                                     "full as wage income."},
                                                                                     {"section": "wage",
                                                                                      "item": "in_province_outside_county",
                                                                                      "source": "other_wage_jobs.0",
                                                                                      "label": "县外省内务工工资性收入",
                                                                                      "amount": "18000.00",
                                                                                      "counted_amount": "15300.00",
                                                                                      "counted": True,
                                                                                      "rule": "wage.net_of_employment_costs",
                                                                                      "explanation": "Wage income outside the county counts net of "
                                                                                                     "necessary food, lodging and return travel "
                                                                                                     "costs. Cash wage 18000.00 less employment "
                                                                                                     "costs 2700.00 (food and lodging 2400.00 + "
                                                                                                     "travel 300.00) = 15300.00."},
                                                                                     {"section": "transfer",
                                                                                      "item": "pension",
                                                                                      "source": "transfer_items.0",
                                                                                      "label": "养老金或离退休金（含高龄津贴）",
                                                                                      "amount": "2280.00",
                                                                                      "counted_amount": "2280.00",
                                                                                      "counted": True,
                                                                                      "rule": "transfer.pension",
                                                                                      "explanation": "Pensions and retirement pay, old-age "
                                                                                                     "allowances included, count as transfer "
                                                                                                     "income."},
                                                                                     {"section": "production",
                                                                                      "item": "cash_sales",
                                                                                      "source": "production_items.0",
                                                                                      "label": "变现收入（柑橘）",
                                                                                      "amount": "5200.00",
                                                                                      "counted_amount": "5200.00",
                                                                                      "counted": True,
                                                                                      "rule": "production.cash_sales",
                                                                                      "explanation": "Cash actually received from production counts "
                                                                                                     "as production income."},
                                                                                     {"section": "production_expense",
                                                                                      "item": "total",
                                                                                      "source": "production_expense.total",
                                                                                      "label": "生产经营性支出（合计）",
                                                                                      "amount": "0",
                                                                                      "counted_amount": "0",
                                                                                      "counted": True,
                                                                                      "rule": "production_expense.total",
                                                                                      "explanation": "Total production expense as recorded: running "
                                                                                                     "costs, depreciation, taxes and contract "
                                                                                                     "fees."}]}}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "years": [{"year": 2024,
                                                                  "assessment": {"id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                                                 "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                                                 "org_code": "500151108201",
                                                                                 "year": 2024,
                                                                                 "basis": "declaration",
                                                                                 "origin": "declaration",
                                                                                 "ruleset_region": "500151",
                                                                                 "ruleset_version": "2024.1",
                                                                                 "observed_at": "2026-03-12T10:30:00+08:00",
                                                                                 "assessed_at": "2026-03-12T10:31:05+08:00",
                                                                                 "assessed_by": "u-500151108201-017",
                                                                                 "is_latest": True,
                                                                                 "source_visit_id": None,
                                                                                 "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                                                 "reassessment_id": None,
                                                                                 "member_months": 32,
                                                                                 "net_income": "28780.00",
                                                                                 "compliant_expenses": "0.00",
                                                                                 "per_capita_net_income": "10792.50",
                                                                                 "per_capita_after_compliant_expenses": "10792.50",
                                                                                 "bracket": "10000_12000",
                                                                                 "below_13000": True,
                                                                                 "below_monitoring_line": False,
                                                                                 "in_low_income_group": True,
                                                                                 "classification_certain": True,
                                                                                 "income_class": "low_income_group",
                                                                                 "previous_class": "above_low_income_line",
                                                                                 "explanation": None},
                                                                  "change_from_previous_year": {"previous_year": 2023,
                                                                                                "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                                                                "previous_per_capita_net_income": "13650.00",
                                                                                                "per_capita_net_income": "10792.50",
                                                                                                "absolute_change": "-2857.50",
                                                                                                "percent_change": "-20.93"}}],
                                                       "assessments": None}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"year": 2024,
                                                       "min_drop_percent": "10",
                                                       "next_after": None,
                                                       "items": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                                  "org_code": "500151108201",
                                                                  "year": 2024,
                                                                  "assessment_id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                                  "per_capita_net_income": "10792.50",
                                                                  "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                                  "previous_per_capita_net_income": "13650.00",
                                                                  "absolute_change": "-2857.50",
                                                                  "drop_percent": "20.93"}]}]})

    year: int
    min_drop_percent: Decimal
    items: list[IncomeDrop]
    next_after: uuid.UUID | None
