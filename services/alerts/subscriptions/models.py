"""Tables of subscriptions, their deliveries and every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, CodeList
from shared.data.platform_tables import OrgScoped, now_field


class Subscription(OrgScoped, table=True):
    """A receiver of alerts at or under its org unit, of the kinds it names, signed with its own secret."""

    __tablename__ = "alerts_subscriptions"
    __sensitive__ = {"secret_cipher"}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    url: str = Field(max_length=500)
    secret_cipher: str = Field(sa_type=sa.Text)
    kinds: list[str] = Field(default_factory=list, sa_type=CodeList)
    active: bool = True
    created_by: str = Field(max_length=120)
    created_at: datetime = now_field()


class Delivery(OrgScoped, table=True):
    """One alert to one subscription: pending until delivered, or failed after its last attempt."""

    __tablename__ = "alerts_deliveries"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    alert_id: uuid.UUID = Field(foreign_key="alerts_alerts.id")
    subscription_id: uuid.UUID = Field(foreign_key="alerts_subscriptions.id", index=True)
    state: str = Field(max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=AwareDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = now_field()

    __table_args__ = (
        sa.UniqueConstraint("alert_id", "subscription_id", name="uq_alerts_deliveries_alert_subscription"),
        sa.Index("ix_alerts_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )


class DeliveryAttempt(OrgScoped, table=True):
    """One try of a delivery: when, the answer's status or the error, and how long it took."""

    __tablename__ = "alerts_delivery_attempts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="alerts_deliveries.id", index=True)
    attempt: int
    at: datetime = now_field()
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int
