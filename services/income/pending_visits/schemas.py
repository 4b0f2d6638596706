"""API models of pending visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class PendingVisitRead(BaseModel):
    """A visit waiting for a rule set that covers its date and region."""

    model_config = ConfigDict(from_attributes=True)

    visit_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    visited_at: datetime
    visited_on: date
    reason: str
    pending_since: datetime


class PendingVisitPage(BaseModel):
    items: list[PendingVisitRead]
    total: int
    limit: int
    offset: int
