"""The daily follow-up of identified cases: the body fans out one job per village with identified cases."""

from __future__ import annotations

from services.ledger.assistance import service
from services.ledger.assistance.repository import AssistanceRepository
from services.ledger.rectifications.service import workday_calendar
from shared.runtime.jobs import JobContext
from shared.runtime.settings import get_platform_settings
from shared.runtime.tasks import cron, job


@cron("assistance.follow_up_scan", hour=6, minute=20)
async def follow_up_scan(ctx: JobContext) -> dict:
    """Announce the assessments owed, flag cases unresolved past two years, end the follow-up of resolved ones."""
    async with ctx.db.session() as session:
        villages = await AssistanceRepository(session).villages_with_identified_cases()
    for village in villages:
        await ctx.enqueue("assistance.follow_village", village=village)
    return {"villages": len(villages)}


@job("assistance.follow_village")
async def follow_village(ctx: JobContext, *, village: str) -> int:
    """The follow-up of one village's identified cases, as of the job's day."""
    calendar = workday_calendar(get_platform_settings().workday_calendar_file)
    async with ctx.transaction("ledger.assistance.follow_up") as session:
        return await service.follow_village(session, village=village, today=ctx.as_of, calendar=calendar)
