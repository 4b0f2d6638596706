"""Subscriptions and the delivery of alerts to them as signed webhooks.

- A subscription names a URL, a secret (Standard Webhooks, ``whsec_…``; generated and shown once when not
  given), an org unit (alerts at or under it) and the kinds it wants (none: all). Its URL passes the
  SSRF guard (:mod:`services.alerts.subscriptions.guard`).
- Raising an alert queues one delivery per covering subscription, in the scan's transaction; the scan
  never calls a subscriber. A schedule fans out one job per delivery due, so a slow or dead subscriber
  holds up only its own delivery, for at most ``delivery_timeout_seconds``.
- Each attempt is logged (status or error, duration). A failure is retried after
  ``delivery_backoff_seconds`` × 2^(attempt−1); after ``delivery_max_attempts`` the delivery is
  ``failed``, visible in the list, and can be replayed.
- The message is ``{"type": "alert.raised", "timestamp", "data"}`` with the alert's event payload; its
  ``webhook-id`` is the delivery's id, the same on every retry, so a receiver can drop repeats.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import httpx

from services.alerts.alerts.models import Alert
from services.alerts.departments.service import new_secret
from services.alerts.settings import AlertsSettings
from services.alerts.subscriptions.guard import UnsafeAddress, check_url
from services.alerts.subscriptions.models import Delivery, DeliveryAttempt, Subscription
from services.alerts.subscriptions.repository import (
    DELIVERED,
    FAILED,
    PENDING,
    SubscriptionRepository,
)
from services.alerts.subscriptions.schemas import (
    AttemptRead,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)
from services.alerts.webhooks.signatures import signed_headers
from shared.data.database import AppSession, Database
from shared.domain.clock import clock
from shared.domain.org_codes import covers
from shared.errors import Conflict, InvalidInput, NotFound
from shared.security.auth import Principal, system_principal
from shared.security.crypto import FieldCipher


async def create(session: AppSession, *, principal: Principal, data: SubscriptionCreate, cipher: FieldCipher,
                 settings: AlertsSettings) -> SubscriptionCreated:
    try:
        await check_url(data.url, settings)
    except UnsafeAddress as exc:
        raise InvalidInput("body.url", str(exc)) from None
    secret = data.secret or new_secret()
    subscription = Subscription(url=data.url, secret_cipher=cipher.encrypt(secret),
                                kinds=sorted({k.value for k in data.kinds}),
                                org_code=data.org_code or principal.org_code, created_by=principal.user_id)
    session.add(subscription)
    await session.flush()
    return SubscriptionCreated(**subscription_read(subscription).model_dump(), secret=secret)


def subscription_read(subscription: Subscription) -> SubscriptionRead:
    return SubscriptionRead.model_validate(subscription, from_attributes=True)


async def list_subscriptions(session: AppSession) -> list[SubscriptionRead]:
    return [subscription_read(s) for s in await SubscriptionRepository(session).all()]


async def queue_deliveries(session: AppSession, *, alerts: Sequence[Alert]) -> int:
    """One pending delivery per (alert, subscription covering its unit and kind)."""
    subscriptions = await SubscriptionRepository(session).active()
    now = clock.now()
    queued = [Delivery(alert_id=a.id, subscription_id=s.id, org_code=a.org_code, state=PENDING, next_attempt_at=now)
              for a in alerts for s in subscriptions
              if covers(s.org_code, a.org_code) and (not s.kinds or a.kind in s.kinds)]
    session.add_all(queued)
    await session.flush()
    return len(queued)


def _message(alert: Alert, sent_at: datetime) -> str:
    data = {"alert_id": str(alert.id), "kind": alert.kind, "deadline_key": alert.deadline_key,
            "deadline_kind": alert.deadline_kind, "subject_type": alert.subject_type, "subject_id": alert.subject_id,
            "org_code": alert.org_code, "deadline_org_code": alert.deadline_org_code,
            "due_on": alert.due_on.isoformat(), "raised_on": alert.raised_on.isoformat(), "message": alert.message}
    return json.dumps({"type": "alert.raised", "timestamp": sent_at.isoformat(), "data": data}, ensure_ascii=False,
                      separators=(",", ":"))


async def deliver(db: Database, *, delivery_id: uuid.UUID, attempt: int, cipher: FieldCipher,
                  settings: AlertsSettings) -> str:
    """One attempt of one delivery: read it, call the subscriber (outside any transaction), log the outcome."""
    async with db.session(system_principal("subscriptions.deliver")) as session:
        repository = SubscriptionRepository(session)
        delivery = await repository.delivery(delivery_id)
        if delivery is None or delivery.state != PENDING or delivery.attempts != attempt:
            return "skipped"
        subscription = await repository.get(delivery.subscription_id)
        alert = await session.get(Alert, delivery.alert_id)
        secret = cipher.decrypt(subscription.secret_cipher)
    # A receiver checks the timestamp against its own clock, so the real time is signed, not the service clock.
    sent_at = datetime.now(timezone.utc)
    body = _message(alert, sent_at)
    headers = signed_headers(secret, message_id=str(delivery.id), timestamp=sent_at, body=body) | {
        "content-type": "application/json"}
    started = time.monotonic()
    status, error = None, None
    try:
        await check_url(subscription.url, settings)
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds, follow_redirects=False,
                                     trust_env=False) as client:
            response = await client.post(subscription.url, content=body.encode("utf-8"), headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"answered {status}"
    except UnsafeAddress as exc:
        error = f"refused: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    return await _record(db, delivery_id=delivery_id, attempt=attempt, status=status, error=error,
                         duration_ms=duration_ms, settings=settings)


async def _record(db: Database, *, delivery_id: uuid.UUID, attempt: int, status: int | None, error: str | None,
                  duration_ms: int, settings: AlertsSettings) -> str:
    async with db.transaction(system_principal("subscriptions.deliver")) as session:
        delivery = await SubscriptionRepository(session).delivery(delivery_id, for_update=True)
        if delivery is None or delivery.state != PENDING or delivery.attempts != attempt:
            return "skipped"  # another worker recorded this attempt
        now = clock.now()
        numbered = len(await SubscriptionRepository(session).attempts(delivery_id)) + 1
        session.add(DeliveryAttempt(delivery_id=delivery.id, org_code=delivery.org_code, attempt=numbered, at=now,
                                    status_code=status, error=error[:500] if error else None,
                                    duration_ms=duration_ms))
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = status, error[:500] if error else None
        if error is None:
            delivery.state, delivery.delivered_at = DELIVERED, now
        elif delivery.attempts >= settings.delivery_max_attempts:
            delivery.state = FAILED
        else:
            delivery.next_attempt_at = now + timedelta(
                seconds=settings.delivery_backoff_seconds * 2 ** (delivery.attempts - 1))
        return delivery.state


async def due_deliveries(session: AppSession, *, limit: int = 500) -> Sequence[tuple[uuid.UUID, int]]:
    return await SubscriptionRepository(session).due(clock.now(), limit)


async def delivery_read(session: AppSession, delivery: Delivery, *, with_log: bool = False) -> DeliveryRead:
    read = DeliveryRead.model_validate(delivery, from_attributes=True)
    if with_log:
        attempts = await SubscriptionRepository(session).attempts(delivery.id)
        read.log = [AttemptRead.model_validate(a, from_attributes=True) for a in attempts]
    return read


async def list_deliveries(session: AppSession, *, subscription_id: uuid.UUID | None, state: str | None, limit: int,
                          offset: int) -> list[DeliveryRead]:
    rows = await SubscriptionRepository(session).deliveries(subscription_id=subscription_id, state=state,
                                                             limit=limit, offset=offset)
    return [await delivery_read(session, d) for d in rows]


async def get_delivery(session: AppSession, *, delivery_id: uuid.UUID) -> DeliveryRead:
    delivery = await SubscriptionRepository(session).delivery(delivery_id)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id} in your scope")
    return await delivery_read(session, delivery, with_log=True)


async def replay(session: AppSession, *, delivery_id: uuid.UUID) -> DeliveryRead:
    """A failed delivery tried again from the start (its log keeps every earlier attempt)."""
    delivery = await SubscriptionRepository(session).delivery(delivery_id, for_update=True)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id} in your scope")
    if delivery.state != FAILED:
        raise Conflict(f"only a failed delivery is replayed; this one is {delivery.state}")
    delivery.state, delivery.attempts, delivery.next_attempt_at = PENDING, 0, clock.now()
    await session.flush()
    return await delivery_read(session, delivery, with_log=True)
