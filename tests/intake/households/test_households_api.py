"""Households and members through the HTTP API: register, validate, conflict, scope, list, change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from services.intake.households.models import Household, Member
from shared.data.platform_tables import OutboxEvent
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.id_numbers import (
    valid_id_number,
    with_check_character,
    with_wrong_check_character,
)
from tests.factories.intake import household_payload, member_payload, next_id_number

pytestmark = pytest.mark.asyncio


async def create(system, payload=None, role="village_cadre", org=VILLAGE):
    return await system.client.post("/intake/households", json=payload or household_payload(),
                                    headers=system.headers(role, org))


async def outbox(system, event_type):
    async with system.runtimes["intake"].db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == event_type))).all()
    return [row.envelope for row in rows]


async def test_a_household_is_registered_with_birth_date_and_sex_from_the_id_number(intake):
    payload = household_payload()
    number = valid_id_number(date(1988, 2, 29), "female", serial=77)
    payload["members"][1]["id_number"] = number
    response = await create(intake, payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["village_name"] == "石鱼村" and body["head_name"] == "张德明"
    spouse = body["members"][1]
    assert (spouse["birth_date"], spouse["sex"]) == ("1988-02-29", "female")
    assert spouse["id_number"] == f"500151********{number[-4:]}"
    assert number not in response.text
    [event] = await outbox(intake, "household.changed")
    assert event["payload"]["change"] == "created" and event["payload"]["member_count"] == 2


@pytest.mark.parametrize(("number", "rule"), [
    ("50015119880229772", "18 characters"),
    ("500151198802307721", "not a valid date"),
    (with_wrong_check_character(valid_id_number(date(1988, 2, 1), "female", serial=77)), "check character"),
    (with_check_character("500151" + "00010101" + "772"), "before 1900-01-01"),
    (valid_id_number(date(1899, 12, 31), "female", serial=77), "before 1900-01-01"),
])
async def test_a_bad_id_number_is_a_422_naming_the_member(intake, number, rule):
    payload = household_payload()
    payload["members"][1] |= {"id_number": number, "name": "李桂兰"}
    response = await create(intake, payload)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["field"] == "body.members.1.id_number"
    assert "李桂兰" in field["message"] and rule in field["message"]
    assert number not in response.text


@pytest.mark.parametrize("name", ["\u200b\u200c", "\u202e", "\x01\x02", "王\u202e五"])
async def test_a_name_without_a_visible_character_is_a_422_for_the_head_and_a_correction(intake, name):
    payload = household_payload()
    payload["members"][0]["name"] = name
    response = await create(intake, payload)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["body.members.0.name"]
    created = (await create(intake)).json()
    corrected = await intake.client.patch(f"/intake/members/{created['members'][1]['id']}", json={"name": name},
                                          headers=intake.headers("village_cadre", VILLAGE))
    assert corrected.status_code == 422
    assert [f["field"] for f in corrected.json()["fields"]] == ["body.name"]


async def test_a_household_needs_exactly_one_head(intake):
    payload = household_payload()
    payload["members"][1]["relation"] = "head"
    response = await create(intake, payload)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "body.members"


async def test_the_same_person_twice_in_one_household_is_a_422(intake):
    payload = household_payload()
    payload["members"][1]["id_number"] = payload["members"][0]["id_number"]
    response = await create(intake, payload)
    assert [f["field"] for f in response.json()["fields"]] == ["body.members.1.id_number"]


async def test_a_person_cannot_be_a_live_member_of_two_households(intake):
    shared_number = next_id_number()
    first = household_payload(OTHER_VILLAGE)
    first["members"][1]["id_number"] = shared_number
    assert (await create(intake, first, role="town_staff", org=TOWNSHIP)).status_code == 201
    second = household_payload()
    second["members"][1] |= {"id_number": shared_number, "name": "王小芳"}
    response = await create(intake, second, role="town_staff", org=TOWNSHIP)
    assert response.status_code == 409
    detail = response.json()["detail"]
    # The other household is in the caller's township: its village is named, nothing else about it.
    assert "永胜村" in detail and OTHER_VILLAGE in detail and "王小芳" in detail
    assert first["household_number"] not in detail and "张德明" not in detail


async def test_a_removed_member_no_longer_holds_the_number(intake):
    payload = household_payload()
    household = (await create(intake, payload)).json()
    spouse = household["members"][1]
    headers = intake.headers("village_cadre", VILLAGE)
    removed = await intake.client.post(f"/intake/members/{spouse['id']}/removal", json={"reason": "嫁出"},
                                       headers=headers)
    assert removed.status_code == 204
    again = household_payload()
    again["members"][1]["id_number"] = payload["members"][1]["id_number"]
    assert (await create(intake, again)).status_code == 201


async def test_monitoring_objects_and_only_they_have_a_risk_status(intake):
    missing = await create(intake, household_payload(household_kinds=["monitored"]))
    assert missing.json()["fields"][0]["field"] == "body.risk_status"
    extra = await create(intake, household_payload(risk_status="resolved"))
    assert extra.json()["fields"][0]["field"] == "body.risk_status"
    ok = await create(intake, household_payload(household_kinds=["monitored"], risk_status="unresolved"))
    assert ok.status_code == 201


@pytest.mark.parametrize("org_code", ["500151108299", TOWNSHIP])
async def test_a_household_belongs_to_a_known_village(intake, org_code):
    response = await create(intake, household_payload(org_code), role="town_staff", org=TOWNSHIP)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "body.org_code"


async def test_a_household_number_is_unique_within_its_village(intake):
    payload = household_payload()
    assert (await create(intake, payload)).status_code == 201
    again = household_payload(household_number=payload["household_number"])
    response = await create(intake, again)
    assert response.status_code == 409 and "户编号" in response.json()["detail"]
    elsewhere = household_payload(OTHER_VILLAGE, household_number=payload["household_number"])
    assert (await create(intake, elsewhere, role="town_staff", org=TOWNSHIP)).status_code == 201


async def test_a_village_cadre_cannot_register_in_another_village_and_an_auditor_never(intake):
    elsewhere = await create(intake, household_payload(OTHER_VILLAGE))
    assert elsewhere.status_code == 404
    assert elsewhere.json()["detail"] == f"org unit {OTHER_VILLAGE} not found in your scope"
    assert (await create(intake, household_payload(), role="auditor", org=DISTRICT)).status_code == 403
    async with intake.runtimes["intake"].db.session() as session:
        assert (await session.scalars(select(Household))).all() == []


async def test_a_household_of_another_village_is_not_found(intake):
    other = (await create(intake, household_payload(OTHER_VILLAGE), role="town_staff", org=TOWNSHIP)).json()
    headers = intake.headers("village_cadre", VILLAGE)
    assert (await intake.client.get(f"/intake/households/{other['id']}", headers=headers)).status_code == 404
    patched = await intake.client.patch(f"/intake/households/{other['id']}", json={"group_name": "9社"},
                                        headers=headers)
    assert patched.status_code == 404
    member = other["members"][0]["id"]
    assert (await intake.client.patch(f"/intake/members/{member}", json={"name": "改名"},
                                      headers=headers)).status_code == 404
    listed = await intake.client.get("/intake/households", headers=headers)
    assert listed.json()["total"] == 0
    auditor = intake.headers("auditor", DISTRICT)
    assert (await intake.client.patch(f"/intake/households/{other['id']}", json={"group_name": "9社"},
                                      headers=auditor)).status_code == 403


async def test_households_are_listed_by_village_group_kind_key_target_group_and_id_number(intake):
    town = {"role": "town_staff", "org": TOWNSHIP}
    a = (await create(intake, household_payload(group_name="1社"), **town)).json()
    b = (await create(intake, household_payload(group_name="2社", household_kinds=["poverty_alleviated"],
                                                key_target_groups=["low_income_group", "new_dibao"]), **town)).json()
    c = (await create(intake, household_payload(OTHER_VILLAGE, household_kinds=["poverty_alleviated", "monitored"],
                                                risk_status="unresolved", key_target_groups=["monitored"]),
                      **town)).json()
    headers = intake.headers("town_staff", TOWNSHIP)

    async def ids(**params):
        response = await intake.client.get("/intake/households", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [h["id"] for h in response.json()["items"]]

    assert await ids() == [a["id"], b["id"], c["id"]]
    assert await ids(village=VILLAGE) == [a["id"], b["id"]]
    assert await ids(group="2社") == [b["id"]]
    assert await ids(kind="poverty_alleviated") == [b["id"], c["id"]]
    assert await ids(kind="monitored") == [c["id"]]
    assert await ids(key_target_group="new_dibao") == [b["id"]]
    assert await ids(key_target_group="monitored") == [c["id"]]
    spouse_number = c["members"][1]["id_number"]
    assert "*" in spouse_number
    async with intake.runtimes["intake"].db.session() as session:
        member = await session.get(Member, c["members"][1]["id"])
    from shared.security.crypto import field_cipher

    clear = field_cipher(intake.settings).decrypt(member.id_number_cipher)
    assert await ids(id_number=clear.lower()) == [c["id"]]
    page = (await intake.client.get("/intake/households", params={"limit": 2, "offset": 2}, headers=headers)).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    bad = await intake.client.get("/intake/households", params={"id_number": "123"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "query.id_number"


async def test_a_household_update_keeps_the_risk_status_rule_and_announces_itself(intake):
    household = (await create(intake)).json()
    url = f"/intake/households/{household['id']}"
    headers = intake.headers("village_cadre", VILLAGE)
    refused = await intake.client.patch(url, json={"household_kinds": ["monitored"]}, headers=headers)
    assert refused.json()["fields"][0]["field"] == "body.risk_status"
    response = await intake.client.patch(url, json={"household_kinds": ["monitored"], "risk_status": "unresolved",
                                                    "group_name": "3社",
                                                    "location": {"latitude": 29.85, "longitude": 106.06}},
                                         headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["household_kinds"], body["risk_status"], body["group_name"]) == (["monitored"], "unresolved", "3社")
    assert body["location"]["latitude"] == 29.85
    changes = [e["payload"]["change"] for e in await outbox(intake, "household.changed")]
    assert changes == ["created", "updated"]


async def test_members_are_added_corrected_and_removed(intake):
    household = (await create(intake)).json()
    headers = intake.headers("village_cadre", VILLAGE)
    child = member_payload(name="张小军", relation="son", id_number=next_id_number(date(2015, 3, 1)),
                           labour_capacity="none")
    added = await intake.client.post(f"/intake/households/{household['id']}/members", json=child, headers=headers)
    assert added.status_code == 201 and added.json()["birth_date"] == "2015-03-01"
    second_head = member_payload(relation="head")
    refused = await intake.client.post(f"/intake/households/{household['id']}/members", json=second_head,
                                       headers=headers)
    assert refused.json()["fields"][0]["field"] == "body.relation"

    url = f"/intake/members/{added.json()['id']}"
    corrected_number = next_id_number(date(2014, 3, 1), "female")
    patched = await intake.client.patch(url, json={"id_number": corrected_number, "relation": "daughter",
                                                   "labour_capacity": "weak", "weak_reason": "illness"},
                                        headers=headers)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["birth_date"], patched.json()["sex"]) == ("2014-03-01", "female")
    missing_reason = await intake.client.patch(url, json={"labour_capacity": "skilled"}, headers=headers)
    assert missing_reason.json()["fields"][0]["field"] == "body.skilled_trade"
    taken = household["members"][0]["id"]
    async with intake.runtimes["intake"].db.session() as session:
        head = await session.get(Member, taken)
    from shared.security.crypto import field_cipher

    conflict = await intake.client.patch(url, json={"id_number": field_cipher(intake.settings).decrypt(
        head.id_number_cipher)}, headers=headers)
    assert conflict.status_code == 409

    assert (await intake.client.post(f"{url}/removal", json={"reason": "迁出"}, headers=headers)).status_code == 204
    current = (await intake.client.get(f"/intake/households/{household['id']}", headers=headers)).json()
    assert [m["name"] for m in current["members"]] == ["张德明", "李桂兰"]
    spouse = current["members"][1]["id"]
    assert (await intake.client.post(f"/intake/members/{spouse}/removal", json={"reason": "x"},
                                     headers=headers)).status_code == 204
    last = await intake.client.post(f"/intake/members/{current['members'][0]['id']}/removal", json={"reason": "x"},
                                    headers=headers)
    assert last.status_code == 422
