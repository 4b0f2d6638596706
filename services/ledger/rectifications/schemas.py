"""API models of rectification items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import RectificationStatus
from shared.domain.examples import example_of
from shared.domain.idnumber import free_text

Text = free_text(1000)
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class RectificationUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"measures": "申报农村危房改造，雨季前完成墙体加固", "responsible_unit": "高楼镇村镇建设服务中心"}]})

    measures: Text | None = Field(default=None, description="整改措施")
    responsible_unit: Annotated[str | None, Field(min_length=1, max_length=100)] = Field(default=None,
                                                                                         description="责任单位")
    remarks: Reason | None = None


class ExtensionCreate(BaseModel):
    """Once per item, to a day no later than the campaign's final rectification date, with a reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"due_on": "2026-05-15", "reason": "施工队伍雨季停工，顺延至5月中旬"}]})

    due_on: date
    reason: Reason


class ProgressNoteCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "已完成危房鉴定，评定为C级"}]})

    note: Text


class CompletionCreate(BaseModel):
    """Completing needs the result (整改结果) and references to the evidence (photos, documents…)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"result": "墙体加固完成，经镇建设中心验收合格", "evidence_refs": ["photo-20260418-0102", "scan-验收单-20260418"]}]})

    result: Text
    evidence_refs: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(min_length=1,
                                                                                               max_length=50)]


class ReopeningCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "复查发现屋顶仍有渗漏"}]})

    reason: Reason


class ProgressNoteRead(BaseModel):
    note: str
    written_by: str
    written_by_name: str
    written_at: datetime


class RectificationRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "6f5e4d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f",
                                                       "problem_id": "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e",
                                                       "campaign_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "measures": "申报农村危房改造，雨季前完成墙体加固",
                                                       "responsible_unit": "高楼镇村镇建设服务中心",
                                                       "immediate": False,
                                                       "due_on": "2026-04-20",
                                                       "due_basis": "campaign 2026 rectification_by",
                                                       "extended": False,
                                                       "extension_reason": None,
                                                       "status": "in_progress",
                                                       "overdue": False,
                                                       "result": None,
                                                       "evidence_refs": [],
                                                       "completed_by": None,
                                                       "completed_by_name": None,
                                                       "completed_at": None,
                                                       "closed_by": None,
                                                       "closed_by_name": None,
                                                       "closed_at": None,
                                                       "remarks": None,
                                                       "created_at": "2026-03-13T09:40:00+08:00",
                                                       "progress": [{"note": "已完成危房鉴定，评定为C级",
                                                                     "written_by": "u-500151108201-017",
                                                                     "written_by_name": "王春梅",
                                                                     "written_at": "2026-03-20T15:00:00+08:00"}]}]})

    id: uuid.UUID
    problem_id: uuid.UUID
    campaign_id: uuid.UUID
    org_code: str
    measures: str | None
    responsible_unit: str | None
    immediate: bool
    due_on: date
    due_basis: str
    extended: bool
    extension_reason: str | None
    status: RectificationStatus
    overdue: bool = False
    result: str | None
    evidence_refs: list[str]
    completed_by: str | None
    completed_by_name: str | None
    completed_at: datetime | None
    closed_by: str | None
    closed_by_name: str | None
    closed_at: datetime | None
    remarks: str | None
    created_at: datetime
    progress: list[ProgressNoteRead] = []


class RectificationPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(RectificationRead)], "total": 1, "limit": 50, "offset": 0}]})

    items: list[RectificationRead]
    total: int
    limit: int
    offset: int
