"""API models of the webhook's refusals."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RefusalRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                                                       "department_code": "ybj-500151",
                                                       "message_id": "msg_2dVr7Q1bN4k9",
                                                       "reason": "signature does not match",
                                                       "org_code": "500151000000",
                                                       "received_at": "2026-03-15T02:09:58+08:00"}]})

    id: uuid.UUID
    department_code: str | None
    message_id: str | None
    reason: str
    org_code: str
    received_at: datetime
