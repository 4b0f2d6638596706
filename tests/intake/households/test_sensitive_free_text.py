"""ID numbers and phones typed into free text (remarks, notes, reasons): masked before they are stored,
and masked in every response and audit entry, also where an older row still holds them in clear."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from services.intake.households.models import Member
from services.intake.visits.models import Visit
from shared.data.platform_tables import AuditEntry
from shared.security.auth import system_principal
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.intake import (
    household_payload,
    next_id_number,
    register_household,
    visit_form_for,
)

pytestmark = pytest.mark.asyncio

PHONE = "13912345678"


def typed_in() -> tuple[str, str]:
    """A remark quoting someone's ID number and phone, and the number."""
    number = next_id_number()
    return f"其子身份证{number}，电话{PHONE}，已核实", number


def clear_in(text: str, number: str) -> bool:
    return number in text or PHONE in text or number[6:14] in text


async def stored_text(intake, model, key) -> str:
    async with intake.runtimes["intake"].db.session() as session:
        row = await session.get(model, key)
    return json.dumps(row.model_dump(mode="json"), ensure_ascii=False)


async def audit_text(intake) -> str:
    response = await intake.client.get("/intake/audit", params={"limit": 200},
                                       headers=intake.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return response.text


async def test_member_remarks_are_masked_before_they_are_stored(intake, cipher):
    remark, number = typed_in()
    payload = household_payload()
    payload["members"][1] |= {"remarks": remark, "labour_capacity": "skilled", "skilled_trade": "other",
                              "trade_note": f"焊工 {PHONE}"}
    response = await intake.client.post("/intake/households", json=payload,
                                        headers=intake.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    member = response.json()["members"][1]
    assert member["remarks"] == f"其子身份证{number[:6]}********{number[-4:]}，电话139****5678，已核实"
    assert member["trade_note"] == "焊工 139****5678"
    assert not clear_in(await stored_text(intake, Member, uuid.UUID(member["id"])), number)
    assert not clear_in(await audit_text(intake), number)

    removal, gone = typed_in()
    removed = await intake.client.post(f"/intake/members/{member['id']}/removal", json={"reason": removal},
                                       headers=intake.headers("village_cadre", VILLAGE))
    assert removed.status_code == 204
    assert not clear_in(await stored_text(intake, Member, uuid.UUID(member["id"])), gone)
    assert not clear_in(await audit_text(intake), gone)


async def test_visit_free_text_is_masked_in_the_stored_visit_its_response_and_the_audit(intake, cipher):
    household = await register_household(intake)
    remark, number = typed_in()
    form = visit_form_for(household)
    form["members"][0]["remarks"] = remark
    form["risk"] = {"has_risk": True, "causes": ["other"], "other_note": f"联系 {PHONE}"}
    response = await intake.client.post("/intake/visits", json=form, headers=intake.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    assert not clear_in(response.text, number)
    assert response.json()["form"]["risk"]["other_note"] == "联系 139****5678"
    fetched = await intake.client.get(f"/intake/visits/{form['visit_id']}",
                                      headers=intake.headers("village_cadre", VILLAGE))
    assert not clear_in(fetched.text, number)
    assert not clear_in(await stored_text(intake, Visit, uuid.UUID(form["visit_id"])), number)
    async with intake.runtimes["intake"].db.session() as session:
        visit = await session.get(Visit, uuid.UUID(form["visit_id"]))
    assert not clear_in(cipher.decrypt(visit.form_cipher), number)
    assert not clear_in(await audit_text(intake), number)
    member = (await intake.client.get(f"/intake/households/{household['id']}",
                                      headers=intake.headers("village_cadre", VILLAGE))).json()["members"][0]
    assert member["remarks"] == f"其子身份证{number[:6]}********{number[-4:]}，电话139****5678，已核实"


async def test_rows_stored_in_clear_before_are_masked_on_the_way_out(intake):
    household = await register_household(intake)
    remark, number = typed_in()
    visit_form = visit_form_for(household)
    submitted = await intake.client.post("/intake/visits", json=visit_form,
                                         headers=intake.headers("village_cadre", VILLAGE))
    assert submitted.status_code == 201
    member_id = household["members"][0]["id"]
    async with intake.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        # As rows written before free text was masked on receipt: clear text in place.
        await session.execute(sa.update(Member.__table__).where(Member.__table__.c.id == uuid.UUID(member_id))
                              .values(remarks=remark))
        visit = await session.get(Visit, uuid.UUID(visit_form["visit_id"]))
        content = dict(visit.content)
        content["members"] = [content["members"][0] | {"remarks": remark}, *content["members"][1:]]
        await session.execute(sa.update(Visit.__table__).where(Visit.__table__.c.id == visit.id)
                              .values(content=content))
        entry = (await session.scalars(select(AuditEntry).limit(1))).first()
        await session.execute(sa.update(AuditEntry.__table__).where(AuditEntry.__table__.c.id == entry.id)
                              .values(changes={"remarks": [None, remark]}))
    headers = intake.headers("village_cadre", VILLAGE)
    for path in (f"/intake/households/{household['id']}", f"/intake/visits/{visit_form['visit_id']}",
                 f"/intake/visits?household_id={household['id']}"):
        response = await intake.client.get(path, headers=headers)
        assert response.status_code == 200 and not clear_in(response.text, number), path
        assert "500151" in response.text or number[:6] in response.text
    assert not clear_in(await audit_text(intake), number)
