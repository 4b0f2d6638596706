"""A visit no rule set covers waits, and is assessed once a rule set covering it is published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.income.pending_visits import service as pending_service
from services.income.pending_visits.models import PendingVisit
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.income import (
    amounts_income,
    assessments_of,
    income_events,
    publish_visit,
    ruleset_2025,
    visit_member,
    visit_submitted,
)

pytestmark = pytest.mark.asyncio

AFTER_2024 = "2024-10-15T10:00:00+08:00"  # after the packaged 2024 income year (to 30 September 2024)


async def publish_ruleset(system, document: dict) -> None:
    response = await system.client.post("/income/rulesets", json=document,
                                        headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 201, response.text
    await system.settle()


async def pending_visits(system, role: str = "village_cadre", org: str = VILLAGE) -> dict:
    response = await system.client.get("/income/pending-visits", headers=system.headers(role, org))
    assert response.status_code == 200, response.text
    return response.json()


async def test_only_the_published_region_and_year_are_assessed_in_batches(system, monkeypatch):
    monkeypatch.setattr(pending_service, "BATCH_SIZE", 2)
    township_visits = [visit_submitted(visited_at=f"2024-10-{day:02d}T10:00:00+08:00", income=amounts_income())
                       for day in (3, 1, 4, 2, 5)]
    elsewhere = visit_submitted(org_code="500151109001", visited_at=AFTER_2024)  # another township
    still_2024 = visit_submitted(visited_at="2024-09-20T10:00:00+08:00")  # covered already: assessed at once
    for visit in (*township_visits, elsewhere, still_2024):
        await publish_visit(system, visit)
    await system.settle()
    assert (await pending_visits(system, "auditor", DISTRICT))["total"] == 6

    await publish_ruleset(system, ruleset_2025(region="500151108"))

    for visit in township_visits:
        [assessment] = await assessments_of(system, visit.household_id)
        assert (assessment.year, assessment.ruleset_region, assessment.source_visit_id) == (2025, "500151108",
                                                                                             visit.visit_id)
    assert len(await income_events(system)) == len(township_visits) + 1  # and the 2024 visit's
    waiting = await pending_visits(system, "auditor", DISTRICT)
    assert [item["visit_id"] for item in waiting["items"]] == [str(elsewhere.visit_id)]
    assert await assessments_of(system, elsewhere.household_id) == []


async def test_a_covered_visit_that_cannot_be_computed_keeps_waiting_with_the_reason(system):
    empty = visit_submitted(visited_at=AFTER_2024, income=amounts_income(), members=[visit_member(0)])
    fine = visit_submitted(visited_at=AFTER_2024, income=amounts_income())
    for visit in (empty, fine):
        await publish_visit(system, visit)
    await system.settle()

    await publish_ruleset(system, ruleset_2025())

    assert len(await assessments_of(system, fine.household_id)) == 1
    assert await assessments_of(system, empty.household_id) == []
    async with system.runtimes["income"].db.session() as session:
        [waiting] = (await session.scalars(select(PendingVisit))).all()
    assert waiting.visit_id == empty.visit_id
    assert "cannot be assessed" in waiting.reason and "household size is 0" in waiting.reason


async def test_a_visit_delivered_again_past_the_inbox_waits_once(system):
    visit = visit_submitted(visited_at=AFTER_2024)
    envelope = await publish_visit(system, visit)
    await system.settle()
    # The same visit in a new envelope: the inbox does not know it, the pending row does.
    await system.runtimes["income"].consumer.deliver(envelope.model_copy(update={"id": visit.visit_id}))

    assert (await pending_visits(system))["total"] == 1
