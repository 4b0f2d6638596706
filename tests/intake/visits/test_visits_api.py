"""Submitting the verification form (附件1): validation at the named field, safe resubmission, events."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from services.intake.households.models import Household, Member
from services.intake.visits.models import Visit
from shared.data.platform_tables import OutboxEvent
from shared.domain.clock import clock
from shared.domain.visit_form import VisitForm
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import (
    form_member,
    household_payload,
    next_id_number,
    register_household,
    set_intake_env,
    visit_form_for,
)
from tests.factories.visit_forms import (
    valid_income_amounts,
    valid_livestock,
    valid_online_inquiry,
    valid_self_coping,
    valid_village_assessment,
)

pytestmark = pytest.mark.asyncio


async def submit(system, form, role="village_cadre", org=VILLAGE, headers=None):
    # A token is checked on the service clock: a test that freezes the clock issues its headers inside.
    return await system.client.post("/intake/visits", json=form, headers=headers or system.headers(role, org))


async def count(system, model, *where):
    async with system.runtimes["intake"].db.session() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def events(system, event_type):
    async with system.runtimes["intake"].db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == event_type)
                                      .order_by(OutboxEvent.created_at))).all()
    return [row.envelope for row in rows]


@pytest.mark.parametrize("method", ["home_visit", "online_inquiry", "village_assessment"])
async def test_a_visit_of_each_method_is_stored_once_and_resubmission_returns_it(intake, method):
    household = await register_household(intake)
    form = visit_form_for(household, method=method)
    first = await submit(intake, form)
    assert first.status_code == 201, first.text
    again = await submit(intake, form)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert await count(intake, Visit) == 1
    assert len(await events(intake, "visit.submitted")) == 1


async def test_the_same_visit_id_with_other_content_is_a_409(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    assert (await submit(intake, form)).status_code == 201
    changed = form | {"guarantees": form["guarantees"] | {"dropout": True}}
    response = await submit(intake, changed)
    assert response.status_code == 409
    assert await count(intake, Visit) == 1


async def test_a_visit_stored_under_the_earlier_fingerprint_is_still_recognised_on_resubmission(intake, monkeypatch):
    household = await register_household(intake)
    form = visit_form_for(household)
    assert (await submit(intake, form)).status_code == 201
    # As a visit stored before the fingerprint was written with orjson, where its numbers came out otherwise.
    monkeypatch.setattr(VisitForm, "legacy_content_fingerprint", lambda self, dumped=None: "0" * 64)
    async with intake.runtimes["intake"].db.transaction() as session:
        stored = await session.get(Visit, uuid.UUID(form["visit_id"]))
        stored.fingerprint = "0" * 64
    assert (await submit(intake, form)).status_code == 200
    changed = form | {"guarantees": form["guarantees"] | {"dropout": True}}
    monkeypatch.setattr(VisitForm, "legacy_content_fingerprint", lambda self, dumped=None: "1" * 64)
    assert (await submit(intake, changed)).status_code == 409


async def test_an_equal_form_written_differently_is_the_same_content(intake):
    household = await register_household(intake)
    form = visit_form_for(household, method="online_inquiry",
                          online_inquiry=valid_online_inquiry(contact_phone="138-1234-5678"))
    assert (await submit(intake, form)).status_code == 201
    rewritten = form | {"visited_at": "2024-09-05T02:30:00+00:00",
                        "online_inquiry": valid_online_inquiry(contact_phone="13812345678")}
    assert (await submit(intake, rewritten)).status_code == 200


async def test_the_server_records_its_receipt_time_beside_the_clients_visit_time(intake):
    household = await register_household(intake)
    with clock.frozen(datetime(2024, 9, 5, 18, 0)):
        headers = intake.headers("village_cadre", VILLAGE)  # issued at the frozen instant
        body = (await submit(intake, visit_form_for(household), headers=headers)).json()
    assert body["visited_at"] == "2024-09-05T10:30:00+08:00"
    assert body["received_at"] == "2024-09-05T18:00:00+08:00"


async def test_a_phone_clock_ahead_is_a_finding_up_to_a_day_and_a_422_beyond(intake):
    household = await register_household(intake)
    with clock.frozen(datetime(2024, 9, 5, 10, 25)):
        headers = intake.headers("village_cadre", VILLAGE)  # issued at the frozen instant
        within_skew = await submit(intake, visit_form_for(household), headers=headers)
        ahead = await submit(intake, visit_form_for(household, visited_at="2024-09-06T09:00:00+08:00"),
                             headers=headers)
        beyond = await submit(intake, visit_form_for(household, visited_at="2024-09-06T10:26:00+08:00"),
                              headers=headers)
    assert within_skew.status_code == 201 and within_skew.json()["findings"] == []
    assert ahead.status_code == 201
    assert [(f["code"], f["field"]) for f in ahead.json()["findings"]] == [("device_clock_ahead", "body.visited_at")]
    assert "1355 minutes ahead" in ahead.json()["findings"][0]["message"]
    assert ahead.json()["received_at"] == "2024-09-05T10:25:00+08:00"
    assert beyond.status_code == 422
    assert beyond.json()["fields"][0]["field"] == "body.visited_at"
    assert await count(intake, Visit) == 2
    early = await submit(intake, visit_form_for(household, visited_at="2024-08-22T23:59:00+08:00"))
    assert early.status_code == 422 and "campaign" in early.json()["fields"][0]["message"]


async def test_how_far_ahead_a_phone_clock_may_run_is_configurable(intake, intake_env):
    set_intake_env(intake_env, clock_ahead_limit_seconds="3600")
    household = await register_household(intake)
    with clock.frozen(datetime(2024, 9, 5, 10, 25)):
        headers = intake.headers("village_cadre", VILLAGE)
        kept = await submit(intake, visit_form_for(household, visited_at="2024-09-05T11:20:00+08:00"),
                            headers=headers)
        refused = await submit(intake, visit_form_for(household, visited_at="2024-09-05T11:30:00+08:00"),
                               headers=headers)
    assert kept.status_code == 201 and kept.json()["findings"][0]["code"] == "device_clock_ahead"
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "body.visited_at"


async def test_a_home_visit_without_a_fix_is_a_422(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    del form["home_visit"]
    response = await submit(intake, form)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["body.home_visit"]
    no_gps = visit_form_for(household, home_visit={"proxy_answer": False})
    assert (await submit(intake, no_gps)).json()["fields"][0]["field"] == "body.home_visit.gps"


@pytest.mark.parametrize(("change", "field"), [
    (lambda f: f["members"][0].update(labour_capacity="skilled"), "body.members.0.skilled_trade"),
    (lambda f: f["risk"].update(has_risk=True, causes=["natural_disaster"]), "body.risk.disaster_type"),
    (lambda f: f.update(income={"bracket": "12000_16000"}), "body.income.below_13000"),
    (lambda f: f.update(income={"bracket": "8300_10000", "amounts": valid_income_amounts()}), "body.income"),
    (lambda f: f.update(key_target_groups=["none", "new_dibao"]), "body.key_target_groups"),
    (lambda f: f.update(livestock=valid_livestock()), "body.livestock"),
    (lambda f: f.update(remote_reason="whole_household_away"), "body.remote_reason"),
    (lambda f: f["home_visit"].update(proxy_answer=True), "body.home_visit.proxy_name"),
    (lambda f: f.update(village_assessment=valid_village_assessment()), "body.village_assessment"),
    (lambda f: f["self_coping"].update(large_planting=True), "body.self_coping.planting_types"),
])
async def test_every_form_rule_is_a_422_naming_its_field(intake, change, field):
    household = await register_household(intake)
    form = visit_form_for(household)
    change(form)
    response = await submit(intake, form)
    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["fields"]]
    assert await count(intake, Visit) == 0


async def test_a_household_missing_or_outside_the_callers_scope_is_not_found_alike(intake):
    household = await register_household(intake)
    missing_id = str(uuid.uuid4())
    missing = await submit(intake, visit_form_for(household, household_id=missing_id))
    other = await register_household(intake, OTHER_VILLAGE)
    elsewhere = await submit(intake, visit_form_for(other))
    # The two answers differ only by the id asked for: nothing tells that the second household exists.
    assert (missing.status_code, elsewhere.status_code) == (404, 404)
    assert (missing.json()["error"], missing.json()["detail"]) == (
        "NotFound", f"household {missing_id} not found in your scope")
    assert (elsewhere.json()["error"], elsewhere.json()["detail"]) == (
        "NotFound", f"household {other['id']} not found in your scope")
    assert await count(intake, Visit) == 0
    assert (await submit(intake, visit_form_for(other), role="town_staff", org=TOWNSHIP)).status_code == 201


async def test_the_form_kinds_and_risk_status_must_match_the_register(intake):
    household = await register_household(intake, household_kinds=["poverty_alleviated"])
    kinds = await submit(intake, visit_form_for(household, household_kinds=["general"], livestock=None))
    assert kinds.json()["fields"][0]["field"] == "body.household_kinds"
    monitored = await register_household(intake, household_kinds=["monitored"], risk_status="unresolved")
    status = await submit(intake, visit_form_for(monitored, risk_status="resolved"))
    assert status.json()["fields"][0]["field"] == "body.risk_status"
    assert (await submit(intake, visit_form_for(monitored))).status_code == 201


async def test_member_ids_must_belong_to_the_household(intake):
    household = await register_household(intake)
    other = await register_household(intake)
    form = visit_form_for(household)
    form["members"][1]["member_id"] = other["members"][1]["id"]
    response = await submit(intake, form)
    assert response.json()["fields"][0]["field"] == "body.members.1.member_id"
    mismatched = visit_form_for(household)
    mismatched["members"][1]["id_number"] = next_id_number()
    assert (await submit(intake, mismatched)).json()["fields"][0]["field"] == "body.members.1.id_number"


async def test_the_same_member_twice_on_a_form_is_a_422(intake):
    payload = household_payload()
    household = await register_household(intake, members=payload["members"])
    form = visit_form_for(household)
    form["members"].append({"id_number": payload["members"][0]["id_number"], "name": "张德明", "relation": "other",
                            "labour_capacity": "ordinary"})
    response = await submit(intake, form)
    assert response.json()["fields"][0]["field"] == "body.members.2"


async def test_a_new_member_on_the_form_joins_the_register_and_a_known_number_is_matched(intake):
    payload = household_payload()
    household = await register_household(intake, members=payload["members"])
    baby = next_id_number(date(2024, 3, 1), "female")
    form = visit_form_for(household)
    form["members"][0] = {"id_number": payload["members"][0]["id_number"], "name": "张德明", "relation": "head",
                          "labour_capacity": "ordinary"}
    form["members"].append({"id_number": baby, "name": "张小妹", "relation": "daughter", "labour_capacity": "none"})
    response = await submit(intake, form)
    assert response.status_code == 201, response.text
    assert baby not in response.text
    current = (await intake.client.get(f"/intake/households/{household['id']}",
                                       headers=intake.headers("village_cadre", VILLAGE))).json()
    assert [m["name"] for m in current["members"]] == ["张德明", "李桂兰", "张小妹"]
    assert current["members"][0]["id"] == household["members"][0]["id"]
    [submitted] = await events(intake, "visit.submitted")
    assert [m["member_id"] for m in submitted["payload"]["members"]] == [m["id"] for m in current["members"]]
    assert [e["payload"]["change"] for e in await events(intake, "household.changed")] == ["created", "updated"]


async def test_a_new_member_held_by_another_household_is_a_409(intake):
    other = household_payload(OTHER_VILLAGE)
    await register_household(intake, OTHER_VILLAGE, members=other["members"])
    household = await register_household(intake)
    form = visit_form_for(household)
    form["members"].append({"id_number": other["members"][1]["id_number"], "name": "李桂兰", "relation": "other",
                            "labour_capacity": "ordinary"})
    response = await submit(intake, form)
    # The holder's household is outside the village cadre's scope: where it is stays unsaid.
    assert response.status_code == 409 and "already registered" in response.json()["detail"]
    assert "永胜村" not in response.text and OTHER_VILLAGE not in response.text
    assert await count(intake, Visit) == 0


async def test_the_latest_visit_updates_the_register_and_a_late_older_one_does_not(intake):
    household = await register_household(intake)
    newer = visit_form_for(household, visited_at="2024-09-10T09:00:00+08:00", key_target_groups=["new_dibao"])
    newer["members"][1]["labour_capacity"] = "weak"
    newer["members"][1]["weak_reason"] = "illness"
    assert (await submit(intake, newer)).status_code == 201
    older = visit_form_for(household, visited_at="2024-09-01T09:00:00+08:00", key_target_groups=["none"])
    older["members"][1]["labour_capacity"] = "lost"
    assert (await submit(intake, older)).status_code == 201
    async with intake.runtimes["intake"].db.session() as session:
        spouse = await session.get(Member, household["members"][1]["id"])
        record = await session.get(Household, household["id"])
    assert (spouse.labour_capacity, spouse.weak_reason) == ("weak", "illness")
    assert record.key_target_groups == ["new_dibao"]


async def test_visit_submitted_carries_what_income_and_ledger_need_and_no_id_number(intake):
    payload = household_payload(household_kinds=["poverty_alleviated"], key_target_groups=["low_income_group"])
    household = await register_household(intake, **{k: payload[k] for k in ("household_kinds", "key_target_groups", "members")})
    form = visit_form_for(household, method="online_inquiry", remote_reason="whole_household_away",
                          key_target_groups=["low_income_group"],
                          income={"amounts": valid_income_amounts(), "claim_income": {"amount": "300"}})
    with clock.frozen(datetime(2024, 9, 6, 8, 0)):
        headers = intake.headers("village_cadre", VILLAGE)  # issued at the frozen instant
        assert (await submit(intake, form, headers=headers)).status_code == 201
    [envelope] = await events(intake, "visit.submitted")
    event = envelope["payload"]
    assert envelope["org_code"] == VILLAGE and envelope["source"] == "intake"
    assert (event["visit_id"], event["household_id"]) == (form["visit_id"], household["id"])
    assert (event["household_number"], event["head_name"], event["group_name"]) == (
        household["household_number"], "张德明", "1社")
    assert event["method"] == "online_inquiry" and event["received_at"].startswith("2024-09-06T08:00:00")
    assert event["income"]["amounts"]["wage_income"] == "9800.50"
    assert event["members"][0]["birth_date"] == "1972-04-18" and event["members"][0]["sex"] == "male"
    text = json.dumps(envelope, ensure_ascii=False)
    assert not any(m["id_number"] in text for m in payload["members"]) and "13812345678" not in text
    from shared.events.contracts.intake import VisitSubmitted
    from shared.events.envelope import Envelope

    assert Envelope.model_validate(envelope).read(VisitSubmitted).visit_id == uuid.UUID(form["visit_id"])


async def test_visit_submitted_carries_the_form_sections_exactly_as_answered(intake):
    # The event's sections are plain data built from the form: every answer arrives under the form's own
    # field names and JSON shape, so consumers read what they read before the contract stopped carrying
    # the form's rules.
    household = await register_household(intake)
    form = visit_form_for(
        household,
        income={"amounts": valid_income_amounts(transfer_income="3120"),
                "compliant_expenses": {"medical": "1850.5"}, "claim_income": {"amount": "300"}},
        guarantees={"dropout": False, "uninsured": True, "housing_unsafe": False, "water_unsafe": True},
        self_coping=valid_self_coping(house_structure="other", house_structure_note="吊脚楼",
                                      large_planting=True, planting_types=["fruit", "grain"],
                                      large_breeding=True, breeding_types=["pig"],
                                      shops={"in_district": 1, "in_city_outside_district": 0, "outside_city": 0}),
        risk={"has_risk": True, "causes": ["natural_disaster", "industry_failure"], "disaster_type": "洪涝",
              "industry_failure_reason": "other", "industry_failure_note": "合作社解散"},
    )
    assert (await submit(intake, form)).status_code == 201
    [envelope] = await events(intake, "visit.submitted")

    answered = VisitForm.model_validate(form).model_dump(mode="json")
    for section in ("income", "guarantees", "self_coping", "risk"):
        assert envelope["payload"][section] == answered[section]
    assert envelope["payload"]["income"]["compliant_expenses"] == {"education": "0.00", "medical": "1850.50",
                                                                   "other": "0.00"}
    assert envelope["payload"]["self_coping"]["planting_types"] == ["grain", "fruit"]


async def test_stored_forms_are_masked_in_responses_and_encrypted_at_rest(intake, cipher):
    payload = household_payload()
    household = await register_household(intake, members=payload["members"])
    form = visit_form_for(household, method="online_inquiry")
    form["members"][0]["id_number"] = payload["members"][0]["id_number"]
    response = await submit(intake, form)
    assert response.status_code == 201, response.text
    stored_form = response.json()["form"]
    assert stored_form["online_inquiry"]["contact_phone"] == "138****5678"
    assert stored_form["members"][0]["id_number"].count("*") == 8
    async with intake.runtimes["intake"].db.session() as session:
        visit = await session.get(Visit, form["visit_id"])
    assert payload["members"][0]["id_number"] not in json.dumps(visit.content)
    assert json.loads(cipher.decrypt(visit.form_cipher))["online_inquiry"]["contact_phone"] == "13812345678"
    fetched = await intake.client.get(f"/intake/visits/{form['visit_id']}",
                                      headers=intake.headers("village_cadre", VILLAGE))
    assert fetched.json() == response.json()


async def test_visits_are_read_within_scope_only(intake):
    household = await register_household(intake)
    form = visit_form_for(household)
    assert (await submit(intake, form)).status_code == 201
    other_village = intake.headers("village_cadre", OTHER_VILLAGE)
    assert (await intake.client.get(f"/intake/visits/{form['visit_id']}", headers=other_village)).status_code == 404
    assert (await intake.client.get("/intake/visits", headers=other_village)).json()["total"] == 0
    listed = await intake.client.get("/intake/visits", params={"household_id": household["id"]},
                                     headers=intake.headers("district_admin", DISTRICT))
    assert [v["id"] for v in listed.json()["items"]] == [form["visit_id"]]
    # A visit id used in another village is neither shown nor overwritten.
    other = await register_household(intake, OTHER_VILLAGE)
    reuse = visit_form_for(other) | {"visit_id": form["visit_id"]}
    clash = await submit(intake, reuse, role="village_cadre", org=OTHER_VILLAGE)
    assert clash.status_code == 409 and "张德明" not in clash.text


async def test_an_auditor_cannot_submit(intake):
    household = await register_household(intake)
    response = await submit(intake, visit_form_for(household), role="auditor", org=DISTRICT)
    assert response.status_code == 403
    assert await count(intake, Visit) == 0


async def test_a_visit_that_adds_nothing_to_the_register_publishes_no_household_change(intake):
    household = await register_household(intake)
    assert (await submit(intake, visit_form_for(household))).status_code == 201
    assert [e["payload"]["change"] for e in await events(intake, "household.changed")] == ["created"]


async def test_a_resubmission_is_answered_even_after_the_register_changed(intake):
    """A phone that never saw the first 201 resends the form after the household's record moved on."""
    household = await register_household(intake)
    form = visit_form_for(household)
    first = await submit(intake, form)
    assert first.status_code == 201
    changed = await intake.client.patch(f"/intake/households/{household['id']}",
                                        json={"household_kinds": ["poverty_alleviated"]},
                                        headers=intake.headers("town_staff", TOWNSHIP))
    assert changed.status_code == 200, changed.text
    again = await submit(intake, form)
    assert again.status_code == 200 and again.json() == first.json()
    other = await submit(intake, form | {"guarantees": form["guarantees"] | {"dropout": True}})
    assert other.status_code == 409
    fresh = await submit(intake, visit_form_for(household))
    assert fresh.json()["fields"][0]["field"] == "body.household_kinds"
    assert await count(intake, Visit) == 1


