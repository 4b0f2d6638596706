"""Routes of subscriptions: subscribe, list, and the delivery log with replay of a failed delivery."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, status

from services.alerts.settings import get_alerts_settings
from services.alerts.subscriptions import service
from services.alerts.subscriptions.schemas import (
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)
from shared.data.pagination import PageParams
from shared.domain.enums import Role
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Cipher, Session, caller_with

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])

Manager = caller_with(Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 422),
             summary="Subscribe a URL to the alerts of a unit (signed webhooks; the secret is shown once)")
async def subscribe(session: Session, principal: Manager, cipher: Cipher,
                    body: SubscriptionCreate) -> SubscriptionCreated:
    return await service.create(session, principal=principal, data=body, cipher=cipher,
                                settings=get_alerts_settings())


@router.get("", summary="Subscriptions of your scope")
async def list_subscriptions(session: Session, _: AnyRole) -> list[SubscriptionRead]:
    return await service.list_subscriptions(session)


@router.get("/deliveries", summary="Deliveries of alerts, newest first (state=failed: the final failures)")
async def list_deliveries(session: Session, _: AnyRole, page: PageParams, subscription_id: uuid.UUID | None = None,
                          state: Literal["pending", "delivered", "failed"] | None = None) -> list[DeliveryRead]:
    return await service.list_deliveries(session, subscription_id=subscription_id, state=state, limit=page.limit,
                                         offset=page.offset)


@router.get("/deliveries/{delivery_id}", summary="One delivery with the log of every attempt",
            responses=error_responses(404))
async def get_delivery(session: Session, _: AnyRole, delivery_id: uuid.UUID) -> DeliveryRead:
    return await service.get_delivery(session, delivery_id=delivery_id)


@router.post("/deliveries/{delivery_id}/replay", summary="Try a failed delivery again",
             responses=error_responses(403, 404, 409))
async def replay(session: Session, _: Manager, delivery_id: uuid.UUID) -> DeliveryRead:
    return await service.replay(session, delivery_id=delivery_id)
