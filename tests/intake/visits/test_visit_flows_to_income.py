"""A visit submitted through intake is assessed by income, once (or once its year's rule set exists), and audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared.data.platform_tables import FailedEvent, OutboxEvent
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.income import income_events as household_income_events
from tests.factories.income import ruleset_2025
from tests.factories.intake import (
    household_payload,
    member_payload,
    next_id_number,
    register_household,
    visit_form_for,
)
from tests.factories.visit_forms import valid_income_amounts

pytestmark = pytest.mark.asyncio


async def income_events(system) -> list[dict]:
    async with system.runtimes["income"].db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "income.assessed"))).all()
    return [row.envelope for row in rows]


async def test_an_a_to_e_visit_is_assessed_once_even_when_resubmitted(intake):
    household = await register_household(intake)
    form = visit_form_for(household, income={"amounts": valid_income_amounts()})
    first = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert first.status_code == 201, first.text
    await intake.settle()
    again = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert again.status_code == 200
    await intake.settle()

    history = await intake.client.get(f"/income/households/{household['id']}/assessments",
                                      headers=intake.headers("village_cadre", VILLAGE))
    assert history.status_code == 200, history.text
    assert len(history.json()["years"]) == 1
    every = await intake.client.get(f"/income/households/{household['id']}/assessments?all=true",
                                    headers=intake.headers("village_cadre", VILLAGE))
    assert len(every.json()["assessments"]) == 1
    published = await income_events(intake)
    assert len(published) == 1
    payload = published[0]["payload"]
    assert payload["household_id"] == household["id"]
    assert payload["source_visit_id"] == form["visit_id"]
    assert payload["basis"] == "amounts" and payload["ruleset_version"]


async def pending_visits(system) -> dict:
    response = await system.client.get("/income/pending-visits", headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_visit_of_a_year_without_a_rule_set_is_assessed_once_that_year_is_published(intake):
    household = await register_household(intake)
    # 6200 + 9800.50 + 3120 + 0 − 2100 = 17020.50 for two members all year: 8510.25 per person
    form = visit_form_for(household, visited_at="2024-10-15T10:00:00+08:00", income={"amounts": valid_income_amounts()})
    submitted = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert submitted.status_code == 201, submitted.text
    await intake.settle()

    waiting = await pending_visits(intake)
    assert waiting["total"] == 1
    assert (waiting["items"][0]["visit_id"], waiting["items"][0]["visited_on"]) == (form["visit_id"], "2024-10-15")
    assert "2024-10-15" in waiting["items"][0]["reason"]
    assert await household_income_events(intake, household["id"]) == []
    async with intake.runtimes["income"].db.session() as session:
        assert await session.scalar(select(func.count()).select_from(FailedEvent)) == 0

    added = await intake.client.post("/income/rulesets", json=ruleset_2025(),
                                     headers=intake.headers("district_admin", DISTRICT))
    assert added.status_code == 201, added.text
    await intake.settle()

    [event] = await household_income_events(intake, household["id"])
    payload = event["payload"]
    assert (payload["year"], payload["ruleset_version"], payload["source_visit_id"]) == (2025, "2025.1",
                                                                                         form["visit_id"])
    assert (payload["basis"], payload["per_capita_net_income"], payload["below_monitoring_line"]) == (
        "amounts", "8510.25", True)  # under the 2025 line of 8600
    history = await intake.client.get(f"/income/households/{household['id']}/assessments",
                                      headers=intake.headers("village_cadre", VILLAGE))
    assert [year["year"] for year in history.json()["years"]] == [2025]
    assert (await pending_visits(intake))["total"] == 0


async def test_another_village_cannot_read_the_assessment(intake):
    household = await register_household(intake)
    form = visit_form_for(household, income={"amounts": valid_income_amounts()})
    assert (await intake.client.post("/intake/visits", json=form,
                                     headers=intake.headers("village_cadre", VILLAGE))).status_code == 201
    await intake.settle()
    other = await intake.client.get(f"/income/households/{household['id']}/assessments",
                                    headers=intake.headers("village_cadre", OTHER_VILLAGE))
    assert other.status_code == 404
    other_visit = await intake.client.get(f"/intake/visits/{form['visit_id']}",
                                          headers=intake.headers("village_cadre", OTHER_VILLAGE))
    assert other_visit.status_code == 404


async def test_every_write_is_audited_with_caller_request_and_redacted_values(intake):
    payload = household_payload(VILLAGE)
    response = await intake.client.post("/intake/households", json=payload,
                                        headers={**intake.headers("town_staff", TOWNSHIP, name="李镇干", user_id="u-7"),
                                                 "X-Request-ID": "req-audit-1"})
    assert response.status_code == 201
    household = response.json()
    log = await intake.client.get(f"/intake/audit?entity_id={household['id']}",
                                  headers=intake.headers("auditor", DISTRICT))
    assert log.status_code == 200
    [entry] = [e for e in log.json() if e["entity"] == "households"]
    assert (entry["actor_id"], entry["actor_name"], entry["actor_role"], entry["request_id"], entry["action"]) == (
        "u-7", "李镇干", "town_staff", "req-audit-1", "create")
    members = await intake.client.get("/intake/audit?entity=members", headers=intake.headers("auditor", DISTRICT))
    member_changes = [e["changes"] for e in members.json() if e["request_id"] == "req-audit-1"]
    assert len(member_changes) == len(payload["members"]), "each member's creation is audited too"
    for member in payload["members"]:
        assert member["id_number"] not in str(members.json())
    for changes in member_changes:
        assert changes["id_number_cipher"] == [None, "***"] and changes["id_number_index"] == [None, "***"]


async def test_intake_screens_an_enlisted_member_as_income_assesses_him(intake):
    # The son enlisted (0 months at home) and still shares the household's income: 附件5 counts
    # him for the whole year, so 12000 yuan net is 6000.00 a person, below the 8300 line.
    son = member_payload(name="张小军", relation="son", id_number=next_id_number(date(2003, 5, 1)),
                         months_in_household=0, enlisted_sharing_income=True)
    household = await register_household(intake, members=[member_payload(), son])
    amounts = valid_income_amounts(production_income="3000", wage_income="9000", transfer_income="0",
                                   property_income="0", production_expense="0")
    form = visit_form_for(household, income={"amounts": amounts})
    form["members"][1]["months_in_household"] = 0
    response = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    await intake.settle()

    # Below the line is no contradiction; judged without risk, it is a lead for the ledger.
    assert [finding["code"] for finding in response.json()["findings"]] == ["income_below_line_without_risk"]
    [assessed] = [event["payload"] for event in await income_events(intake)]
    assert Decimal(assessed["per_capita_net_income"]) == Decimal("6000.00")
    assert assessed["below_monitoring_line"] is True


async def test_the_forms_income_section_posted_unchanged_to_calculate_gives_the_stored_figure(intake):
    household = await register_household(intake)
    form = visit_form_for(household, income={
        "amounts": valid_income_amounts(wage_income="12480.40"),
        "compliant_expenses": {"medical": "2600", "education": "800"},
        "claim_income": {"amount": "3000"},
    })
    form["members"][1]["months_in_household"] = 7  # away part of the year: 19 member-months
    submitted = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert submitted.status_code == 201, submitted.text
    await intake.settle()
    history = await intake.client.get(f"/income/households/{household['id']}/assessments",
                                      headers=intake.headers("village_cadre", VILLAGE))
    [year] = history.json()["years"]
    stored = year["assessment"]

    members = [{"member_id": m["member_id"], "months_in_household": m.get("months_in_household", 12)}
               for m in form["members"]]
    body = {"year": stored["year"], "visit": {"income": form["income"], "members": members}}
    calculated = await intake.client.post("/income/calculate", json=body,
                                          headers=intake.headers("village_cadre", VILLAGE))

    assert calculated.status_code == 200, calculated.text
    result = calculated.json()
    # 6200 + 12480.40 + 3120 + 0 − 2100 = 19700.40 over 19 member-months: 12442.36 per person
    assert result["per_capita_net_income"] == stored["per_capita_net_income"] == "12442.36"
    assert (result["per_capita_after_compliant_expenses"]
            == stored["per_capita_after_compliant_expenses"])
    assert (result["bracket"], result["income_class"]) == (stored["bracket"], stored["income_class"])
    assert result["ruleset_version"] == stored["ruleset_version"]
