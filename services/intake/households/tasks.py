"""Background work of households: the demo township's households in the embedded mode, and announcing
every household of a scope again."""

from __future__ import annotations

from services.intake.households.announcement import (
    HouseholdAnnouncementReport,
    announce_batch,
    count_households,
)
from services.intake.households.demo import load_demo_data
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import demo_data, job

demo_data(load_demo_data)


@job("households.announce", tracked=True, unit="households")
async def announce_households(ctx: JobContext, *, org_prefix: str = "") -> dict:
    """Publish ``household.changed`` again for every household under ``org_prefix`` (default: all), in batches."""
    async with ctx.transaction("intake.households.announce") as session:
        total = await count_households(session, prefix=org_prefix)
    await ctx.progress(0, total)
    done = batches = 0
    last = None
    while True:
        async with ctx.transaction("intake.households.announce") as session:
            last, count = await announce_batch(session, prefix=org_prefix, after=last)
        if count == 0:
            break
        done, batches = done + count, batches + 1
        await ctx.progress(done, total)
    return HouseholdAnnouncementReport(org_prefix=org_prefix, households=done, batches=batches).model_dump()
