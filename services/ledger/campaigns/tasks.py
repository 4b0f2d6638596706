"""Work of campaigns: the packaged campaigns copied into the table at start-up, and announcing them all."""

from __future__ import annotations

import structlog

from services.ledger.campaigns.service import announce_all, seed_packaged
from shared.runtime.jobs import JobContext
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import job, on_startup, seed_on_startup

log = structlog.get_logger(__name__)


@on_startup
async def seed_campaigns(runtime: ServiceRuntime) -> None:
    """Copy the packaged campaigns into the table (idempotent; replicas starting together may race)."""
    added = await seed_on_startup(runtime, component="ledger.seed_campaigns", seed=seed_packaged)
    log.info("campaigns_seeded", added=added)


@job("campaigns.announce")
async def announce_campaigns(ctx: JobContext) -> dict:
    """Publish ``campaign.changed`` for every stored campaign (those stored before the event existed)."""
    async with ctx.transaction("ledger.campaigns.announce") as session:
        return {"announced": await announce_all(session)}
