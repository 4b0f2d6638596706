"""API models of department warnings: a webhook row, the stored warning, matching and the check."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.enums import WarningSignal
from shared.domain.examples import example_of
from shared.domain.org_codes import OrgCode

WarningState = Literal["unmatched", "awaiting_check", "grouped", "no_risk", "risk_found"]


class WarningIn(BaseModel):
    """One warning as a department sends it: its own id, the signal, the person's ID number, a date, details."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "YB2026031500042",
                                                       "signal_type": "high_medical_cost",
                                                       "id_number": "500151197804122317",
                                                       "occurred_on": "2026-03-14",
                                                       "details": "住院自付费用2.3万元",
                                                       "org_code": "500151108201"}]})

    id: Annotated[str, Field(min_length=1, max_length=100, description="the department's own id of the warning")]
    signal_type: WarningSignal = Field(description="; ".join(f"`{s.value}` {s.label}" for s in WarningSignal))
    id_number: Annotated[str, Field(min_length=1, max_length=40, description="18-character resident ID number")]
    occurred_on: date = Field(description="the day of what the warning reports")
    details: Annotated[str | None, Field(max_length=2000)] = None
    org_code: OrgCode | None = Field(default=None, description="the unit the department places the person in "
                                                               "(at or under the department's own)")


class RowError(BaseModel):
    index: int
    field: str
    message: str


class StoredRow(BaseModel):
    index: int
    id: str
    warning_id: uuid.UUID | None = Field(description="None when the department's id was already stored")
    duplicate: bool


class WebhookReceipt(BaseModel):
    """What the webhook stored of a message: every good row, and each bad row by index and field."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"message_id": "msg_2dVr7Q1bN4k9",
                                                       "stored": 1,
                                                       "duplicates": 0,
                                                       "rejected": [{"index": 1,
                                                                     "field": "id_number",
                                                                     "message": "ID number check character is wrong"}],
                                                       "rows": [{"index": 0,
                                                                 "id": "YB2026031500042",
                                                                 "warning_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                                 "duplicate": False}]}]})

    message_id: str
    stored: int
    duplicates: int
    rejected: list[RowError]
    rows: list[StoredRow]


class WarningRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                                       "department_code": "ybj-500151",
                                                       "external_id": "YB2026031500042",
                                                       "signal_type": "high_medical_cost",
                                                       "occurred_on": "2026-03-14",
                                                       "details": "住院自付费用2.3万元",
                                                       "id_number": "500151********2317",
                                                       "org_code": "500151108201",
                                                       "received_at": "2026-03-15T02:10:00+08:00",
                                                       "received_on": "2026-03-15",
                                                       "state": "awaiting_check",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "matched_by": "id_number",
                                                       "matched_at": "2026-03-15T02:10:01+08:00",
                                                       "grouped_into": None,
                                                       "check_due_on": "2026-03-20",
                                                       "check_result": None,
                                                       "check_reason": None,
                                                       "checked_by": None,
                                                       "checked_by_name": None,
                                                       "checked_on": None}]})

    id: uuid.UUID
    department_code: str
    external_id: str
    signal_type: str
    occurred_on: date
    details: str | None
    id_number: str = Field(description="masked")
    org_code: str
    received_at: datetime
    received_on: date
    state: WarningState
    household_id: uuid.UUID | None
    matched_by: str | None
    matched_at: datetime | None
    grouped_into: uuid.UUID | None
    check_due_on: date | None
    check_result: str | None
    check_reason: str | None
    checked_by: str | None
    checked_by_name: str | None
    checked_on: date | None


class WarningPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(WarningRead)], "total": 1, "limit": 50, "offset": 0}]})

    items: list[WarningRead]
    total: int
    limit: int
    offset: int


class ManualMatch(BaseModel):
    """Township staff match a waiting warning to a household by hand."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f"}]})

    household_id: uuid.UUID


class CheckCreate(BaseModel):
    """The household check (入户核实): no risk, with the reason, or a risk found."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"result": "no_risk", "reason": "已享受医保二次报销和医疗救助，自付部分家庭可承受，无返贫风险"}]})

    result: Literal["no_risk", "risk_found"]
    reason: Annotated[str | None, Field(min_length=1, max_length=1000)] = None

    @model_validator(mode="after")
    def _reason_for_no_risk(self) -> CheckCreate:
        if self.result == "no_risk" and not self.reason:
            raise ValueError("a check that finds no risk gives its reason")
        return self
