"""Start-up work of campaigns: the packaged campaigns are copied into the table."""

from __future__ import annotations

import structlog

from services.ledger.campaigns.service import seed_packaged
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import on_startup, seed_on_startup

log = structlog.get_logger(__name__)


@on_startup
async def seed_campaigns(runtime: ServiceRuntime) -> None:
    """Copy the packaged campaigns into the table (idempotent; replicas starting together may race)."""
    added = await seed_on_startup(runtime, component="ledger.seed_campaigns", seed=seed_packaged)
    log.info("campaigns_seeded", added=added)
