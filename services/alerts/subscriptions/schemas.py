"""API models of subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import AlertKind
from shared.domain.org_codes import OrgCode


class SubscriptionCreate(BaseModel):
    """Where alerts of a unit go: each is POSTed there, signed by the Standard Webhooks scheme."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"url": "https://zhjg.tongliang.example.cn/fangfan/alerts",
                                                       "org_code": "500151108000",
                                                       "kinds": ["overdue", "escalation"]}]})

    url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://", examples=["https://example.org/hook"])]
    secret: Annotated[str | None, Field(pattern=r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$",
                                        description="whsec_ + base64 of 24 to 64 bytes; generated when omitted")] = None
    org_code: OrgCode | None = Field(default=None, description="alerts at or under this unit; yours by default")
    kinds: list[AlertKind] = Field(default_factory=list, max_length=4, description="none: every kind")


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
                                                       "url": "https://zhjg.tongliang.example.cn/fangfan/alerts",
                                                       "org_code": "500151108000",
                                                       "kinds": ["overdue", "escalation"],
                                                       "active": True,
                                                       "created_by": "u-500151108-004",
                                                       "created_at": "2026-02-12T09:30:00+08:00"}]})

    id: uuid.UUID
    url: str
    org_code: str
    kinds: list[str]
    active: bool
    created_by: str
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
                                                       "url": "https://zhjg.tongliang.example.cn/fangfan/alerts",
                                                       "org_code": "500151108000",
                                                       "kinds": ["overdue", "escalation"],
                                                       "active": True,
                                                       "created_by": "u-500151108-004",
                                                       "created_at": "2026-02-12T09:30:00+08:00",
                                                       "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}]})

    secret: str = Field(description="the signing secret; shown this once")


class AttemptRead(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d",
                                                       "alert_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
                                                       "subscription_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
                                                       "org_code": "500151108201",
                                                       "state": "delivered",
                                                       "attempts": 2,
                                                       "next_attempt_at": "2026-03-21T08:00:32+08:00",
                                                       "last_status": 200,
                                                       "last_error": None,
                                                       "delivered_at": "2026-03-21T08:00:32+08:00",
                                                       "created_at": "2026-03-21T08:00:02+08:00",
                                                       "log": [{"attempt": 1,
                                                                "at": "2026-03-21T08:00:02+08:00",
                                                                "status_code": 503,
                                                                "error": "Service Unavailable",
                                                                "duration_ms": 412},
                                                               {"attempt": 2,
                                                                "at": "2026-03-21T08:00:32+08:00",
                                                                "status_code": 200,
                                                                "error": None,
                                                                "duration_ms": 87}]}]})

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
