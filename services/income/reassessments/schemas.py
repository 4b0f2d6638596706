"""API models of reassessment: the request, the report and the class changes it found."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.income.calculation.domain_model import IncomeClass
from shared.domain.enums import IncomeBracket
from shared.domain.examples import example_of
from shared.domain.org_codes import OrgPrefix


class ReassessmentCreate(BaseModel):
    """Recompute the latest assessments of ``year`` under ``org_prefix`` with ``version`` (default: newest)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"year": 2024, "org_prefix": "500151108", "version": "2024.2"}]})

    year: int = Field(ge=2000, le=2100)
    org_prefix: OrgPrefix | None = Field(default=None,
                                         description="district, township or village prefix; default: your scope")
    version: str | None = Field(default=None, max_length=20, description="rule-set version; default: the newest")


class ClassChange(BaseModel):
    """A household whose class changed: above ↔ below the monitoring line, in/out of the low-income group."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "assessment_id": "4e7a1c2b-9d3f-4a5e-8b6c-1d2e3f4a5b6c",
                                                       "previous_assessment_id": "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                       "previous_class": "above_low_income_line",
                                                       "income_class": "low_income_group",
                                                       "per_capita_net_income": "10792.50",
                                                       "bracket": "10000_12000",
                                                       "below_monitoring_line": False,
                                                       "in_low_income_group": True,
                                                       "classification_certain": True,
                                                       "ruleset_version": "2024.2"}]})

    household_id: uuid.UUID
    org_code: str
    assessment_id: uuid.UUID
    previous_assessment_id: uuid.UUID
    previous_class: IncomeClass
    income_class: IncomeClass
    per_capita_net_income: Decimal | None
    bracket: IncomeBracket | None
    below_monitoring_line: bool
    in_low_income_group: bool
    classification_certain: bool
    ruleset_version: str


class ReassessmentRead(BaseModel):
    """What a reassessment did. ``changes`` lists the first class changes; all are under
    ``/reassessments/{id}/changes``."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"id": "8c7b6a5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d",
                                                       "org_prefix": "500151108",
                                                       "year": 2024,
                                                       "requested_version": "2024.2",
                                                       "requested_by": "u-500151-001",
                                                       "started_at": "2026-03-20T14:00:00+08:00",
                                                       "finished_at": "2026-03-20T14:00:41+08:00",
                                                       "examined": 212,
                                                       "already_current": 0,
                                                       "not_covered": 0,
                                                       "reassessed": 212,
                                                       "changed": 9,
                                                       "needs_verification": 3}]})

    id: uuid.UUID
    org_prefix: str
    year: int
    requested_version: str | None
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    examined: int = Field(description="latest assessments of the year under the prefix")
    already_current: int = Field(description="already under the target version: left alone")
    not_covered: int = Field(description="no rule set of the requested version covers their org unit")
    reassessed: int = Field(description="new assessments stored")
    changed: int = Field(description="of those, households whose class changed (income.assessed published)")
    needs_verification: int = Field(description="ticked brackets straddling a new line: class carried over")


class ReassessmentReport(ReassessmentRead):
    changes: list[ClassChange] = []
    changes_truncated: bool = False


class ClassChangePage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(ClassChange)], "next_after": None}]})

    items: list[ClassChange]
    next_after: uuid.UUID | None
