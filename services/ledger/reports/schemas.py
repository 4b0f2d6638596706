"""API models of the reports: progress, the checklist (附件2), a village's answers, the warnings list."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.examples import example_of

FIGURE_EXAMPLE = {"key": "visited", "label": "已走访户数", "count": 87, "total": 100, "percent": 87.0,
                  "due_on": "2024-09-12",
                  "link": "/ledger/households?org=500151108201&removed=false&visited_from=2024-08-23"
                          "&visited_to=2024-09-20"}


class Figure(BaseModel):
    """One number of a report, the list behind it (an API query returning exactly the rows counted), and,
    where it has one, the campaign date it is measured against and the share of its total done."""

    model_config = ConfigDict(json_schema_extra={"examples": [FIGURE_EXAMPLE]})

    key: str
    label: str
    count: int
    link: str | None = Field(default=None, description="the list behind the figure (GET, same token)")
    total: int | None = None
    percent: float | None = None
    due_on: date | None = None


class Phase(BaseModel):
    """A date of the campaign the figures are measured against."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"key": "visits_confirmed_by",
                                                                "label": "线下走访排查和线上录入信息确认",
                                                                "due_on": "2024-09-12", "days_left": 3}]})

    key: str
    label: str
    due_on: date
    days_left: int = Field(description="days from the report's day to the date (negative: past)")


class UnitProgress(BaseModel):
    """The figures of one org unit (a village, or a township or district rolled up from what lies under it)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"org_code": "500151108201", "name": "石鱼村",
                                                                "level": "village", "figures": [FIGURE_EXAMPLE]}]})

    org_code: str
    name: str
    level: str
    figures: list[Figure]


PROGRESS_EXAMPLE = {"campaign_id": "3f1e2d4c-5b6a-4789-9abc-def012345678", "campaign_name": "大走访大排查大整改",
                    "year": 2024, "org_code": "500151108000", "org_name": "西河镇", "as_of": "2024-09-09",
                    "phases": [example_of(Phase)], "units": [example_of(UnitProgress)]}


class ProgressReport(BaseModel):
    """The campaign's progress in an org unit: its own figures first, then every unit under it."""

    model_config = ConfigDict(json_schema_extra={"examples": [PROGRESS_EXAMPLE]})

    campaign_id: uuid.UUID
    campaign_name: str
    year: int
    org_code: str
    org_name: str
    as_of: date
    phases: list[Phase]
    units: list[UnitProgress]


class AnswerRead(BaseModel):
    """An answer a village or township recorded, and who recorded it when."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"item": "leaflets", "answer": "两类明白纸已于8月底发放到户",
                                                                "answered_by": "user-500151108201-wangxiaocun",
                                                                "answered_by_name": "王小村",
                                                                "answered_at": "2024-09-03T16:20:00+08:00"}]})

    item: str
    answer: str
    answered_by: str
    answered_by_name: str
    answered_at: datetime


class ChecklistItem(BaseModel):
    """One line of 附件2: answered from the data (figures with their lists), or by the village (its answer)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "identification_15_days", "question": "新识别监测对象从发现风险到识别纳入是否控制在15天以内",
        "source": "data", "figures": [{"key": "cases.overdue", "label": "超过时限的识别", "count": 1,
                                       "link": "/ledger/cases?org=500151108201&kind=identification&overdue=true"}],
        "answer": None, "note": None}]})

    code: str
    question: str
    source: str = Field(description="data: answered from the ledger's data (note: what the data cannot tell); "
                                    "village: to be answered by the village (POST /ledger/reports/checklist/answers)")
    figures: list[Figure] = []
    answer: AnswerRead | None = None
    note: str | None = None


class Checklist(BaseModel):
    """附件2 of one village or township: the basic information table and the questions."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "campaign_id": "3f1e2d4c-5b6a-4789-9abc-def012345678", "org_code": "500151108201", "level": "village",
        "district": "铜梁区", "township": "西河镇", "village": "石鱼村", "as_of": "2024-09-09",
        "basic": [{"key": "households", "label": "总户数（户籍）", "count": 412,
                   "link": "/ledger/households?org=500151108201&removed=false"}],
        "resident": [example_of(AnswerRead) | {"item": "resident_households", "answer": "380"}],
        "items": [example_of(ChecklistItem)]}]})

    campaign_id: uuid.UUID
    org_code: str
    level: str
    district: str
    township: str
    village: str | None
    as_of: date
    basic: list[Figure]
    resident: list[AnswerRead]
    items: list[ChecklistItem]


class AnswerCreate(BaseModel):
    """What a village (or township) records on its checklist: a figure only people know, or an answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"org_code": "500151108201",
                                                                "item": "resident_households", "answer": "380"}]})

    org_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    item: Annotated[str, Field(min_length=1, max_length=40, description="resident_households, "
                                                                        "resident_population or a question code "
                                                                        "answered by the village")]
    answer: Annotated[str, Field(min_length=1, max_length=2000)]
    campaign_id: uuid.UUID | None = Field(default=None, description="default: the latest campaign begun")


class ReportWarningRead(BaseModel):
    """A department warning as the ledger heard of it (never an ID number)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "warning_id": "0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b", "org_code": "500151108201",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f", "signal_type": "high_medical_cost",
        "received_on": "2024-09-27", "check_due_on": "2024-10-10", "checked_on": "2024-10-08",
        "check_result": "risk_found", "checked_late": False}]})

    warning_id: uuid.UUID
    org_code: str
    household_id: uuid.UUID | None
    signal_type: str
    received_on: date
    check_due_on: date | None
    checked_on: date | None
    check_result: str | None
    checked_late: bool | None


class ReportWarningPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(ReportWarningRead)],
                                                                "total": 1, "limit": 50, "offset": 0}]})

    items: list[ReportWarningRead]
    total: int
    limit: int
    offset: int


class PageLink(BaseModel):
    """A link that opens the progress page in a browser until ``expires_at``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "url": "http://127.0.0.1:8000/ledger/reports/progress.html?link=eyJzdWIiOiJ1LXpoYW5nc2FuIn0.k3M9dGVzdA",
        "path": "/ledger/reports/progress.html?link=eyJzdWIiOiJ1LXpoYW5nc2FuIn0.k3M9dGVzdA",
        "expires_at": "2024-09-10T10:10:00+08:00"}]})

    url: str = Field(description="the page's address as this request reached the service")
    path: str = Field(description="the same without scheme and host, for a client behind a proxy")
    expires_at: datetime
