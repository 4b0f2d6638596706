"""Queries on subscriptions, deliveries and attempts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from services.alerts.subscriptions.models import Delivery, DeliveryAttempt, Subscription
from shared.data.database import AppSession

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


class SubscriptionRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None:
        query = select(Subscription).where(Subscription.id == subscription_id)
        return (await self.session.scalars(query)).first()

    async def all(self) -> Sequence[Subscription]:
        return (await self.session.scalars(select(Subscription).order_by(Subscription.created_at))).all()

    async def active(self) -> Sequence[Subscription]:
        return (await self.session.scalars(select(Subscription).where(Subscription.active.is_(True)))).all()

    async def delivery(self, delivery_id: uuid.UUID, *, for_update: bool = False) -> Delivery | None:
        query = select(Delivery).where(Delivery.id == delivery_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def deliveries(self, *, subscription_id: uuid.UUID | None, state: str | None, limit: int,
                         offset: int) -> Sequence[Delivery]:
        query = select(Delivery)
        if subscription_id is not None:
            query = query.where(Delivery.subscription_id == subscription_id)
        if state is not None:
            query = query.where(Delivery.state == state)
        return (await self.session.scalars(query.order_by(Delivery.created_at.desc(), Delivery.id)
                                           .limit(limit).offset(offset))).all()

    async def attempts(self, delivery_id: uuid.UUID) -> Sequence[DeliveryAttempt]:
        query = (select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                 .order_by(DeliveryAttempt.attempt, DeliveryAttempt.at))
        return (await self.session.scalars(query)).all()

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[uuid.UUID, int]]:
        query = (select(Delivery.id, Delivery.attempts)
                 .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
                 .order_by(Delivery.next_attempt_at).limit(limit))
        return [(row.id, row.attempts) for row in await self.session.execute(query)]
