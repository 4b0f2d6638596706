"""API models of cases: opening one, recording a step, reading a case, the notice and the procedure."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from shared.domain.enums import LabeledEnum, MonitoringObjectType, RiskCause
from shared.domain.plausible import PlausibleDate
from shared.domain.visit_form import Text

EvidenceRef = Annotated[str, Field(min_length=1, max_length=300)]


class CaseSource(LabeledEnum):
    """What started a case (its start date is that trigger's own day)."""

    VISIT = "visit", "走访研判发现风险"
    INCOME_RULE = "income_rule", "收入低于监测范围"
    APPLICATION = "application", "农户申请"
    WARNING = "warning", "部门预警核实"
    ASSISTANCE_APPLICANT = "assistance_applicant", "新申请低保、特困同步研判"
    REQUEST = "request", "村级提出风险消除"


# Sources a person may open an identification case with; visits, the income rule and warnings open theirs.
OPENED_BY_HAND = (CaseSource.APPLICATION, CaseSource.ASSISTANCE_APPLICANT)


class CaseCreate(BaseModel):
    """An identification case opened by hand: a household's application, or a new 低保/特困 applicant."""

    household_id: uuid.UUID
    source: CaseSource = Field(description="application (农户申请) or assistance_applicant (同步研判)")
    started_on: PlausibleDate = Field(description="the day the household applied or the department reported it")
    risk_causes: Annotated[list[RiskCause], Field(max_length=11)] = []
    green_channel: bool = Field(default=False, description="绿色通道: assistance may start before approval")
    green_channel_reason: Text | None = None
    evidence_refs: Annotated[list[EvidenceRef], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _checked(self) -> Self:
        if self.source not in OPENED_BY_HAND:
            raise ValueError(f"source must be one of {', '.join(s.value for s in OPENED_BY_HAND)}")
        if self.green_channel and not self.green_channel_reason:
            raise ValueError("green_channel_reason is required with the green channel")
        return self


class StepCreate(BaseModel):
    """One transition of the procedure, as it happened: its date, the place, the evidence."""

    transition: Annotated[str, Field(min_length=1, max_length=40, description="a transition of the procedure")]
    on: PlausibleDate = Field(description="the day it happened: not in the future, not before the previous step")
    place: Text = Field(description="where (村委会, the household, 镇政府…)")
    evidence_refs: Annotated[list[EvidenceRef], Field(max_length=50)] = Field(
        default=[], description="documents, photo ids")
    note: Text | None = None
    reason: Text | None = Field(default=None, description="rejection, withdrawal or objection: why")
    resolution: Text | None = Field(default=None, description="an objection's resolution")
    monitoring_type: MonitoringObjectType | None = Field(default=None, description="county approval: 监测对象类型")
    notice_ends_on: PlausibleDate | None = Field(
        default=None, description="posting a notice: its last day, if longer than the campaign's minimum")


class EliminationCreate(BaseModel):
    """A risk elimination proposed for an identified household, on the day the village proposed it."""

    household_id: uuid.UUID
    started_on: PlausibleDate
    evidence_refs: Annotated[list[EvidenceRef], Field(max_length=50)] = []


class StepRead(BaseModel):
    seq: int
    transition: str
    from_state: str
    to_state: str
    happened_on: date
    place: str
    evidence_refs: list[str]
    note: str | None
    details: dict[str, Any]
    recorded_by: str
    recorded_by_name: str
    recorded_by_role: str | None
    recorded_at: datetime


class CaseRead(BaseModel):
    id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    org_code: str
    state: str
    state_label: str
    source: str
    started_on: date
    head_name: str | None
    group_name: str | None
    risk_causes: list[str]
    green_channel: bool
    green_channel_reason: str | None
    evidence: list[dict[str, Any]]
    due_on: date | None
    due_days: int | None
    due_unit: str | None
    overdue: bool = Field(description="past its due day: still open after it, or closed after it")
    days_over: int = Field(description="calendar days past the due day (0 when not overdue)")
    notice_starts_on: date | None
    notice_ends_on: date | None
    objection_open: bool
    last_step_on: date | None
    monitoring_type: str | None
    outcome: str | None
    closed_on: date | None
    plan_due_on: date | None
    allowed_transitions: list[str]
    version: int
    created_at: datetime
    steps: list[StepRead] = []


class CasePage(BaseModel):
    items: list[CaseRead]
    total: int
    limit: int
    offset: int


class NoticeEntry(BaseModel):
    """One household on a village's notice: what a notice may show, nothing more."""

    case_id: uuid.UUID
    kind: str
    procedure: str
    head_name: str | None
    group_name: str | None
    reason: str = Field(description="the reason in general words")
    notice_starts_on: date
    notice_ends_on: date


class Notice(BaseModel):
    village: str
    as_of: date
    entries: list[NoticeEntry]
