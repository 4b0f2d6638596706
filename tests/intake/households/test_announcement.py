"""Announcing every household of a scope again: old households become matchable in alerts, harmlessly."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from services.alerts.households.models import KnownHousehold, MemberIndex
from services.intake.households import announcement
from shared.data.platform_tables import OutboxEvent
from tests.alerts.conftest import register_department, send, warning_row
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.intake import household_payload, next_id_number
from tests.factories.ledger import outbox_envelopes

pytestmark = pytest.mark.asyncio

OTHER_VILLAGE = "500151108202"


async def old_household(system, org: str, id_number: str) -> dict:
    """A household registered without its event reaching anyone (as before the indexes, or pruned)."""
    payload = household_payload(org)
    payload["members"][0]["id_number"] = id_number
    response = await system.client.post("/intake/households", json=payload,
                                        headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 201, response.text
    async with system.runtimes["intake"].db.session() as session:
        await session.execute(delete(OutboxEvent).where(OutboxEvent.published_at.is_(None)))
        await session.commit()
    return response.json()


async def known_to_alerts(system) -> tuple[set[str], int]:
    async with system.runtimes["alerts"].db.session() as session:
        households = set(map(str, (await session.scalars(select(KnownHousehold.household_id))).all()))
        indexes = (await session.execute(select(func.count()).select_from(MemberIndex))).scalar_one()
    return households, indexes


async def announce(system, body: dict, role: str = "district_admin", org: str = DISTRICT):
    return await system.client.post("/intake/households/announcement", json=body, headers=system.headers(role, org))


async def test_announcing_a_scope_makes_its_old_households_known_to_alerts_in_batches(intake, monkeypatch):
    monkeypatch.setattr(announcement, "BATCH_SIZE", 2)
    village = [await old_household(intake, VILLAGE, next_id_number()) for _ in range(3)]
    elsewhere = await old_household(intake, OTHER_VILLAGE, next_id_number())
    await intake.settle()
    assert await known_to_alerts(intake) == (set(), 0)

    accepted = await announce(intake, {"org_prefix": VILLAGE})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == f"/intake/jobs/{accepted.json()['job_id']}"
    await intake.settle()
    job = (await intake.client.get(accepted.headers["Location"], headers=intake.headers("district_admin", DISTRICT))
           ).json()
    assert (job["state"], job["progress"]) == ("succeeded", {"done": 3, "total": 3, "unit": "households"})
    assert job["report"] == {"org_prefix": VILLAGE, "households": 3, "batches": 2}
    households, indexes = await known_to_alerts(intake)
    assert households == {h["id"] for h in village} and elsewhere["id"] not in households
    assert indexes == sum(len(h["members"]) for h in village)
    announced = await outbox_envelopes(intake, "intake", types=("household.changed",))
    assert {e.payload["change"] for e in announced} == {"announced"}
    assert all(len(e.payload["member_id_indexes"]) == e.payload["member_count"] for e in announced)

    # Again, for the whole scope: the same knowledge plus the other village, nothing doubled.
    assert (await announce(intake, {})).status_code == 202
    await intake.settle()
    households, again = await known_to_alerts(intake)
    assert households == {h["id"] for h in [*village, elsewhere]}
    assert again == indexes + len(elsewhere["members"])


async def test_only_a_district_admin_announces_and_only_within_the_scope(intake):
    assert (await announce(intake, {}, role="town_staff", org=TOWNSHIP)).status_code == 403
    assert (await announce(intake, {"org_prefix": "500152"})).status_code == 403
    assert (await announce(intake, {"org_prefix": "5001"})).status_code == 422


async def test_the_operator_runs_the_same_job_for_every_household(intake):
    await old_household(intake, VILLAGE, next_id_number())
    runtime = intake.runtimes["intake"]
    from shared.runtime.jobs import JobContext

    report = await runtime.definition.job("households.announce").func(JobContext(runtime, as_of=None))
    assert (report["org_prefix"], report["households"]) == ("", 1)


async def test_a_warning_waiting_for_an_old_household_is_matched_once_it_is_announced(intake):
    number = next_id_number()
    household = await old_household(intake, VILLAGE, number)
    department = await register_department(intake)
    assert (await send(intake, department["code"], department["secret"], warning_row(number))).status_code == 202
    await intake.settle()
    warnings = intake.headers("district_admin", DISTRICT)
    [waiting] = (await intake.client.get("/alerts/warnings", headers=warnings)).json()["items"]
    assert waiting["state"] == "unmatched"
    assert (await announce(intake, {"org_prefix": VILLAGE})).status_code == 202
    await intake.settle()
    [matched] = (await intake.client.get("/alerts/warnings", headers=warnings)).json()["items"]
    assert (matched["state"], matched["household_id"]) == ("awaiting_check", household["id"])
