"""API models of rectification items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.domain.enums import RectificationStatus

Text = Annotated[str, Field(min_length=1, max_length=1000)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class RectificationUpdate(BaseModel):
    measures: Text | None = Field(default=None, description="整改措施")
    responsible_unit: Annotated[str | None, Field(min_length=1, max_length=100)] = Field(default=None,
                                                                                         description="责任单位")
    remarks: Reason | None = None


class ExtensionCreate(BaseModel):
    """Once per item, to a day no later than the campaign's final rectification date, with a reason."""

    due_on: date
    reason: Reason


class ProgressNoteCreate(BaseModel):
    note: Text


class CompletionCreate(BaseModel):
    """Completing needs the result (整改结果) and references to the evidence (photos, documents…)."""

    result: Text
    evidence_refs: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(min_length=1,
                                                                                               max_length=50)]


class ReopeningCreate(BaseModel):
    reason: Reason


class ProgressNoteRead(BaseModel):
    note: str
    written_by: str
    written_by_name: str
    written_at: datetime


class RectificationRead(BaseModel):
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
    items: list[RectificationRead]
    total: int
    limit: int
    offset: int
