"""API models of cases: opening one, recording a step, reading a case, the notice and the procedure."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.enums import LabeledEnum, MonitoringObjectType, RiskCause
from shared.domain.examples import example_of
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

    model_config = ConfigDict(json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "source": "application",
                                                       "started_on": "2026-03-05",
                                                       "risk_causes": ["illness"],
                                                       "evidence_refs": ["scan-申请书-20260305"]}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"transition": "township_review",
                                                       "on": "2026-03-23",
                                                       "place": "高楼镇人民政府",
                                                       "evidence_refs": ["scan-乡镇审核表-20260323"],
                                                       "note": "联审会议通过"}]})

    transition: Annotated[str, Field(min_length=1, max_length=40, description="a transition of the procedure")]
    on: PlausibleDate = Field(description="the day it happened: not in the future, not before the previous step")
    place: Text = Field(description="where (村委会, the household, 镇政府…)")
    evidence_refs: Annotated[list[EvidenceRef], Field(max_length=50)] = Field(
        default=[], description="documents, photo ids")
    note: Text | None = None
    reason: Text | None = Field(default=None, description="rejection, withdrawal or objection: why")
    resolution: Text | None = Field(default=None, description="an objection's resolution")
    monitoring_type: MonitoringObjectType | None = Field(default=None, description="county approval: 监测对象类型")
    explanation: Text | None = Field(
        default=None, description="rollback (风险消除回退): the village's written explanation of why the elimination "
                                  "was unfounded")
    notice_ends_on: PlausibleDate | None = Field(
        default=None, description="posting a notice: its last day, if longer than the campaign's minimum")


class EliminationCreate(BaseModel):
    """A risk elimination proposed for an identified household, on the day the village proposed it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "started_on": "2024-10-21",
                                                       "evidence_refs": ["scan-风险消除申请-20241021"]}]})

    household_id: uuid.UUID
    started_on: PlausibleDate = Field(description="the day the village proposed the elimination")
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                       "kind": "identification",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "state": "under_notice",
                                                       "state_label": "公示中",
                                                       "source": "application",
                                                       "started_on": "2026-03-05",
                                                       "head_name": "李建国",
                                                       "group_name": "三组",
                                                       "risk_causes": ["illness"],
                                                       "green_channel": False,
                                                       "green_channel_reason": None,
                                                       "evidence": [{"key": "application:2026-03-05",
                                                                     "source": "application",
                                                                     "observed_on": "2026-03-05",
                                                                     "detail": "农户申请",
                                                                     "refs": ["scan-申请书-20260305"]}],
                                                       "due_on": "2026-03-20",
                                                       "due_days": 15,
                                                       "due_unit": "calendar_days",
                                                       "overdue": False,
                                                       "days_over": 0,
                                                       "notice_starts_on": "2026-03-16",
                                                       "notice_ends_on": "2026-03-20",
                                                       "objection_open": False,
                                                       "last_step_on": "2026-03-16",
                                                       "monitoring_type": None,
                                                       "outcome": None,
                                                       "closed_on": None,
                                                       "plan_due_on": None,
                                                       "allowed_transitions": ["object", "township_review", "township_reject", "withdraw"],
                                                       "version": 4,
                                                       "created_at": "2026-03-05T15:02:00+08:00",
                                                       "steps": [{"seq": 4,
                                                                  "transition": "post_notice",
                                                                  "from_state": "appraised",
                                                                  "to_state": "under_notice",
                                                                  "happened_on": "2026-03-16",
                                                                  "place": "石岗村村委会公示栏",
                                                                  "evidence_refs": ["photo-20260316-0412"],
                                                                  "note": "公示期5天",
                                                                  "details": {"notice_ends_on": "2026-03-20"},
                                                                  "recorded_by": "u-500151108201-017",
                                                                  "recorded_by_name": "王春梅",
                                                                  "recorded_by_role": "village_cadre",
                                                                  "recorded_at": "2026-03-16T17:20:00+08:00"}]}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(CaseRead)], "total": 1, "limit": 50, "offset": 0}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"village": "500151108201",
                                                       "as_of": "2026-03-17",
                                                       "entries": [{"case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                                    "kind": "identification",
                                                                    "procedure": "防止返贫监测对象识别",
                                                                    "head_name": "李建国",
                                                                    "group_name": "三组",
                                                                    "reason": "因病导致收入下降",
                                                                    "notice_starts_on": "2026-03-16",
                                                                    "notice_ends_on": "2026-03-20"}]}]})

    village: str
    as_of: date
    entries: list[NoticeEntry]
