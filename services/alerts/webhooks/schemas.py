"""API models of the webhook's refusals."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class RefusalRead(BaseModel):
    id: uuid.UUID
    department_code: str | None
    message_id: str | None
    reason: str
    org_code: str
    received_at: datetime
