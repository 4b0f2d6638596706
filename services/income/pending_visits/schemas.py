"""API models of pending visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from shared.domain.examples import example_of


class PendingVisitRead(BaseModel):
    """A visit waiting for a rule set that covers its date and region."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"visit_id": "0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "visited_at": "2026-10-08T10:30:00+08:00",
                                                       "visited_on": "2026-10-08",
                                                       "reason": "no rule set of 500151108201 covers 2026-10-08",
                                                       "pending_since": "2026-10-08T10:31:04+08:00"}]})

    visit_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    visited_at: datetime
    visited_on: date
    reason: str
    pending_since: datetime


class PendingVisitPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(PendingVisitRead)], "total": 1, "limit": 20, "offset": 0}]})

    items: list[PendingVisitRead]
    total: int
    limit: int
    offset: int
