"""Stored assessments through the API: declarations, history over the years, income drops, scope."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared.data.platform_tables import AuditEntry
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.income import (
    amounts_income,
    declaration,
    income_events,
    publish_visit,
    ruleset_2023,
    visit_submitted,
)

pytestmark = pytest.mark.asyncio


def pension(amount: str, *months: int) -> dict:
    """A declaration whose only income is a pension of ``amount`` (per-capita = amount × 12 / months)."""
    return declaration(*(months or (12,)), transfer_items=[{"kind": "pension", "amount": amount}])


async def store(system, household: uuid.UUID, year: int, body: dict, *, org: str = VILLAGE,
                role: str = "village_cadre", token_org: str | None = None):
    return await system.client.post(f"/income/households/{household}/assessments",
                                    json={"org_code": org, "year": year, "declaration": body},
                                    headers=system.headers(role, token_org or org))


async def add_2023(system) -> None:
    response = await system.client.post("/income/rulesets", json=ruleset_2023(),
                                        headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 201


async def history(system, household, role="village_cadre", org=VILLAGE, query=""):
    return await system.client.get(f"/income/households/{household}/assessments{query}",
                                   headers=system.headers(role, org))


async def test_a_cadre_stores_a_declaration_and_income_assessed_is_published(system):
    household = uuid.uuid4()
    # 2 pensions of 9000 over two members all year → 9000.00 per capita: 8300_10000, low-income group
    response = await store(system, household, 2024, declaration(
        12, 12, transfer_items=[{"kind": "pension", "amount": "9000"}, {"kind": "pension", "amount": "9000"}],
        excluded_items=[{"kind": "gifts", "amount": "600"}]))

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["basis"], body["origin"], body["org_code"], body["year"]) == ("declaration", "declaration",
                                                                               VILLAGE, 2024)
    assert (body["per_capita_net_income"], body["bracket"], body["income_class"]) == ("9000.00", "8300_10000",
                                                                                      "low_income_group")
    assert (body["ruleset_version"], body["is_latest"], body["member_months"]) == ("2024.1", True, 24)
    [event] = await income_events(system, household)
    assert event["payload"]["assessment_id"] == body["id"]
    assert (event["payload"]["basis"], event["payload"]["per_capita_net_income"]) == ("declaration", "9000.00")
    assert event["actor"]["role"] == "village_cadre"
    detail = await system.client.get(f"/income/assessments/{body['id']}", headers=system.headers("town_staff",
                                                                                               TOWNSHIP))
    excluded = [line for line in detail.json()["computation"]["breakdown"] if line["section"] == "excluded"]
    assert [(line["rule"], line["counted"]) for line in excluded] == [("excluded.gifts", False)]
    assert detail.json()["inputs"]["excluded_items"][0]["amount"] == "600.00"
    async with system.runtimes["income"].db.session() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "income_assessments"))).all()
    assert [(a.action, a.org_code, a.entity_id) for a in audit] == [("create", VILLAGE, body["id"])]


async def test_auditor_cannot_store_and_nobody_writes_outside_their_scope(system):
    auditor = await store(system, uuid.uuid4(), 2024, pension("9000"), role="auditor", token_org=DISTRICT)
    unknown = uuid.uuid4()
    other_village = await store(system, unknown, 2024, pension("9000"), org=OTHER_VILLAGE, token_org=VILLAGE)

    assert auditor.status_code == 403
    # Not found, as a household recorded in another village is: the answer never tells whether it exists.
    assert other_village.status_code == 404
    assert (other_village.json()["error"], other_village.json()["detail"]) == (
        "NotFound", f"household {unknown} not found in your scope")
    assert await income_events(system) == []


async def test_a_household_recorded_elsewhere_is_not_found_for_a_cadre_of_another_village(system):
    household = uuid.uuid4()
    assert (await store(system, household, 2024, pension("9000"), org=OTHER_VILLAGE)).status_code == 201

    hijack = await store(system, household, 2024, pension("1000"), org=VILLAGE)
    hijack_in_place = await store(system, household, 2024, pension("1000"), org=OTHER_VILLAGE, token_org=VILLAGE)
    never_seen = uuid.uuid4()
    unknown = await store(system, never_seen, 2024, pension("1000"), org=OTHER_VILLAGE, token_org=VILLAGE)
    mismatch = await store(system, household, 2024, pension("1000"), org=VILLAGE, role="town_staff",
                           token_org=TOWNSHIP)

    assert hijack.status_code == hijack_in_place.status_code == 404
    answers = {(r.json()["error"], r.json()["detail"]) for r in (hijack, hijack_in_place)}
    assert answers == {("NotFound", f"household {household} not found in your scope")}
    assert unknown.json()["detail"] == f"household {never_seen} not found in your scope"
    assert mismatch.status_code == 422 and mismatch.json()["fields"][0]["field"] == "body.org_code"


async def test_a_year_without_a_rule_set_is_422_naming_the_year(system):
    response = await store(system, uuid.uuid4(), 2022, pension("9000"))
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "body.year"


async def test_history_shows_the_latest_per_year_and_the_change_from_last_year(system):
    await add_2023(system)
    household = uuid.uuid4()
    await store(system, household, 2023, pension("12000", 12, 12))  # 6000.00 per capita
    await store(system, household, 2023, pension("20000", 12, 12))  # corrected: 10000.00, supersedes
    await store(system, household, 2024, pension("17000", 12, 12))  # 8500.00

    latest = await history(system, household)
    everything = await history(system, household, role="town_staff", org=TOWNSHIP, query="?all=true")

    assert latest.status_code == 200
    years = latest.json()["years"]
    assert [(y["year"], y["assessment"]["per_capita_net_income"]) for y in years] == [(2023, "10000.00"),
                                                                                       (2024, "8500.00")]
    assert years[0]["change_from_previous_year"] is None
    change = years[1]["change_from_previous_year"]
    assert (change["previous_year"], change["previous_per_capita_net_income"]) == (2023, "10000.00")
    assert (change["absolute_change"], change["percent_change"]) == ("-1500.00", "-15.00")
    assert change["previous_assessment_id"] == years[0]["assessment"]["id"]
    assert years[0]["assessment"]["ruleset_version"] == "2023.1"
    assert latest.json()["assessments"] is None
    assert [(a["year"], a["per_capita_net_income"], a["is_latest"]) for a in everything.json()["assessments"]] == [
        (2024, "8500.00", True), (2023, "10000.00", True), (2023, "6000.00", False)]


async def test_percent_change_is_rounded_to_the_hundredth_and_needs_a_figure_both_years(system):
    await add_2023(system)
    household, bracket_only = uuid.uuid4(), uuid.uuid4()
    await store(system, household, 2023, pension("9000", 12, 12, 12))  # 3000.00
    await store(system, household, 2024, pension("10000", 12, 12, 12))  # 3333.33: +333.33 = +11.111 %
    await store(system, bracket_only, 2023, pension("9000"))
    await publish_visit(system, visit_submitted(household_id=bracket_only))
    await system.settle()

    change = (await history(system, household)).json()["years"][1]["change_from_previous_year"]
    no_figure = (await history(system, bracket_only)).json()["years"][1]

    assert (change["absolute_change"], change["percent_change"]) == ("333.33", "11.11")
    assert no_figure["assessment"]["basis"] == "bracket"
    assert no_figure["change_from_previous_year"] is None


async def test_another_village_cannot_read_a_households_assessments(system):
    household = uuid.uuid4()
    created = (await store(system, household, 2024, pension("9000"))).json()

    assert (await history(system, household, org=OTHER_VILLAGE)).status_code == 404
    assert (await system.client.get(f"/income/assessments/{created['id']}",
                                    headers=system.headers("village_cadre", OTHER_VILLAGE))).status_code == 404
    assert (await history(system, household, role="auditor", org=DISTRICT)).status_code == 200
    assert (await history(system, uuid.uuid4())).status_code == 404


async def test_income_drops_lists_households_in_scope_that_fell_at_least_that_much(system):
    await add_2023(system)
    fell_30, fell_20, fell_10, rose, only_2024 = (uuid.uuid4() for _ in range(5))
    for household, before, after in ((fell_30, "10000", "7000"), (fell_20, "10000", "8000"),
                                     (fell_10, "10000", "9000"), (rose, "10000", "12000")):
        await store(system, household, 2023, pension(before))
        await store(system, household, 2024, pension(after))
    await store(system, only_2024, 2024, pension("100"))
    elsewhere = uuid.uuid4()
    await store(system, elsewhere, 2023, pension("10000"), org=OTHER_VILLAGE)
    await store(system, elsewhere, 2024, pension("1000"), org=OTHER_VILLAGE)

    response = await system.client.get("/income/income-drops?year=2024&min_drop_percent=20",
                                       headers=system.headers("village_cadre", VILLAGE))
    township = await system.client.get("/income/income-drops?year=2024&min_drop_percent=20",
                                       headers=system.headers("town_staff", TOWNSHIP))

    assert response.status_code == 200
    drops = {item["household_id"]: item for item in response.json()["items"]}
    assert set(drops) == {str(fell_30), str(fell_20)}  # exactly 20 % is "at least 20 %"
    assert (drops[str(fell_30)]["drop_percent"], drops[str(fell_30)]["absolute_change"]) == ("30.00", "-3000.00")
    assert drops[str(fell_20)]["previous_per_capita_net_income"] == "10000.00"
    assert response.json()["next_after"] is None
    assert {item["household_id"] for item in township.json()["items"]} == {str(fell_30), str(fell_20),
                                                                           str(elsewhere)}


async def test_income_drops_pages_in_household_order(system):
    await add_2023(system)
    households = sorted(uuid.uuid4() for _ in range(3))
    for household in households:
        await store(system, household, 2023, pension("10000"))
        await store(system, household, 2024, pension("5000"))
    headers = system.headers("district_admin", DISTRICT)

    first = (await system.client.get("/income/income-drops?year=2024&min_drop_percent=50&limit=2",
                                     headers=headers)).json()
    second = (await system.client.get(f"/income/income-drops?year=2024&min_drop_percent=50&limit=2"
                                      f"&after={first['next_after']}", headers=headers)).json()

    assert [i["household_id"] for i in first["items"]] == [str(h) for h in households[:2]]
    assert [i["household_id"] for i in second["items"]] == [str(households[2])]
    assert second["next_after"] is None
    bad = await system.client.get("/income/income-drops?year=2024&min_drop_percent=0", headers=headers)
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "query.min_drop_percent"


async def test_a_visit_and_a_declaration_of_one_household_share_its_history(system):
    household = uuid.uuid4()
    await publish_visit(system, visit_submitted(household_id=household, income=amounts_income()))
    await system.settle()
    await store(system, household, 2024, pension("30000", 12, 12))

    body = (await history(system, household, query="?all=true")).json()
    assert [(a["origin"], a["is_latest"]) for a in body["assessments"]] == [("declaration", True),
                                                                           ("visit", False)]
    assert Decimal(body["years"][0]["assessment"]["per_capita_net_income"]) == Decimal("15000.00")
