"""Campaign coverage per village: visited, by method, key-target households met in person, the unvisited."""

from __future__ import annotations

import pytest

from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import register_household, set_intake_env, visit_form_for

pytestmark = pytest.mark.asyncio


async def visit(system, household, **overrides):
    response = await system.client.post("/intake/visits", json=visit_form_for(household, **overrides),
                                        headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 201, response.text


async def coverage(system, role="town_staff", caller=TOWNSHIP, **params):
    return await system.client.get("/intake/coverage", params=params, headers=system.headers(role, caller))


async def a_campaign(system):
    general = await register_household(system, household_number="C001")
    key_in_person = await register_household(system, household_number="C002", key_target_groups=["new_dibao"])
    key_remote = await register_household(system, household_number="C003", household_kinds=["monitored"],
                                risk_status="unresolved", key_target_groups=["monitored"])
    unvisited = [await register_household(system, household_number=f"C10{i}") for i in range(3)]
    elsewhere = await register_household(system, OTHER_VILLAGE, household_number="C201")
    await visit(system, general, method="online_inquiry")
    await visit(system, general, method="village_assessment", visited_at="2024-09-06T10:00:00+08:00")
    await visit(system, key_in_person, key_target_groups=["new_dibao"])
    await visit(system, key_remote, method="online_inquiry", key_target_groups=["monitored"],
                remote_reason="whole_household_away")
    return unvisited, elsewhere


async def test_coverage_counts_each_village(intake):
    unvisited, elsewhere = await a_campaign(intake)
    response = await coverage(intake)
    assert response.status_code == 200, response.text
    report = response.json()
    villages = {v["org_code"]: v for v in report["villages"]}
    assert len(villages) == 6
    mine = villages[VILLAGE]
    assert (mine["name"], mine["households"], mine["visited"], mine["not_visited"]) == ("石鱼村", 6, 3, 3)
    assert mine["by_method"] == {"online_inquiry": 2, "village_assessment": 1, "home_visit": 1}
    assert (mine["key_target_households"], mine["key_target_visited_in_person"]) == (2, 1)
    assert [h["household_number"] for h in mine["unvisited"]] == ["C100", "C101", "C102"]
    assert mine["unvisited"][0]["head_name"] == "张德明"
    other = villages[OTHER_VILLAGE]
    assert (other["households"], other["visited"], other["unvisited"][0]["household_id"]) == (1, 0, elsewhere["id"])
    assert report["totals"]["households"] == 7 and report["totals"]["not_visited"] == 4
    assert report["totals"]["by_method"]["online_inquiry"] == 2


async def test_the_unvisited_list_is_capped_but_counted_in_full(intake):
    await a_campaign(intake)
    report = (await coverage(intake, unvisited_limit=2)).json()
    mine = next(v for v in report["villages"] if v["org_code"] == VILLAGE)
    assert (mine["not_visited"], len(mine["unvisited"])) == (3, 2)


async def test_visits_before_the_configured_campaign_start_do_not_count(intake, intake_env):
    await a_campaign(intake)
    set_intake_env(intake_env, campaign_starts_on="2024-09-06")
    report = (await coverage(intake)).json()
    mine = next(v for v in report["villages"] if v["org_code"] == VILLAGE)
    assert (mine["visited"], mine["by_method"]["village_assessment"], mine["by_method"]["online_inquiry"]) == (1, 1, 0)


async def test_a_village_sees_its_own_coverage_only(intake):
    await a_campaign(intake)
    own = await coverage(intake, role="village_cadre", caller=VILLAGE)
    assert [v["org_code"] for v in own.json()["villages"]] == [VILLAGE]
    assert own.json()["totals"]["households"] == 6
    other = await coverage(intake, role="village_cadre", caller=VILLAGE, org=OTHER_VILLAGE)
    assert other.status_code == 403
    district = await coverage(intake, role="auditor", caller=DISTRICT, org=TOWNSHIP)
    assert district.status_code == 200 and district.json()["totals"]["households"] == 7
