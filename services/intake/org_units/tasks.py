"""Jobs of org units: the startup load of the deployment's org-unit file, and announcing the whole tree again."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError

from services.intake.org_units.service import (
    announce_all,
    load_org_units,
    read_org_unit_file,
)
from services.intake.settings import get_intake_settings
from shared.runtime.jobs import JobContext
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.tasks import job, on_startup
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)


@on_startup
async def load_org_units_at_startup(runtime: ServiceRuntime) -> None:
    """Upsert the configured org-unit file; a replica starting at the same moment may win the insert."""
    path = get_intake_settings().org_units_file
    rows = read_org_unit_file(path)
    for attempt in (1, 2):
        try:
            async with runtime.db.transaction(system_principal("intake.org_units")) as session:
                changed = await load_org_units(session, rows=rows)
            log.info("org_units_loaded", file=path.name, units=len(rows), changed=changed)
            return
        except IntegrityError:
            if attempt == 2:
                raise


@job("org_units.announce")
async def announce_org_units(ctx: JobContext) -> dict:
    """Publish ``org_unit.changed`` for every unit on record (a load announces only what it changed): for a
    deployment whose units were loaded before the event existed, or a consumer that lost its copy."""
    async with ctx.transaction("intake.org_units.announce") as session:
        return {"announced": await announce_all(session)}
