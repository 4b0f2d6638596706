"""Failed events are held to the org code of their event, like every other row a caller reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.data.platform_tables import FailedEvent
from shared.events.consumer import Handler, Outcome
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import Envelope
from shared.events.outbox import publish
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio

OTHER_DISTRICT = "500152000000"


async def failing_event_of_village(system) -> FailedEvent:
    """A probe of VILLAGE that a ledger consumer fails on for good."""
    ledger = system.runtimes["ledger"]

    async def broken(session, envelope):
        raise ValueError(f"cannot handle the probe of {envelope.org_code}")

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.broken", broken))
    async with system.runtimes["intake"].db.transaction() as session:
        await publish(session, BusProbe(origin="intake"), org_code=VILLAGE, source="intake")
    await system.settle()
    async with ledger.db.session() as session:
        return (await session.execute(select(FailedEvent))).scalar_one()


async def listed(system, role: str, org: str) -> list[str]:
    response = await system.client.get("/ledger/events/failed", headers=system.headers(role, org))
    assert response.status_code == 200, response.text
    return [failure["id"] for failure in response.json()]


async def test_a_failure_is_listed_only_to_callers_whose_scope_holds_its_event(system):
    failure = await failing_event_of_village(system)
    assert failure.org_code == VILLAGE
    assert await listed(system, "district_admin", DISTRICT) == [str(failure.id)]
    assert await listed(system, "auditor", TOWNSHIP) == [str(failure.id)]
    assert await listed(system, "auditor", VILLAGE) == [str(failure.id)]
    assert await listed(system, "district_admin", OTHER_DISTRICT) == []
    assert await listed(system, "auditor", OTHER_VILLAGE) == []


async def test_another_districts_admin_cannot_replay_a_failure(system):
    failure = await failing_event_of_village(system)
    response = await system.client.post(f"/ledger/events/failed/{failure.id}/replay",
                                        headers=system.headers("district_admin", OTHER_DISTRICT))
    assert response.status_code == 404
    assert set(response.json()) >= {"error", "detail"} and VILLAGE not in response.text
    async with system.runtimes["ledger"].db.session() as session:
        [stored] = (await session.execute(select(FailedEvent))).scalars().all()
    assert (stored.attempts, stored.replayed_at) == (1, None)


async def test_replays_that_fail_again_update_the_one_failure(system):
    failure = await failing_event_of_village(system)
    headers = system.headers("district_admin", DISTRICT)
    for _ in range(2):
        response = await system.client.post(f"/ledger/events/failed/{failure.id}/replay", headers=headers)
        assert response.json()["outcome"] == Outcome.FAILED
    rows = (await system.client.get("/ledger/events/failed", headers=headers)).json()
    assert [(row["id"], row["attempts"]) for row in rows] == [(str(failure.id), 3)]


async def test_a_second_delivery_that_fails_again_updates_the_one_failure(system):
    failure = await failing_event_of_village(system)
    ledger = system.runtimes["ledger"]
    await ledger.consumer.deliver(Envelope.model_validate(failure.envelope))  # at least once: it comes again
    async with ledger.db.session() as session:
        rows = (await session.execute(select(FailedEvent))).scalars().all()
    assert [(row.id, row.attempts) for row in rows] == [(failure.id, 2)]
