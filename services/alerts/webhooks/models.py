"""Tables of the inbound webhook: messages accepted (replay protection) and requests refused."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from shared.data.platform_tables import OrgScoped, PlatformTable, now_field


class WebhookMessage(OrgScoped, PlatformTable, table=True):
    """A message a department sent and we accepted: its id may never be accepted again (replay protection).

    A technical record like a probe receipt (not audited): the warnings it stored are.
    """

    __tablename__ = "alerts_webhook_messages"

    department_id: uuid.UUID = Field(foreign_key="alerts_departments.id", primary_key=True)
    message_id: str = Field(max_length=200, primary_key=True)
    received_at: datetime = now_field()
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0


class WebhookRefusal(OrgScoped, PlatformTable, table=True):
    """A webhook request refused with 401: bad signature, stale timestamp, replayed id, unknown department.

    Its org code is the department's, or all zeros when the request named no known department.
    """

    __tablename__ = "alerts_webhook_refusals"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department_code: str | None = Field(default=None, max_length=40)
    message_id: str | None = Field(default=None, max_length=200)
    reason: str = Field(max_length=300)
    received_at: datetime = now_field(index=True)