async def test_resubmitting_a_visit_that_registered_a_member_adds_nothing(intake):
    household = await register_household(intake)
    form = visit_form_for(household, key_target_groups=["new_dibao"])
    form["members"].append({"id_number": next_id_number(date(2024, 3, 1), "female"), "name": "张小妹",
                            "relation": "daughter", "labour_capacity": "none"})
    first = await submit(intake, form)
    assert first.status_code == 201, first.text
    again = await submit(intake, form)
    assert again.status_code == 200 and again.json() == first.json()
    assert await count(intake, Member) == 3
    assert await count(intake, Visit) == 1
    assert [e["payload"]["change"] for e in await events(intake, "household.changed")] == ["created", "updated"]
    assert len(await events(intake, "visit.submitted")) == 1


async def test_the_lost_race_answers_like_a_resubmission(intake, monkeypatch):
    """A resubmission is told by the visit's primary key, not by a lookup first: even with every lookup
    finding nothing, the second submission stores nothing and answers from the stored visit."""
    from services.intake.visits.repository import VisitRepository

    household = await register_household(intake)
    form = visit_form_for(household)
    assert (await submit(intake, form)).status_code == 201

    async def nothing_stored(self, visit_id):
        return None

    monkeypatch.setattr(VisitRepository, "get", nothing_stored)
    same = await submit(intake, form)
    assert same.status_code == 200 and same.json()["id"] == form["visit_id"]
    different = await submit(intake, form | {"guarantees": form["guarantees"] | {"uninsured": True}})
    assert different.status_code == 409
    monkeypatch.undo()
    assert await count(intake, Visit) == 1
    assert len(await events(intake, "visit.submitted")) == 1
    async with intake.runtimes["intake"].db.session() as session:
        members = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
    assert members == 2



