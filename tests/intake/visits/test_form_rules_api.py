"""Rules of 附件1 a visit must keep, each broken once and kept once through POST /intake/visits."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.intake.households.models import Member
from services.intake.visits.models import Visit
from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import (
    form_member,
    household_payload,
    member_payload,
    next_id_number,
    register_household,
    visit_form_for,
)
from tests.factories.visit_forms import valid_income_amounts, valid_livestock
from tests.intake.visits.test_visits_api import count, events, submit

pytestmark = pytest.mark.asyncio

# A 6000 + B 0 + C 1000 + D 0 − E 0 = 7000 for two people all year: 3500.00 a person, below 8300.
LOW_AMOUNTS = valid_income_amounts(production_income="6000", wage_income="0", transfer_income="1000",
                                   property_income="0", production_expense="0")


async def household_of(system, household_id: str) -> dict:
    response = await system.client.get(f"/intake/households/{household_id}",
                                       headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 200, response.text
    return response.json()


def fields_of(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [entry["field"] for entry in response.json()["fields"]]


def codes(response) -> list[tuple[str, str]]:
    assert response.status_code == 201, response.text
    return [(finding["code"], finding["field"]) for finding in response.json()["findings"]]


# --- 1. exactly one head ------------------------------------------------------------------------


async def test_a_visit_with_two_heads_or_none_is_a_422_and_the_register_keeps_its_head(intake):
    household = await register_household(intake)
    two = visit_form_for(household)
    two["members"][1]["relation"] = "head"
    none = visit_form_for(household)
    none["members"][0]["relation"] = "other"

    assert fields_of(await submit(intake, two)) == ["body.members"]
    assert fields_of(await submit(intake, none)) == ["body.members"]
    assert await count(intake, Visit) == 0
    relations = [m["relation"] for m in (await household_of(intake, household["id"]))["members"]]
    assert relations == ["head", "spouse"]


async def test_a_visit_may_move_the_headship_and_the_register_follows(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    form["members"][0]["relation"] = "spouse"
    form["members"][1]["relation"] = "head"

    assert (await submit(intake, form)).status_code == 201

    stored = await household_of(intake, household["id"])
    assert stored["head_name"] == "李桂兰"
    assert sorted(m["relation"] for m in stored["members"]) == ["head", "spouse"]


async def test_a_new_head_while_the_head_on_record_is_left_off_the_form_is_a_422(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    form["members"] = [form_member(household["members"][1], relation="head")]  # the head on record is skipped

    response = await submit(intake, form)

    assert fields_of(response) == ["body.members"]
    assert "2 heads" in response.json()["fields"][0]["message"]
    assert await count(intake, Visit) == 0


# --- 2. cattle and sheep of 脱贫户 and 监测户 ----------------------------------------------------------


@pytest.mark.parametrize(("kinds", "risk_status"), [(["poverty_alleviated"], None), (["monitored"], "unresolved"),
                                                    (["poverty_alleviated", "monitored"], "resolved")])
async def test_livestock_is_required_of_poverty_alleviated_and_monitored_households(intake, kinds, risk_status):
    household = await register_household(intake, household_kinds=kinds, risk_status=risk_status)
    without = visit_form_for(household)
    del without["livestock"]

    assert fields_of(await submit(intake, without)) == ["body.livestock"]
    assert (await submit(intake, visit_form_for(household, livestock=valid_livestock()))).status_code == 201


async def test_a_general_household_neither_needs_nor_may_send_livestock(intake):
    household = await register_household(intake)
    assert fields_of(await submit(intake, visit_form_for(household, livestock=valid_livestock()))) == [
        "body.livestock"]
    assert (await submit(intake, visit_form_for(household))).status_code == 201


# --- 3. every registered member verified -----------------------------------------------------------


async def test_a_member_left_off_the_form_is_named_in_a_finding_and_stays_on_record(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    skipped = household["members"][1]
    form["members"] = form["members"][:1]

    response = await submit(intake, form)

    assert codes(response) == [("members_not_verified", "body.members")]
    message = response.json()["findings"][0]["message"]
    assert skipped["name"] in message and skipped["id"] in message
    [event] = await events(intake, "visit.submitted")
    assert [f["code"] for f in event["payload"]["findings"]] == ["members_not_verified"]
    assert len((await household_of(intake, household["id"]))["members"]) == 2


async def test_a_member_removed_on_the_visit_leaves_the_register_with_the_reason(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    gone = household["members"][1]
    form["members"] = form["members"][:1]
    form["removed_members"] = [{"member_id": gone["id"], "reason": "2024年6月病故"}]

    response = await submit(intake, form)

    assert codes(response) == []
    stored = await household_of(intake, household["id"])
    assert [m["id"] for m in stored["members"]] == [household["members"][0]["id"]]
    changed = [e["payload"] for e in await events(intake, "household.changed")]
    assert (changed[-1]["change"], changed[-1]["member_count"]) == ("updated", 1)
    async with intake.runtimes["intake"].db.session() as session:
        member = await session.get(Member, uuid.UUID(gone["id"]))
    assert member.removal_reason == "2024年6月病故" and member.removed_at is not None


async def test_a_removal_must_name_a_member_of_the_household_not_also_on_the_form(intake):
    household = await register_household(intake)
    other = await register_household(intake)
    stranger = visit_form_for(household, removed_members=[{"member_id": other["members"][1]["id"], "reason": "迁出"}])
    twice = visit_form_for(household, removed_members=[{"member_id": household["members"][1]["id"],
                                                        "reason": "迁出"}])

    assert fields_of(await submit(intake, stranger)) == ["body.removed_members.0.member_id"]
    assert fields_of(await submit(intake, twice)) == ["body.removed_members.0.member_id"]
    assert await count(intake, Visit) == 0


# --- 4. 一般农户 stands alone ------------------------------------------------------------------------


async def test_general_cannot_be_combined_with_another_kind_in_the_register_or_the_form(intake):
    town = intake.headers("town_staff", TOWNSHIP)

    mixed = await intake.client.post("/intake/households", headers=town,
                                     json=household_payload(household_kinds=["general", "poverty_alleviated"]))
    assert fields_of(mixed) == ["body.household_kinds"]
    both = await intake.client.post("/intake/households", headers=town, json=household_payload(
        household_kinds=["poverty_alleviated", "monitored"], risk_status="unresolved"))
    assert both.status_code == 201
    patched = await intake.client.patch(f"/intake/households/{both.json()['id']}", headers=town,
                                        json={"household_kinds": ["monitored", "general"]})
    assert fields_of(patched) == ["body.household_kinds"]

    household = await register_household(intake)
    form = visit_form_for(household, household_kinds=["general", "monitored"], risk_status="resolved")
    assert "body.household_kinds" in fields_of(await submit(intake, form))


# --- 5. compliant expenses and claims belong to branch (2) ------------------------------------------


@pytest.mark.parametrize("section", [{"compliant_expenses": {"medical": "3000"}},
                                     {"claim_income": {"amount": "5000"}}])
async def test_branch_two_answers_with_a_bracket_are_a_422(intake, section):
    household = await register_household(intake)
    above = visit_form_for(household, income={"bracket": "8300_10000"} | section)
    below = visit_form_for(household, income={"amounts": LOW_AMOUNTS} | section)

    assert fields_of(await submit(intake, above)) == [f"body.income.{next(iter(section))}"]
    assert (await submit(intake, below)).status_code == 201


# --- 6. members who enlisted ----------------------------------------------------------------------


async def test_the_form_records_a_member_who_enlisted_and_the_register_follows(intake):
    son = member_payload(name="张小军", relation="son", id_number=next_id_number(date(2003, 5, 1)))
    household = await register_household(intake, members=[member_payload(), son])
    form = visit_form_for(household, visited_at="2024-09-01T10:00:00+08:00")
    form["members"][1] |= {"months_in_household": 0, "enlisted_sharing_income": True}

    assert (await submit(intake, form)).status_code == 201
    enlisted = (await household_of(intake, household["id"]))["members"][1]
    assert (enlisted["enlisted_sharing_income"], enlisted["months_in_household"]) == (True, 0)
    [event] = await events(intake, "visit.submitted")
    assert event["payload"]["members"][1]["enlisted_sharing_income"] is True

    # Omitted, the register's answer stands; false clears it.
    kept = visit_form_for(household, visited_at="2024-09-02T10:00:00+08:00")
    kept["members"][1]["months_in_household"] = 0
    assert (await submit(intake, kept)).status_code == 201
    assert (await household_of(intake, household["id"]))["members"][1]["enlisted_sharing_income"] is True
    cleared = visit_form_for(household, visited_at="2024-09-03T10:00:00+08:00")
    cleared["members"][1]["enlisted_sharing_income"] = False
    assert (await submit(intake, cleared)).status_code == 201
    assert (await household_of(intake, household["id"]))["members"][1]["enlisted_sharing_income"] is False


async def test_a_member_enlisted_on_the_form_counts_for_the_household_size(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    for member in form["members"]:
        member["months_in_household"] = 0
    assert fields_of(await submit(intake, form)) == ["body.members"]  # size 0
    form["members"][1]["enlisted_sharing_income"] = True
    assert (await submit(intake, form)).status_code == 201


# --- 7. signals a "no risk" judgement must not swallow ----------------------------------------------


@pytest.mark.parametrize("answer", ["water_unsafe", "housing_unsafe", "dropout", "uninsured"])
async def test_a_failed_guarantee_judged_without_risk_leaves_a_finding(intake, answer):
    household = await register_household(intake)
    form = visit_form_for(household)
    form["guarantees"][answer] = True

    assert codes(await submit(intake, form)) == [("guarantee_failed_without_risk", f"body.guarantees.{answer}")]


async def test_a_failed_guarantee_judged_as_a_risk_needs_no_finding(intake):
    household = await register_household(intake)
    form = visit_form_for(household, risk={"has_risk": True, "causes": ["water"]})
    form["guarantees"]["water_unsafe"] = True

    assert codes(await submit(intake, form)) == []


async def test_income_below_the_line_judged_without_risk_leaves_a_finding(intake):
    household = await register_household(intake)
    no_risk = visit_form_for(household, income={"amounts": LOW_AMOUNTS}, visited_at="2024-09-01T10:00:00+08:00")
    risk = visit_form_for(household, income={"amounts": LOW_AMOUNTS}, visited_at="2024-09-02T10:00:00+08:00",
                          risk={"has_risk": True, "causes": ["lack_of_labour"]})

    found = await submit(intake, no_risk)
    assert codes(found) == [("income_below_line_without_risk", "body.income.amounts")]
    assert "3500.00 per person" in found.json()["findings"][0]["message"]
    assert codes(await submit(intake, risk)) == []


# --- 12. phones offline: amounts as people write them --------------------------------------------------


async def test_amounts_with_thousands_separators_or_one_decimal_are_accepted(intake):
    household = await register_household(intake)
    amounts = valid_income_amounts(production_income="6,000", wage_income="12,000.5", transfer_income="1000.5",
                                   property_income="0", production_expense="1,000")
    response = await submit(intake, visit_form_for(household, income={"amounts": amounts}))
    assert response.status_code == 201, response.text
    assert response.json()["form"]["income"]["amounts"] == {
        "production_income": "6000.00", "wage_income": "12000.50", "transfer_income": "1000.50",
        "property_income": "0.00", "production_expense": "1000.00"}


@pytest.mark.parametrize("written", ["1,2000", "12,00", "１２０００", "12，000"])
async def test_amounts_with_misplaced_commas_or_full_width_digits_are_a_422(intake, written):
    household = await register_household(intake)
    amounts = valid_income_amounts(wage_income=written)
    response = await submit(intake, visit_form_for(household, income={"amounts": amounts}))
    assert fields_of(response) == ["body.income.amounts.wage_income"]


# --- 13. scope refusals mean one thing ---------------------------------------------------------------


async def test_members_and_households_of_another_village_are_not_found_like_missing_ones(intake):
    other = await register_household(intake, OTHER_VILLAGE)
    cadre = intake.headers("village_cadre", VILLAGE)
    member_id, missing = other["members"][1]["id"], str(uuid.uuid4())
    attempts = [
        ("post", "/intake/households/{}/members", other["id"], member_payload(relation="son")),
        ("patch", "/intake/households/{}", other["id"], {"group_name": "9社"}),
        ("patch", "/intake/members/{}", member_id, {"remarks": "外出务工"}),
        ("post", "/intake/members/{}/removal", member_id, {"reason": "迁出"}),
    ]
    for method, path, target, body in attempts:
        there = await getattr(intake.client, method)(path.format(target), json=body, headers=cadre)
        nowhere = await getattr(intake.client, method)(path.format(missing), json=body, headers=cadre)
        assert (there.status_code, nowhere.status_code) == (404, 404), path
        assert there.json()["detail"].replace(target, "ID") == nowhere.json()["detail"].replace(missing, "ID")
        assert there.json()["detail"].endswith("not found in your scope")
    assert len((await household_of(intake, other["id"]))["members"]) == 2
