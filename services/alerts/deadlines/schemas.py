"""API models of the deadline registry."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class DeadlineRead(BaseModel):
    key: str
    kind: str
    subject_type: str
    subject_id: str
    source: str
    org_code: str
    due_on: date
    due_at: datetime | None
    unit: str | None
    amount: int | None
    counted_from: date | None
    basis: str
    rule_code: str
    state: str
    met_on: date | None
    met_late: bool | None
    reminders: int
    escalation_level: int
    updated_at: datetime


class DeadlinePage(BaseModel):
    items: list[DeadlineRead]
    total: int
    limit: int
    offset: int
