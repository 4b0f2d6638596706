"""API models of the deadline registry."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


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
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{"key": "case:7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a:approval",
                                                                  "kind": "identification_approval",
                                                                  "subject_type": "case",
                                                                  "subject_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                                  "source": "ledger",
                                                                  "org_code": "500151108201",
                                                                  "due_on": "2026-03-20",
                                                                  "due_at": None,
                                                                  "unit": "calendar_days",
                                                                  "amount": 15,
                                                                  "counted_from": "2026-03-05",
                                                                  "basis": "campaign 2026 identification_days",
                                                                  "rule_code": "identification.over_15_days",
                                                                  "state": "open",
                                                                  "met_on": None,
                                                                  "met_late": None,
                                                                  "reminders": 0,
                                                                  "escalation_level": 0,
                                                                  "updated_at": "2026-03-05T15:02:01+08:00"}],
                                                       "total": 1,
                                                       "limit": 50,
                                                       "offset": 0}]})

    items: list[DeadlineRead]
    total: int
    limit: int
    offset: int
