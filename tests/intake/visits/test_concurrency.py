"""Truly concurrent requests, each on its own connection: the database's keys decide, once.

The ``system`` fixture binds every session to one connection, which serialises everything; these
tests use ``live_intake``, the intake service on its own engine, committing for real.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from shared.domain.enums import Role
from shared.security.auth import issue_token, system_principal
from tests.factories.intake import (
    create_household,
    household_payload,
    next_id_number,
    visit_form_for,
)

pytestmark = pytest.mark.asyncio

VILLAGE = "500151108206"


def headers(runtime) -> dict[str, str]:
    token = issue_token(runtime.platform, name="并发测试", role=Role.VILLAGE_CADRE, org_code=VILLAGE)
    return {"Authorization": f"Bearer {token}"}


async def scalar(runtime, sql: str) -> int:
    async with runtime.db.engine.connect() as connection:
        return (await connection.execute(sa.text(sql))).scalar_one()


async def registered(runtime):
    async with runtime.db.transaction(system_principal("tests")) as session:
        return await create_household(session, runtime.platform, org_code=VILLAGE)


async def test_two_simultaneous_submissions_of_one_visit_store_it_once(live_intake):
    runtime, client = live_intake
    form = visit_form_for(await registered(runtime))
    auth = headers(runtime)
    for _ in range(3):  # several rounds: each must end with one visit whichever request wins
        form = form | {"visit_id": str(uuid.uuid4())}
        responses = await asyncio.gather(*(client.post("/intake/visits", json=form, headers=auth) for _ in range(2)))
        assert sorted(r.status_code for r in responses) == [200, 201], [r.text for r in responses]
        assert responses[0].json() == responses[1].json()
    assert await scalar(runtime, "SELECT count(*) FROM visits") == 3
    assert await scalar(runtime, "SELECT count(*) FROM outbox_events WHERE type = 'visit.submitted'") == 3
    assert await scalar(runtime, "SELECT count(*) FROM members") == 2


async def test_simultaneous_submissions_of_one_id_with_other_content_keep_the_first(live_intake):
    runtime, client = live_intake
    form = visit_form_for(await registered(runtime))
    other = form | {"guarantees": form["guarantees"] | {"water_unsafe": True}}
    auth = headers(runtime)
    responses = await asyncio.gather(client.post("/intake/visits", json=form, headers=auth),
                                     client.post("/intake/visits", json=other, headers=auth))
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert await scalar(runtime, "SELECT count(*) FROM visits") == 1


async def test_simultaneous_registrations_of_one_person_keep_one_live_member(live_intake):
    runtime, client = live_intake
    first, second = household_payload(VILLAGE), household_payload(VILLAGE)
    second["members"][1]["id_number"] = first["members"][1]["id_number"]
    auth = headers(runtime)
    responses = await asyncio.gather(client.post("/intake/households", json=first, headers=auth),
                                     client.post("/intake/households", json=second, headers=auth))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    assert await scalar(runtime, "SELECT count(*) FROM households") == 1
    assert await scalar(runtime, "SELECT count(*) FROM members") == 2


async def test_simultaneous_visits_adding_the_same_newborn_all_succeed_with_one_new_member(live_intake):
    # Visits of one household apply one at a time: the second sees the newborn the first added
    # and names that member, as it would had the visits come one after the other.
    runtime, client = live_intake
    household = await registered(runtime)
    newborn = {"id_number": next_id_number(date(2024, 3, 1)), "name": "张小宝", "relation": "grandchild",
               "labour_capacity": "none"}
    auth = headers(runtime)
    forms = []
    for _ in range(10):
        form = visit_form_for(household) | {"visit_id": str(uuid.uuid4())}
        form["members"] = form["members"] + [newborn]
        forms.append(form)
    responses = await asyncio.gather(*(client.post("/intake/visits", json=form, headers=auth) for form in forms))
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses if r.status_code != 201]
    assert await scalar(runtime, "SELECT count(*) FROM visits") == 10
    assert await scalar(runtime, "SELECT count(*) FROM members WHERE removed_at IS NULL") == 3
