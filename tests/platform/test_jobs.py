"""Tracked jobs and schedules: 202 and a job to poll, progress, cancellation, crashed workers, one run per tick."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from shared.data.platform_tables import JobRecord, JobState, ScheduledRun
from shared.domain.clock import SHANGHAI, clock
from shared.events.transports import InProcessTransport
from shared.runtime.definition import load_service
from shared.runtime.jobs import JobRunner, Scheduler
from shared.runtime.service_runtime import ServiceRuntime
from tests.conftest import DISTRICT, OTHER_VILLAGE, VILLAGE
from tests.factories.income import declaration, known_household, raised_2024

pytestmark = pytest.mark.asyncio

ADMIN = ("district_admin", DISTRICT)


async def two_households_and_a_new_version(system) -> None:
    for org in (VILLAGE, OTHER_VILLAGE):
        response = await system.client.post(
            f"/income/households/{await known_household(system, org)}/assessments",
            headers=system.headers("village_cadre", org),
            json={"org_code": org, "year": 2024,
                  "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": "8800"}])})
        assert response.status_code == 201, response.text
    response = await system.client.post("/income/rulesets", json=raised_2024(), headers=system.headers(*ADMIN))
    assert response.status_code == 201, response.text
    await system.settle()


async def job_row(system, job_id) -> JobRecord:
    async with system.runtimes["income"].db.session() as session:
        return await session.get(JobRecord, uuid.UUID(str(job_id)))


async def test_long_work_answers_202_and_the_job_shows_progress_then_the_report(system):
    await two_households_and_a_new_version(system)
    headers = system.headers(*ADMIN)

    response = await system.client.post("/income/reassess", json={"year": 2024}, headers=headers)

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["Location"] == accepted["location"] == f"/income/jobs/{accepted['job_id']}"
    queued = (await system.client.get(accepted["location"], headers=headers)).json()
    assert (queued["state"], queued["name"], queued["progress"]["unit"]) == ("queued", "reassessments.run",
                                                                              "households")
    await system.settle()
    done = (await system.client.get(accepted["location"], headers=headers)).json()
    assert done["state"] == "succeeded" and done["error"] is None
    assert done["progress"] == {"done": 2, "total": 2, "unit": "households"}
    assert (done["report"]["examined"], done["report"]["changed"]) == (2, 2)
    assert done["started_at"] <= done["finished_at"]
    listed = (await system.client.get("/income/jobs?name=reassessments.run", headers=headers)).json()
    assert [job["id"] for job in listed] == [accepted["job_id"]]
    # A village cadre does not see a district's job, and cannot tell it exists.
    hidden = await system.client.get(accepted["location"], headers=system.headers("village_cadre", VILLAGE))
    assert hidden.status_code == 404


async def test_a_refused_request_queues_no_job(system):
    response = await system.client.post("/income/reassess", json={"year": 2024, "version": "2024.9"},
                                        headers=system.headers(*ADMIN))
    assert response.status_code == 422
    async with system.runtimes["income"].db.session() as session:
        assert await session.scalar(select(func.count()).select_from(JobRecord)) == 0


async def test_a_queued_job_cancelled_never_runs_and_a_finished_one_cannot_be_cancelled(system):
    await two_households_and_a_new_version(system)
    headers = system.headers(*ADMIN)
    location = (await system.client.post("/income/reassess", json={"year": 2024}, headers=headers)).json()["location"]

    cancelled = await system.client.delete(location, headers=headers)
    await system.settle()

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert (await system.client.get(location, headers=headers)).json()["state"] == "cancelled"
    assert (await system.client.delete(location, headers=headers)).status_code == 409
    assert (await system.client.delete(location, headers=system.headers("auditor", DISTRICT))).status_code == 403


async def test_a_running_job_stops_at_its_next_safe_point(system):
    await two_households_and_a_new_version(system)
    headers = system.headers(*ADMIN)
    job_id = (await system.client.post("/income/reassess", json={"year": 2024}, headers=headers)).json()["job_id"]
    runner = system.runtimes["income"].jobs
    claimed = await runner._claim()
    assert str(claimed.id) == job_id
    assert (await system.client.delete(f"/income/jobs/{job_id}", headers=headers)).json()["cancel_requested"]

    await runner._run(claimed)

    row = await job_row(system, job_id)
    assert (row.state, row.error) == (JobState.CANCELLED, "cancelled on request")
    assert row.report is None


async def test_a_job_whose_worker_died_is_resumed_once_then_failed_visibly(system):
    await two_households_and_a_new_version(system)
    headers = system.headers(*ADMIN)
    job_id = (await system.client.post("/income/reassess", json={"year": 2024}, headers=headers)).json()["job_id"]
    runner = system.runtimes["income"].jobs
    await runner._claim()  # a worker took it, then died without a word

    assert await runner.sweep() == {"resumed": 0, "failed": 0}  # its heartbeat is fresh
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        assert await runner.sweep() == {"resumed": 1, "failed": 0}
    resumed = await job_row(system, job_id)
    assert (resumed.state, resumed.attempts) == (JobState.QUEUED, 1)
    assert "resumed" in resumed.error

    await runner._claim()  # and the second worker died too
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        assert await runner.sweep() == {"resumed": 0, "failed": 1}
    failed = (await system.client.get(f"/income/jobs/{job_id}", headers=headers)).json()
    assert failed["state"] == "failed" and failed["attempts"] == 2
    assert "worker running it stopped" in failed["error"]


async def test_a_resumed_job_finishes_the_work(system):
    await two_households_and_a_new_version(system)
    headers = system.headers(*ADMIN)
    job_id = (await system.client.post("/income/reassess", json={"year": 2024}, headers=headers)).json()["job_id"]
    runner = system.runtimes["income"].jobs
    await runner._claim()
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        await runner.sweep()

    await system.settle()

    done = (await system.client.get(f"/income/jobs/{job_id}", headers=headers)).json()
    assert (done["state"], done["attempts"], done["report"]["reassessed"]) == ("succeeded", 2, 2)


async def test_a_tick_runs_once_however_many_schedulers_fire_it(platform_settings, migrated_databases):
    ran: list[str] = []
    # Two processes of the same service, each with its own connections to the same database.
    runtimes = [ServiceRuntime(load_service("income"), platform_settings, InProcessTransport(),
                               database_url=migrated_databases["income"]) for _ in range(2)]
    tick = datetime(2024, 9, 27, 9, 0, tzinfo=SHANGHAI)
    tick_name = f"test.tick.{uuid.uuid4().hex[:8]}"
    try:
        for runtime in runtimes:
            runtime.jobs.crons[tick_name] = _recording_cron(tick_name, ran)

        outcomes = await asyncio.gather(*(runtime.jobs.fire(tick_name, tick=tick) for runtime in runtimes))

        assert sorted(outcomes) == ["duplicate", "succeeded"]
        assert ran == ["2024-09-27"]
        async with runtimes[0].db.session() as session:
            runs = (await session.execute(select(ScheduledRun).where(ScheduledRun.name == tick_name))).scalars().all()
        assert [(r.tick, r.outcome) for r in runs] == [(tick, "succeeded")]
    finally:
        async with runtimes[0].db.transaction() as session:
            await session.execute(delete(ScheduledRun).where(ScheduledRun.name == tick_name))
        for runtime in runtimes:
            await runtime.db.dispose()


def _recording_cron(name: str, ran: list[str]):
    from shared.runtime.tasks import CronSpec

    async def body(ctx) -> None:
        ran.append(ctx.as_of.isoformat())

    return CronSpec(name, body, "records the day it ran for", {"second": 0})


async def test_the_embedded_scheduler_knows_every_schedule_and_its_next_tick():
    runner = JobRunner.__new__(JobRunner)
    runner.crons = {spec.name: spec for spec in load_service("ledger").crons}
    after = datetime(2024, 9, 27, 3, 16, 50, tzinfo=SHANGHAI)

    due = Scheduler([runner]).due(after)

    ticks = {spec.name: when for when, _, spec in due}
    assert ticks["platform.sweep_jobs"] == datetime(2024, 9, 27, 3, 17, 0, tzinfo=SHANGHAI)
    assert ticks["platform.prune"] == datetime(2024, 9, 27, 3, 17, 0, tzinfo=SHANGHAI)
    later = {spec.name: when for when, _, spec in Scheduler([runner]).due(ticks["platform.prune"])}
    assert later["platform.prune"] == datetime(2024, 9, 28, 3, 17, 0, tzinfo=SHANGHAI)
    assert later["platform.sweep_jobs"] == datetime(2024, 9, 27, 3, 17, 15, tzinfo=SHANGHAI)