@pytest.mark.parametrize("body", [
    b"{", b"[]", b"null", b'{"visit_id": "not-a-uuid"}',
    json.dumps({"visit_id": str(uuid.uuid4()), "household_id": None}).encode(),
])
async def test_malformed_bodies_are_422_never_500(intake, body):
    response = await intake.client.post("/intake/visits", content=body, headers={
        **intake.headers("village_cadre", VILLAGE), "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["fields"]


async def test_odd_values_are_refused_at_their_field(intake):
    household = await register_household(intake)
    cases = {
        "body.visited_at": {"visited_at": "2024-09-05T10:30:00"},  # no time zone
        "body.home_visit.gps.latitude": {"home_visit": {"gps": {**visit_form_for(household)["home_visit"]["gps"],
                                                                 "latitude": 123}}},
        "body.income.amounts.wage_income": {"income": {"amounts": valid_income_amounts(wage_income="-1")}},
        "body.members": {"members": []},
    }
    for field, change in cases.items():
        response = await submit(intake, visit_form_for(household) | change)
        assert response.status_code == 422, (field, response.text)
        assert field in [f["field"] for f in response.json()["fields"]], (field, response.json())


async def test_a_visit_is_audited_without_the_form_itself(intake):
    from shared.data.platform_tables import AuditEntry

    household = await register_household(intake)
    form = visit_form_for(household)
    assert (await submit(intake, form)).status_code == 201
    async with intake.runtimes["intake"].db.session() as session:
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "visits"))).all()
    assert entry.action == "create" and entry.entity_id == form["visit_id"]
    assert entry.changes["form_cipher"] == [None, "***"] and "content" not in entry.changes
    assert entry.changes["fingerprint"][1]


@pytest.mark.parametrize("income", [{"amounts": None}, {"bracket": "16000_20000"}])
async def test_a_visit_whose_household_has_no_member_months_is_a_422(intake, income):
    # Income would divide by a household size of 0: the visit could never be assessed.
    household = await register_household(intake)
    form = visit_form_for(household, members=[form_member(m, months_in_household=0) for m in household["members"]],
                          income={"amounts": valid_income_amounts()} if "amounts" in income else income)
    response = await submit(intake, form)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["field"] == "body.members" and "household size is 0" in field["message"]
    assert await count(intake, Visit) == 0


async def test_an_enlisted_member_sharing_income_keeps_the_household_size(intake):
    payload = household_payload()
    payload["members"][1]["enlisted_sharing_income"] = True
    household = await register_household(intake, members=payload["members"])
    form = visit_form_for(household, members=[form_member(m, months_in_household=0) for m in household["members"]],
                          income={"amounts": valid_income_amounts()})
    assert (await submit(intake, form)).status_code == 201
