"""Tables of rectification items and their progress notes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field

from shared.data.column_types import AwareDateTime, JSONDoc
from shared.data.platform_tables import OrgScoped, now_field


class Rectification(OrgScoped, table=True):
    """整改: the item a confirmed problem becomes, one per problem, closed item by item (逐一对账销号)."""

    __tablename__ = "ledger_rectifications"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    problem_id: uuid.UUID = Field(foreign_key="ledger_problems.id", unique=True)
    campaign_id: uuid.UUID = Field(foreign_key="ledger_campaigns.id")
    measures: str | None = Field(default=None, max_length=1000)  # 整改措施
    responsible_unit: str | None = Field(default=None, max_length=100)  # 责任单位
    immediate: bool = False  # 立行立改
    due_on: date = Field(index=True)  # 完成时限
    due_basis: str = Field(max_length=80)
    extended: bool = False
    extension_reason: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=20, index=True)
    result: str | None = Field(default=None, max_length=1000)  # 整改结果
    evidence_refs: list = Field(default_factory=list, sa_type=JSONDoc)
    completed_by: str | None = Field(default=None, max_length=120)
    completed_by_name: str | None = Field(default=None, max_length=120)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    closed_by: str | None = Field(default=None, max_length=120)
    closed_by_name: str | None = Field(default=None, max_length=120)
    closed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    remarks: str | None = Field(default=None, max_length=500)
    created_at: datetime = now_field()


class ProgressNote(OrgScoped, table=True):
    """整改推进情况: one note on a rectification's progress, with who wrote it and when (never changed)."""

    __tablename__ = "ledger_progress_notes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    rectification_id: uuid.UUID = Field(foreign_key="ledger_rectifications.id", index=True)
    note: str = Field(max_length=1000)
    written_by: str = Field(max_length=120)
    written_by_name: str = Field(max_length=120)
    written_at: datetime = now_field()
