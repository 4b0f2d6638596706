"""Start-up work of rule sets: the packaged versions are copied into the table."""

from __future__ import annotations

import structlog

from services.income.rulesets.service import seed_packaged
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import on_startup, seed_on_startup

log = structlog.get_logger(__name__)


@on_startup
async def seed_rulesets(runtime: ServiceRuntime) -> None:
    """Copy the packaged rule sets into the table (idempotent; replicas starting together may race)."""
    added = await seed_on_startup(runtime, component="income.seed_rulesets", seed=seed_packaged)
    log.info("rulesets_seeded", added=added)
