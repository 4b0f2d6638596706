"""Start-up work of rule sets: the packaged versions are copied into the table."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError

from services.income.rulesets.service import seed_packaged
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import on_startup
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)


@on_startup
async def seed_rulesets(runtime: ServiceRuntime) -> None:
    """Copy the packaged rule sets into the table (idempotent; replicas starting together may race)."""
    for attempt in (1, 2):
        try:
            async with runtime.db.transaction(system_principal("income.seed_rulesets")) as session:
                added = await seed_packaged(session)
            log.info("rulesets_seeded", added=added)
            return
        except IntegrityError:
            if attempt == 2:
                raise
            # Another replica inserted the same versions first; the second pass finds them stored.
