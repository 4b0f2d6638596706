"""Reassessment as a tracked job: a district of 200,000 households takes longer than any request may."""

from __future__ import annotations

from services.income.reassessments import service
from services.income.reassessments.schemas import ReassessmentCreate
from services.income.rulesets.service import load_catalog
from shared.domain.enums import Role
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import job
from shared.security.auth import Principal


@job("reassessments.run", tracked=True, unit="households")
async def run_reassessment(ctx: JobContext, *, request: dict, requested_by: dict) -> dict:
    """Recompute a year's latest assessments under a rule-set version, a committed chunk at a time."""
    principal = Principal(user_id=requested_by["id"], name=requested_by["name"], role=Role.DISTRICT_ADMIN,
                          org_code=requested_by["org_code"])
    body = ReassessmentCreate.model_validate(request)
    async with ctx.transaction("income.reassess") as session:
        run = await service.start_reassessment(session, principal=principal, request=body)
        total = await service.count_latest(session, year=run.year, prefix=run.org_prefix)
        pass_ = service.ReassessmentPass(run, principal, await load_catalog(session))
    await ctx.progress(0, total)
    more = True
    while more:
        async with ctx.transaction("income.reassess") as session:
            more = await pass_.next_chunk(session)
        await ctx.progress(pass_.tally.examined, total)
    async with ctx.transaction("income.reassess") as session:
        report = await service.finish_reassessment(session, run=run, tally=pass_.tally, changes=pass_.changes)
    return report.model_dump(mode="json")
