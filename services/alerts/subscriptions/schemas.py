"""API models of subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.domain.enums import AlertKind
from shared.domain.org_codes import OrgCode


class SubscriptionCreate(BaseModel):
    """Where alerts of a unit go: each is POSTed there, signed by the Standard Webhooks scheme."""

    url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://", examples=["https://example.org/hook"])]
    secret: Annotated[str | None, Field(pattern=r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$",
                                        description="whsec_ + base64 of 24 to 64 bytes; generated when omitted")] = None
    org_code: OrgCode | None = Field(default=None, description="alerts at or under this unit; yours by default")
    kinds: list[AlertKind] = Field(default_factory=list, max_length=4, description="none: every kind")


class SubscriptionRead(BaseModel):
    id: uuid.UUID
    url: str
    org_code: str
    kinds: list[str]
    active: bool
    created_by: str
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="the signing secret; shown this once")


class AttemptRead(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    id: uuid.UUID
    alert_id: uuid.UUID
    subscription_id: uuid.UUID
    org_code: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    log: list[AttemptRead] = []
