"""API models of raised alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from shared.domain.enums import AlertKind


class AlertRead(BaseModel):
    id: uuid.UUID
    kind: AlertKind
    org_code: str
    deadline_key: str
    deadline_kind: str
    subject_type: str
    subject_id: str
    deadline_org_code: str
    due_on: date
    raised_on: date
    raised_at: datetime
    message: str
    state: str
    acknowledged_by: str | None
    acknowledged_by_name: str | None
    acknowledged_at: datetime | None


class AlertPage(BaseModel):
    items: list[AlertRead]
    total: int
    limit: int
    offset: int
