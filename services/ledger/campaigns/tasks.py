"""Start-up work of campaigns: the packaged campaigns are copied into the table."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError

from services.ledger.campaigns.service import seed_packaged
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import on_startup
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)


@on_startup
async def seed_campaigns(runtime: ServiceRuntime) -> None:
    """Copy the packaged campaigns into the table (idempotent; replicas starting together may race)."""
    for attempt in (1, 2):
        try:
            async with runtime.db.transaction(system_principal("ledger.seed_campaigns")) as session:
                added = await seed_packaged(session)
            log.info("campaigns_seeded", added=added)
            return
        except IntegrityError:
            if attempt == 2:
                raise
