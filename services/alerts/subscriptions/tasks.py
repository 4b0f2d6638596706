"""Deliveries run on their own schedule, never inside the scan: one job per delivery due."""

from __future__ import annotations

import uuid

from services.alerts.settings import get_alerts_settings
from services.alerts.subscriptions import service
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import cron, job
from shared.security.crypto import field_cipher


@cron("subscriptions.deliver", second={0, 10, 20, 30, 40, 50})
async def deliver_due(ctx: JobContext) -> dict:
    """Send the alert deliveries whose next attempt is due."""
    async with ctx.db.session() as session:
        due = await service.due_deliveries(session)
    for delivery_id, attempt in due:
        await ctx.enqueue("subscriptions.deliver_one", delivery_id=str(delivery_id), attempt=attempt)
    return {"deliveries": len(due)}


@job("subscriptions.deliver_one")
async def deliver_one(ctx: JobContext, *, delivery_id: str, attempt: int) -> str:
    """One attempt of one delivery."""
    return await service.deliver(ctx.db, delivery_id=uuid.UUID(delivery_id), attempt=attempt,
                                 cipher=field_cipher(ctx.runtime.platform), settings=get_alerts_settings())
