"""API models of reassessment: the request, the report and the class changes it found."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.income.calculation.domain_model import IncomeClass
from shared.domain.enums import IncomeBracket
from shared.domain.org_codes import OrgPrefix


class ReassessmentCreate(BaseModel):
    """Recompute the latest assessments of ``year`` under ``org_prefix`` with ``version`` (default: newest)."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    org_prefix: OrgPrefix | None = Field(default=None,
                                         description="district, township or village prefix; default: your scope")
    version: str | None = Field(default=None, max_length=20, description="rule-set version; default: the newest")


class ClassChange(BaseModel):
    """A household whose class changed: above ↔ below the monitoring line, in/out of the low-income group."""

    model_config = ConfigDict(from_attributes=True)

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

    model_config = ConfigDict(from_attributes=True)

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
    items: list[ClassChange]
    next_after: uuid.UUID | None
