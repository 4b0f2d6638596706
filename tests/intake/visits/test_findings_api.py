"""Findings travel with the stored visit and its event, and never block the submission."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import select

from services.intake.settings import get_intake_settings
from shared.data.platform_tables import OutboxEvent
from shared.domain.geo import distance_m
from shared.domain.rulesets import default_catalog
from tests.conftest import VILLAGE
from tests.factories.intake import (
    member_payload,
    next_id_number,
    register_household,
    set_intake_env,
    visit_form_for,
)
from tests.factories.visit_forms import (
    TONGLIANG_LAT,
    TONGLIANG_LON,
    valid_gps_fix,
    valid_income_amounts,
)

pytestmark = pytest.mark.asyncio


async def submit(system, form):
    response = await system.client.post("/intake/visits", json=form, headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    return response.json()


def codes(visit):
    assert all(f["field"].startswith("body.") for f in visit["findings"])  # the path syntax of a 422
    return [(f["code"], f["field"].removeprefix("body.")) for f in visit["findings"]]


def ruleset_2024():
    """The packaged rule set over the test village for the 2024 campaign's visits (dated before October)."""
    return default_catalog().resolve(2024, VILLAGE)


def home_visit_on(household, day: str, **gps):
    form = visit_form_for(household, visited_at=f"{day}T10:00:00+08:00")
    form["home_visit"]["gps"] = valid_gps_fix(**gps)
    return form


def east_of_tongliang(metres: float) -> float:
    """The longitude ``metres`` due east of the test position, at its latitude."""
    return TONGLIANG_LON + math.degrees(metres / (6_371_008.8 * math.cos(math.radians(TONGLIANG_LAT))))


async def test_contradictions_are_stored_and_published_with_the_visit(intake):
    child = member_payload(name="张小军", relation="son", id_number=next_id_number(date(2012, 5, 1)),
                           labour_capacity="ordinary")
    household = await register_household(intake, members=[member_payload(), child],
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
    located = await register_household(intake, location={"latitude": TONGLIANG_LAT, "longitude": TONGLIANG_LON + 0.02})
    far = visit_form_for(located)
    assert codes(await submit(intake, far)) == [("gps_far_from_household", "home_visit.gps")]

    unlocated = await register_household(intake)
    first = await submit(intake, visit_form_for(unlocated, visited_at="2024-09-02T10:00:00+08:00"))
    assert codes(first) == []
    moved = visit_form_for(unlocated, visited_at="2024-09-09T10:00:00+08:00")
    moved["home_visit"]["gps"] = valid_gps_fix(longitude=TONGLIANG_LON + 0.05)
    visit = await submit(intake, moved)
    assert codes(visit) == [("gps_far_from_household", "home_visit.gps")]
    assert "home visit of 2024-09-02" in visit["findings"][0]["message"]


async def test_the_gps_limits_come_from_the_deployment(intake, intake_env):
    set_intake_env(intake_env, gps_accuracy_limit_m="5")
    household = await register_household(intake)
    assert codes(await submit(intake, visit_form_for(household))) == [("gps_low_accuracy",
                                                                      "home_visit.gps.accuracy_m")]


async def test_the_deployment_overrides_are_unset_by_default(intake_env):
    settings = get_intake_settings()
    assert (settings.gps_accuracy_limit_m, settings.gps_max_distance_m, settings.monitoring_line) == (None, None, None)


async def test_the_gps_accuracy_limit_comes_from_the_rule_set(intake):
    limit = ruleset_2024().gps_max_accuracy_m
    household = await register_household(intake)

    worse = await submit(intake, home_visit_on(household, "2024-09-02", accuracy_m=limit + 0.5))
    assert codes(worse) == [("gps_low_accuracy", "home_visit.gps.accuracy_m")]
    assert f"limit of {limit:g} m" in worse["findings"][0]["message"]
    assert codes(await submit(intake, home_visit_on(household, "2024-09-03", accuracy_m=limit - 0.5))) == []


async def test_the_gps_distance_comes_from_the_rule_set_unless_the_deployment_overrides_it(intake, intake_env):
    limit = ruleset_2024().gps_max_distance_m
    beyond = east_of_tongliang(limit + 100)
    assert limit < distance_m(TONGLIANG_LAT, TONGLIANG_LON, TONGLIANG_LAT, beyond) < limit + 200
    household = await register_household(intake, location={"latitude": TONGLIANG_LAT, "longitude": beyond})

    visit = await submit(intake, home_visit_on(household, "2024-09-02"))
    assert codes(visit) == [("gps_far_from_household", "home_visit.gps")]
    assert f"beyond {limit:g} m" in visit["findings"][0]["message"]
    set_intake_env(intake_env, gps_max_distance_m=str(limit * 2))
    assert codes(await submit(intake, home_visit_on(household, "2024-09-03"))) == []


async def test_a_visit_no_rule_set_covers_is_stored_with_a_no_rule_set_finding(intake):
    household = await register_household(intake, location={"latitude": TONGLIANG_LAT, "longitude": TONGLIANG_LON + 0.05})
    low = valid_income_amounts(production_income="2000", wage_income="5000", transfer_income="1000",
                               production_expense="0")
    assert codes(await submit(intake, visit_form_for(household, visited_at="2024-09-01T10:00:00+08:00",
                                                     income={"amounts": low}))) == [
        ("gps_far_from_household", "home_visit.gps"), ("income_below_line_without_risk", "income.amounts")]
    # After the campaign started (2024-08-23) and after the packaged 2024 income year (to 2024-09-30).
    form = home_visit_on(household, "2024-10-15", accuracy_m=ruleset_2024().gps_max_accuracy_m * 10)
    form["income"] = {"bracket": "20000_30000"}  # under the 2024 line, contradicts the amounts of 1 September

    visit = await submit(intake, form)  # stored: a finding never blocks the visit

    assert codes(visit) == [("no_rule_set", "visited_at")]
    assert "2024-10-15" in visit["findings"][0]["message"]
    fetched = await intake.client.get(f"/intake/visits/{form['visit_id']}",
                                      headers=intake.headers("village_cadre", VILLAGE))
    assert fetched.status_code == 200
    assert fetched.json()["findings"] == visit["findings"]


async def test_a_bracket_contradicting_the_previous_visits_amounts(intake):
    household = await register_household(intake)
    low = valid_income_amounts(production_income="2000", wage_income="5000", transfer_income="1000",
                               production_expense="0")
    earlier = visit_form_for(household, visited_at="2024-09-01T10:00:00+08:00", income={"amounts": low})
    assert codes(await submit(intake, earlier)) == [("income_below_line_without_risk", "income.amounts")]
    later = visit_form_for(household, visited_at="2024-09-10T10:00:00+08:00", income={"bracket": "20000_30000"})
    assert codes(await submit(intake, later)) == [("bracket_contradicts_amounts", "income.bracket")]
