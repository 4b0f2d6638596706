"""The income service: per-capita net income by the official rules (附件5), versioned rule sets."""

from __future__ import annotations

from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError

from services.income.assessments.endpoints import router as assessments_router
from services.income.assessments.tasks import handlers as assessment_handlers
from services.income.reassessments.endpoints import router as reassessments_router
from services.income.rulesets.endpoints import router as rulesets_router
from services.income.rulesets.service import seed_packaged
from shared.auth import system_principal
from shared.service import ServiceDefinition, ServiceRuntime

log = structlog.get_logger(__name__)


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


service = ServiceDefinition(
    name="income",
    title="收入测算 income assessment",
    description="Per-capita net income computed by the official rules (附件5) against versioned rule sets.",
    routers=[rulesets_router, assessments_router, reassessments_router],
    handlers=[*assessment_handlers],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
    on_startup=[seed_rulesets],
)
