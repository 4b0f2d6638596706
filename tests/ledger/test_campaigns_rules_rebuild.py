"""The campaign as editable data, the rule table, and the household view rebuilt from the logged events."""

from __future__ import annotations

import pytest

from tests.conftest import DISTRICT, TOWNSHIP
from tests.factories.intake import register_household, visit_form_for
from tests.factories.ledger import registered_with_visit, submit_visit

pytestmark = pytest.mark.asyncio


async def test_the_2024_campaign_is_data_and_a_district_admin_edits_it(ledger):
    listed = (await ledger.client.get("/ledger/campaigns", headers=ledger.headers("town_staff", TOWNSHIP))).json()
    [campaign] = listed
    assert (campaign["year"], campaign["name"], campaign["income_year"], campaign["ruleset_version"]) == (
        2024, "大走访大排查大整改", 2024, "2024.1")
    assert (campaign["mobilisation_by"], campaign["visits_confirmed_by"], campaign["visits_checked_by"],
            campaign["rectification_by"], campaign["rectification_final_by"]) == (
        "2024-08-25", "2024-09-12", "2024-09-20", "2024-09-20", "2024-10-31")
    url = f"/ledger/campaigns/{campaign['id']}"

    by_staff = await ledger.client.patch(url, json={"rectification_final_by": "2024-11-15"},
                                         headers=ledger.headers("town_staff", TOWNSHIP))
    assert by_staff.status_code == 403
    backwards = await ledger.client.patch(url, json={"rectification_final_by": "2024-09-01"},
                                          headers=ledger.headers("district_admin", DISTRICT))
    assert backwards.status_code == 422 and "rectification_final_by" in backwards.json()["detail"]
    moved = await ledger.client.patch(url, json={"rectification_final_by": "2024-11-15"},
                                      headers=ledger.headers("district_admin", DISTRICT))
    assert moved.status_code == 200 and moved.json()["rectification_final_by"] == "2024-11-15"

    next_year = {**{k: v for k, v in campaign.items() if k not in {"id", "origin", "updated_by", "updated_at"}},
                 "code": "2025", "year": 2025, "income_year": 2025, "ruleset_version": "2025.1",
                 "starts_on": "2025-08-20", "mobilisation_by": "2025-08-25", "visits_confirmed_by": "2025-09-12",
                 "visits_checked_by": "2025-09-20", "rectification_by": "2025-09-20",
                 "rectification_final_by": "2025-10-31"}
    added = await ledger.client.post("/ledger/campaigns", json=next_year,
                                     headers=ledger.headers("district_admin", DISTRICT))
    assert added.status_code == 201, added.text
    twice = await ledger.client.post("/ledger/campaigns", json=next_year,
                                     headers=ledger.headers("district_admin", DISTRICT))
    assert twice.status_code == 409


async def test_a_visit_of_the_next_campaign_files_its_problems_there(ledger):
    campaign = (await ledger.client.get("/ledger/campaigns", headers=ledger.headers("town_staff", TOWNSHIP))).json()[0]
    later = {**{k: v for k, v in campaign.items() if k not in {"id", "origin", "updated_by", "updated_at"}},
             "code": "2024-autumn", "starts_on": "2024-09-08", "mobilisation_by": "2024-09-08",
             "visits_confirmed_by": "2024-09-30", "visits_checked_by": "2024-09-30", "rectification_by": "2024-10-15",
             "rectification_final_by": "2024-11-30"}
    added = await ledger.client.post("/ledger/campaigns", json=later,
                                     headers=ledger.headers("district_admin", DISTRICT))
    assert added.status_code == 201, added.text
    household = await register_household(ledger)
    water = {"dropout": False, "uninsured": False, "housing_unsafe": False, "water_unsafe": True}
    await submit_visit(ledger, visit_form_for(household, guarantees=water))  # 5 September: the first campaign
    await submit_visit(ledger, visit_form_for(household, guarantees=water, visited_at="2024-09-10T10:00:00+08:00"))
    await ledger.settle()
    problems = (await ledger.client.get("/ledger/problems", headers=ledger.headers("town_staff", TOWNSHIP))).json()
    mine = [p for p in problems["items"] if p["household_id"] == household["id"]]
    assert sorted(p["campaign_id"] for p in mine) == sorted([campaign["id"], added.json()["id"]])


async def test_the_rule_table_lists_each_rule_with_its_clause(ledger):
    rules = (await ledger.client.get("/ledger/rules", headers=ledger.headers("village_cadre"))).json()
    by_code = {rule["code"]: rule for rule in rules}
    water = by_code["guarantee.water_unsafe"]
    assert (water["level"], water["problem_type"], water["problem_type_label"], water["triggers"]) == (
        "household", "water", "⑤饮水安全", ["visit.submitted"])
    assert "喝上干净水" in water["clause"]
    assert by_code["identification.should_be_monitored"]["problem_type_label"] == "③监测对象识别"
    assert by_code["finding.gps_mock_location"]["finding_code"] == "gps_mock_location"
    assert by_code["warning.unchecked_5_working_days"]["active"] is False


async def view(system) -> list[dict]:
    response = await system.client.get("/ledger/households", params={"limit": 500},
                                       headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_rebuild_from_the_logged_events_gives_the_same_household_view(ledger):
    first, _ = await registered_with_visit(ledger)
    await registered_with_visit(ledger, household_kinds=["poverty_alleviated"])
    changed = await ledger.client.patch(f"/intake/households/{first['id']}", json={"group_name": "3社"},
                                        headers=ledger.headers("town_staff", TOWNSHIP))
    assert changed.status_code == 200, changed.text
    await ledger.settle()
    before = await view(ledger)
    assert len(before) == 2 and {h["group_name"] for h in before} == {"3社", "1社"}
    assert all(h["income_below_line"] and h["visit_id"] for h in before)

    denied = await ledger.client.post("/ledger/households/rebuild", headers=ledger.headers("town_staff", TOWNSHIP))
    assert denied.status_code == 403
    started = await ledger.client.post("/ledger/households/rebuild",
                                       headers=ledger.headers("district_admin", DISTRICT))
    assert started.status_code == 202, started.text
    await ledger.settle()
    job = (await ledger.client.get(started.json()["location"].removeprefix(""),
                                   headers=ledger.headers("district_admin", DISTRICT))).json()
    assert job["state"] == "succeeded", job
    assert job["report"]["events_replayed"] == 7 and job["report"]["households"] == 2
    assert await view(ledger) == before
