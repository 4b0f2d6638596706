"""ID numbers and phones: encrypted at rest, masked in every response, revealed only by an audited request."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.intake.households.models import Member
from shared.data.platform_tables import AuditEntry, OutboxEvent
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.intake import household_payload

pytestmark = pytest.mark.asyncio

PHONE = "13987654321"


async def registered(intake):
    payload = household_payload()
    payload["members"][1]["phone"] = PHONE
    response = await intake.client.post("/intake/households", json=payload,
                                        headers=intake.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    return payload, response.json()


async def test_rows_hold_ciphertext_blind_indexes_and_masks_only(intake, cipher):
    payload, household = await registered(intake)
    number = payload["members"][1]["id_number"]
    async with intake.runtimes["intake"].db.session() as session:
        member = await session.get(Member, household["members"][1]["id"])
    stored = json.dumps(member.model_dump(mode="json"), ensure_ascii=False)
    assert number not in stored and PHONE not in stored
    assert cipher.decrypt(member.id_number_cipher) == number and cipher.decrypt(member.phone_cipher) == PHONE
    assert member.id_number_index == cipher.blind_index(number, purpose="id_number")
    assert (member.id_number_masked, member.phone_masked) == (f"{number[:6]}********{number[-4:]}", "139****4321")


async def test_responses_events_and_audit_never_carry_the_clear_values(intake):
    payload, household = await registered(intake)
    numbers = [m["id_number"] for m in payload["members"]]
    for role, org in (("village_cadre", VILLAGE), ("town_staff", TOWNSHIP), ("district_admin", DISTRICT)):
        listed = await intake.client.get("/intake/households", headers=intake.headers(role, org))
        one = await intake.client.get(f"/intake/households/{household['id']}", headers=intake.headers(role, org))
        for text in (listed.text, one.text):
            assert not any(n in text for n in numbers) and PHONE not in text
        assert listed.json()["items"][0]["members"][1]["phone"] == "139****4321"
    async with intake.runtimes["intake"].db.session() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "members"))).all()
        events = (await session.scalars(select(OutboxEvent))).all()
    trail = json.dumps([e.changes for e in entries] + [e.envelope for e in events], ensure_ascii=False)
    assert not any(n in trail for n in numbers) and PHONE not in trail
    assert entries[0].changes["id_number_cipher"] == [None, "***"]
    assert entries[0].changes["id_number_index"] == [None, "***"]


@pytest.mark.parametrize(("role", "org"), [("town_staff", TOWNSHIP), ("district_admin", DISTRICT)])
async def test_town_and_district_staff_reveal_and_the_reveal_is_audited(intake, role, org):
    payload, household = await registered(intake)
    member_id = household["members"][1]["id"]
    response = await intake.client.post(f"/intake/members/{member_id}/reveal",
                                        headers=intake.headers(role, org, user_id="reader-1"))
    assert response.status_code == 200, response.text
    assert response.json() | {} == {"member_id": member_id, "name": "李桂兰",
                                    "id_number": payload["members"][1]["id_number"], "phone": PHONE}
    async with intake.runtimes["intake"].db.session() as session:
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal"))).all()
    assert (entry.actor_id, entry.entity, entry.entity_id) == ("reader-1", "members", member_id)
    assert entry.changes == {"revealed": ["id_number", "phone"]}


@pytest.mark.parametrize(("role", "org"), [("village_cadre", VILLAGE), ("auditor", DISTRICT)])
async def test_village_cadres_and_auditors_may_not_reveal(intake, role, org):
    _, household = await registered(intake)
    response = await intake.client.post(f"/intake/members/{household['members'][1]['id']}/reveal",
                                        headers=intake.headers(role, org))
    assert response.status_code == 403
    async with intake.runtimes["intake"].db.session() as session:
        assert (await session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal"))).all() == []


async def test_a_member_outside_the_scope_cannot_be_revealed(intake):
    _, household = await registered(intake)
    response = await intake.client.post(f"/intake/members/{household['members'][1]['id']}/reveal",
                                        headers=intake.headers("town_staff", "500151109000"))
    assert response.status_code == 404


async def test_household_events_carry_the_members_blind_indexes_and_follow_the_live_members(intake, cipher):
    payload, household = await registered(intake)
    numbers = [m["id_number"] for m in payload["members"]]
    removed = await intake.client.post(f"/intake/members/{household['members'][1]['id']}/removal",
                                       json={"reason": "婚出"}, headers=intake.headers("village_cadre", VILLAGE))
    assert removed.status_code in (200, 204), removed.text
    async with intake.runtimes["intake"].db.session() as session:
        events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "household.changed")
                                        .order_by(OutboxEvent.created_at))).all()
    created, after_removal = (e.envelope["payload"] for e in events)
    assert created["member_id_indexes"] == sorted(cipher.blind_index(n, purpose="id_number") for n in numbers)
    assert after_removal["member_id_indexes"] == [cipher.blind_index(numbers[0], purpose="id_number")]
    assert after_removal["member_count"] == 1
