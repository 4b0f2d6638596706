"""The embedded mode's demo data: org units and households of the demo township, loaded idempotently."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.intake.households.demo import DEMO_HOUSEHOLDS, load_demo_data
from services.intake.households.models import Household, Member
from services.intake.org_units.models import OrgUnit
from shared.domain.idnumber import parse_id_number
from tests.conftest import TOWNSHIP


async def counts(runtime) -> tuple[int, int, int]:
    async with runtime.db.session() as session:
        return tuple([(await session.execute(select(func.count()).select_from(model))).scalar_one()
                      for model in (OrgUnit, Household, Member)])


@pytest.mark.asyncio
async def test_demo_data_loads_once_and_shows_in_the_api(system):
    runtime = system.runtimes["intake"]
    await load_demo_data(runtime)
    expected = (8, len(DEMO_HOUSEHOLDS), sum(len(h["members"]) for h in DEMO_HOUSEHOLDS))
    assert await counts(runtime) == expected
    await load_demo_data(runtime)
    assert await counts(runtime) == expected
    listed = await system.client.get("/intake/households", headers=system.headers("town_staff", TOWNSHIP))
    assert listed.json()["total"] == len(DEMO_HOUSEHOLDS)


def test_demo_people_have_distinct_valid_id_numbers():
    numbers = [m["id_number"] for h in DEMO_HOUSEHOLDS for m in h["members"]]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        parse_id_number(number)
