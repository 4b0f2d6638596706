"""API models of raised alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from shared.domain.enums import AlertKind
from shared.domain.examples import example_of


class AlertRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
                                                       "kind": "due_soon",
                                                       "org_code": "500151108201",
                                                       "deadline_key": "case:7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a:approval",
                                                       "deadline_kind": "identification_approval",
                                                       "subject_type": "case",
                                                       "subject_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                       "deadline_org_code": "500151108201",
                                                       "due_on": "2026-03-20",
                                                       "raised_on": "2026-03-18",
                                                       "raised_at": "2026-03-18T08:00:02+08:00",
                                                       "message": "石岗村李建国户识别认定将于2026-03-20到期（15个自然日）",
                                                       "state": "open",
                                                       "acknowledged_by": None,
                                                       "acknowledged_by_name": None,
                                                       "acknowledged_at": None}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(AlertRead)], "total": 1, "limit": 50, "offset": 0}]})

    items: list[AlertRead]
    total: int
    limit: int
    offset: int
