"""A visit assessed while a reassessment holds the same household neither fails nor is lost.

Real commits on a database of the test's own: the reassessment's chunk transaction is held open
while the visit's handler runs, then committed.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from services.income.assessments.models import Assessment
from services.income.reassessments.schemas import ReassessmentCreate
from services.income.reassessments.service import ReassessmentPass, start_reassessment
from services.income.rulesets.service import create_ruleset, load_catalog
from shared.data.migrations import upgrade
from shared.data.platform_tables import FailedEvent
from shared.domain.enums import Role
from shared.domain.rulesets import RuleSet
from shared.events.consumer import Outcome
from shared.events.envelope import Envelope
from shared.events.transports import InProcessTransport
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.security.auth import Principal
from tests.conftest import DISTRICT, drop_database, recreate_database, run_suffix
from tests.factories.income import (
    amounts_income,
    raised_2024,
    visit_member,
    visit_submitted,
)

pytestmark = pytest.mark.asyncio

ADMIN = Principal(user_id="admin-1", name="区管理员", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)


@pytest_asyncio.fixture
async def income(platform_settings):
    name = f"fangfan_test_reassess_race_{run_suffix()}"
    url = await asyncio.to_thread(recreate_database, name)
    await asyncio.to_thread(upgrade, load_service("income").versions_dir, url)
    runtime = ServiceRuntime(load_service("income"), platform_settings, InProcessTransport(), database_url=url)
    try:
        yield runtime
    finally:
        await runtime.db.dispose()
        await asyncio.to_thread(drop_database, name)


def envelope_of(visit) -> Envelope:
    return Envelope(type="visit.submitted", version=1, org_code=visit.org_code, source="intake",
                    payload=visit.model_dump(mode="json"))


async def test_a_visit_during_a_reassessment_chunk_waits_and_stays_the_latest(income):
    household = uuid.uuid4()
    first = visit_submitted(household_id=household, members=[visit_member(12)],
                            income=amounts_income(wage_income="8800"), visited_at="2024-09-02T10:00:00+08:00")
    assert await income.consumer.deliver_with_retries(envelope_of(first)) == Outcome.HANDLED
    async with income.db.transaction(ADMIN) as session:
        await create_ruleset(session, principal=ADMIN, ruleset=RuleSet.model_validate(raised_2024()))
    second = visit_submitted(household_id=household, members=[visit_member(12)],
                             income=amounts_income(wage_income="9500"), visited_at="2024-09-10T10:00:00+08:00")

    async with income.db.transaction(ADMIN) as session:  # the chunk holds the household's latest row
        run = await start_reassessment(session, principal=ADMIN, request=ReassessmentCreate(year=2024))
        pass_ = ReassessmentPass(run, ADMIN, await load_catalog(session))
        await pass_.next_chunk(session)
        assert pass_.tally.reassessed == 1
        visit_handled = asyncio.create_task(income.consumer.deliver_with_retries(envelope_of(second)))
        await asyncio.sleep(0.5)
        assert not visit_handled.done()  # it waits for the chunk; it does not fail

    assert await asyncio.wait_for(visit_handled, timeout=30) == Outcome.HANDLED
    async with income.db.session() as session:
        rows = (await session.scalars(select(Assessment).where(Assessment.household_id == household)
                                      .order_by(Assessment.assessed_at))).all()
        failures = await session.scalar(select(func.count()).select_from(FailedEvent))
    assert failures == 0
    latest = [row for row in rows if row.is_latest]
    assert len(latest) == 1
    assert latest[0].source_visit_id == second.visit_id  # the newer observation wins, under the new version
    assert latest[0].ruleset_version == "2024.2"
    assert [row.origin for row in rows].count("reassessment") == 1  # the chunk's work stands in the history
