"""Findings travel with the stored visit and its event, and never block the submission."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shared.models import OutboxEvent
from tests.conftest import TOWNSHIP, VILLAGE
from tests.factories.intake import household_payload, member_payload, next_id_number, set_intake_env, visit_form_for
from tests.factories.visit_forms import TONGLIANG_LAT, TONGLIANG_LON, valid_gps_fix, valid_income_amounts

pytestmark = pytest.mark.asyncio


async def register(system, **overrides):
    response = await system.client.post("/intake/households", json=household_payload(**overrides),
                                        headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 201, response.text
    return response.json()


async def submit(system, form):
    response = await system.client.post("/intake/visits", json=form, headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    return response.json()


def codes(visit):
    return [(f["code"], f["field"]) for f in visit["findings"]]


async def test_contradictions_are_stored_and_published_with_the_visit(intake):
    child = member_payload(name="张小军", relation="son", id_number=next_id_number(date(2012, 5, 1)),
                           labour_capacity="ordinary")
    household = await register(intake, members=[member_payload(), child],
                               household_kinds=["poverty_alleviated"], key_target_groups=["low_income_group"])
    form = visit_form_for(household, method="online_inquiry")
    visit = await submit(intake, form)
    assert codes(visit) == [("labour_capacity_vs_age", "members.1.labour_capacity"),
                            ("key_target_not_visited_in_person", "method")]
    assert "张小军" in visit["findings"][0]["message"]
    async with intake.runtimes["intake"].db.session() as session:
        [event] = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "visit.submitted"))).all()
    assert event.envelope["payload"]["findings"] == visit["findings"]


async def test_a_fix_is_compared_with_the_recorded_location_else_the_last_home_visit(intake):
    located = await register(intake, location={"latitude": TONGLIANG_LAT, "longitude": TONGLIANG_LON + 0.02})
    far = visit_form_for(located)
    assert codes(await submit(intake, far)) == [("gps_far_from_household", "home_visit.gps")]

    unlocated = await register(intake)
    first = await submit(intake, visit_form_for(unlocated, visited_at="2024-09-02T10:00:00+08:00"))
    assert codes(first) == []
    moved = visit_form_for(unlocated, visited_at="2024-09-09T10:00:00+08:00")
    moved["home_visit"]["gps"] = valid_gps_fix(longitude=TONGLIANG_LON + 0.05)
    visit = await submit(intake, moved)
    assert codes(visit) == [("gps_far_from_household", "home_visit.gps")]
    assert "home visit of 2024-09-02" in visit["findings"][0]["message"]


async def test_the_gps_limits_come_from_the_deployment(intake, intake_env):
    set_intake_env(intake_env, gps_accuracy_limit_m="5")
    household = await register(intake)
    assert codes(await submit(intake, visit_form_for(household))) == [("gps_low_accuracy",
                                                                      "home_visit.gps.accuracy_m")]


async def test_a_bracket_contradicting_the_previous_visits_amounts(intake):
    household = await register(intake)
    low = valid_income_amounts(production_income="2000", wage_income="5000", transfer_income="1000",
                               production_expense="0")
    earlier = visit_form_for(household, visited_at="2024-09-01T10:00:00+08:00", income={"amounts": low})
    assert codes(await submit(intake, earlier)) == []
    later = visit_form_for(household, visited_at="2024-09-10T10:00:00+08:00", income={"bracket": "20000_30000"})
    assert codes(await submit(intake, later)) == [("bracket_contradicts_amounts", "income.bracket")]
