"""The table of raised alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class Alert(OrgScoped, table=True):
    """An alert about one deadline, addressed to an org unit (the deadline's, or one above it when escalated).

    ``dedupe_key`` makes each alert once: ``<deadline>:due_soon``, ``:overdue``, ``:reminder:<n>``,
    ``:escalation:<level>``, however many scans run.
    """

    __tablename__ = "alerts_alerts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    dedupe_key: str = Field(max_length=260, unique=True)
    kind: str = Field(max_length=20, index=True)
    deadline_key: str = Field(max_length=200, index=True)
    deadline_kind: str = Field(max_length=60)
    subject_type: str = Field(max_length=60)
    subject_id: str = Field(max_length=64)
    deadline_org_code: str = Field(max_length=12)
    due_on: date = Field(index=True)
    raised_on: date
    raised_at: datetime = now_field()
    message: str = Field(max_length=300)
    state: str = Field(max_length=20, default="open")
    acknowledged_by: str | None = Field(default=None, max_length=120)
    acknowledged_by_name: str | None = Field(default=None, max_length=120)
    acknowledged_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
