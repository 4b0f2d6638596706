"""The scheduled scan of the deadline registry: the body fans out one job per org unit with work due."""

from __future__ import annotations

from services.alerts.alerts import service
from services.alerts.deadlines.repository import DeadlineRepository
from services.alerts.settings import get_alerts_settings
from shared.domain.clock import clock
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import cron, job


@cron("alerts.scan", minute={0, 15, 30, 45})
async def scan(ctx: JobContext) -> dict:
    """Raise due-soon, overdue, reminder and escalation alerts from the deadline registry.

    Only units holding a deadline with something to do now get a job (see ``needs_scan``).
    """
    moment = service.scan_moment(ctx.as_of, clock.now(), get_alerts_settings())
    async with ctx.db.session() as session:
        units = await DeadlineRepository(session).units_with_work(moment)
    for org_code in units:
        await ctx.enqueue("alerts.scan_unit", org_code=org_code)
    return {"units": len(units)}


@job("alerts.scan_unit")
async def scan_unit(ctx: JobContext, *, org_code: str) -> int:
    """The scan of one org unit's open deadlines."""
    async with ctx.transaction("alerts.scan") as session:
        return await service.scan_unit(session, org_code=org_code, as_of=ctx.as_of, settings=get_alerts_settings())
