"""Planted income: a declaration may name only a household income knows, inside the caller's scope, and it
never hides a visit of the same income year."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.income import declaration
from tests.factories.intake import register_household, visit_form_for

pytestmark = pytest.mark.asyncio

PLANTED = declaration(12, transfer_items=[{"kind": "pension", "amount": "100"}])


async def declare(system, household_id, *, org: str, role: str = "village_cadre", token_org: str | None = None):
    return await system.client.post(f"/income/households/{household_id}/assessments",
                                    json={"org_code": org, "year": 2024, "declaration": PLANTED},
                                    headers=system.headers(role, token_org or org))


async def latest_of(system, household_id, org: str) -> list[dict]:
    response = await system.client.get(f"/income/households/{household_id}/assessments?all=true",
                                       headers=system.headers("village_cadre", org))
    assert response.status_code == 200, response.text
    return [a for a in response.json()["assessments"] if a["is_latest"]]


async def test_a_cadre_cannot_plant_income_for_a_household_of_another_village_or_an_invented_one(intake):
    # 永胜村's household, registered and announced, not yet visited.
    household = await register_household(intake, OTHER_VILLAGE)
    await intake.settle()
    for target in (household["id"], uuid.uuid4()):
        planted = await declare(intake, target, org=VILLAGE)
        assert planted.status_code == 404, planted.text
        assert set(planted.json()) >= {"error", "detail"} and OTHER_VILLAGE not in planted.text

    # 永胜村's own visit is then the household's assessment, and the township sees that figure.
    form = visit_form_for(household)
    submitted = await intake.client.post("/intake/visits", json=form,
                                         headers=intake.headers("village_cadre", OTHER_VILLAGE))
    assert submitted.status_code == 201, submitted.text
    await intake.settle()
    [latest] = await latest_of(intake, household["id"], OTHER_VILLAGE)
    assert (latest["origin"], latest["source_visit_id"]) == ("visit", form["visit_id"])
    township = await intake.client.get(f"/income/households/{household['id']}/assessments",
                                       headers=intake.headers("town_staff", TOWNSHIP))
    assert [y["assessment"]["origin"] for y in township.json()["years"]] == ["visit"]


async def test_a_declaration_received_before_the_visit_does_not_keep_the_latest_flag(intake):
    household = await register_household(intake, OTHER_VILLAGE)
    await intake.settle()
    # The township records a declaration first (received now, long after the visit's own date).
    declared = await declare(intake, household["id"], org=OTHER_VILLAGE, role="town_staff", token_org=TOWNSHIP)
    assert declared.status_code == 201 and declared.json()["is_latest"] is True
    form = visit_form_for(household)
    await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", OTHER_VILLAGE))
    await intake.settle()
    [latest] = await latest_of(intake, household["id"], OTHER_VILLAGE)
    assert (latest["origin"], latest["source_visit_id"]) == ("visit", form["visit_id"])
