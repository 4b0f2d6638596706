"""Data-quality findings: each rule fires on its contradiction and stays quiet otherwise."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.intake.visits.findings import (
    FindingInputs,
    LastPosition,
    Limits,
    limits_for,
    screened_per_capita,
    visit_findings,
)
from shared.domain.geo import wgs84_to_gcj02
from shared.domain.household_income import MemberMonths
from shared.domain.rulesets import default_catalog
from shared.domain.visit_form import IncomeAmounts, VisitForm
from tests.conftest import VILLAGE
from tests.factories.id_numbers import valid_id_number
from tests.factories.visit_forms import (
    TONGLIANG_LAT,
    TONGLIANG_LON,
    valid_gps_fix,
    valid_home_visit,
    valid_income_amounts,
    valid_livestock,
    valid_member,
    valid_visit_form,
)

VISIT_DAY = date(2024, 9, 5)
RULESET = default_catalog().resolve(2024, VILLAGE)  # the packaged rule set whose income year holds VISIT_DAY
LIMITS = limits_for(default_catalog(), VISIT_DAY, VILLAGE)
AFTER_THE_INCOME_YEAR = date(2024, 10, 15)  # the packaged 2024 income year ends on 30 September


def born_years_ago(years: int) -> date:
    """Born ``years`` years and ten days before the visit day."""
    return date(VISIT_DAY.year - years, VISIT_DAY.month, VISIT_DAY.day) - timedelta(days=10)


def full_findings(form: dict, *, ages: list[int] | None = None, key_groups: list[str] | None = None,
                  last: LastPosition | None = None, previous: dict | None = None, limits: Limits = LIMITS,
                  enlisted: list[bool] | None = None):
    model = VisitForm.model_validate(form)
    births = [born_years_ago(age) for age in (ages or [50] * len(model.members))]
    counted = [MemberMonths(member.months_in_household, is_enlisted)
               for member, is_enlisted in zip(model.members, enlisted or [False] * len(model.members), strict=True)]
    inputs = FindingInputs(form=model, birth_dates=births, household_members=counted,
                           recorded_key_target_groups=key_groups or [],
                           last_position=last, previous_amounts=IncomeAmounts.model_validate(previous) if previous
                           else None, limits=limits)
    return visit_findings(inputs)


def findings(form: dict, **inputs):
    found = full_findings(form, **inputs)
    assert all(f.field.startswith("body.") for f in found)  # a request path, as a 422 names a field
    return [(f.code, f.field.removeprefix("body.")) for f in found]


def one_member(**member) -> dict:
    return valid_visit_form(members=[valid_member(**member)])


@pytest.mark.parametrize(("member", "age", "expected"), [
    ({"labour_capacity": "ordinary"}, 15, [("labour_capacity_vs_age", "members.0.labour_capacity")]),
    ({"labour_capacity": "ordinary"}, 61, [("labour_capacity_vs_age", "members.0.labour_capacity")]),
    ({"labour_capacity": "ordinary"}, 16, []),
    ({"labour_capacity": "ordinary"}, 60, []),
    ({"labour_capacity": "lost"}, 70, [("labour_capacity_vs_age", "members.0.labour_capacity")]),
    ({"labour_capacity": "lost"}, 40, []),
    ({"labour_capacity": "skilled", "skilled_trade": "welder"}, 12, [("labour_capacity_vs_age",
                                                                      "members.0.labour_capacity")]),
    ({"labour_capacity": "skilled", "skilled_trade": "welder"}, 63, []),
    ({"labour_capacity": "weak", "weak_reason": "over_60"}, 45, [("labour_capacity_vs_age", "members.0.weak_reason")]),
    ({"labour_capacity": "weak", "weak_reason": "over_60"}, 66, []),
    ({"labour_capacity": "weak", "weak_reason": "illness"}, 10, [("labour_capacity_vs_age",
                                                                 "members.0.labour_capacity")]),
    ({"labour_capacity": "weak", "weak_reason": "illness"}, 45, []),
    ({"labour_capacity": "none"}, 30, [("labour_capacity_vs_age", "members.0.labour_capacity")]),
    ({"labour_capacity": "none"}, 8, []),
    ({"labour_capacity": "none"}, 75, []),
])
def test_labour_capacity_is_checked_against_the_age_on_the_visit_day(member, age, expected):
    assert findings(one_member(**member), ages=[age]) == expected


def test_age_counts_completed_years_on_the_visit_day():
    turning_16_tomorrow = date(2008, 9, 6)
    model = VisitForm.model_validate(one_member(labour_capacity="ordinary"))
    inputs = FindingInputs(form=model, birth_dates=[turning_16_tomorrow], household_members=[MemberMonths()],
                           recorded_key_target_groups=[], last_position=None, previous_amounts=None, limits=LIMITS)
    assert [f.code for f in visit_findings(inputs)] == ["labour_capacity_vs_age"]


@pytest.mark.parametrize(("form", "recorded", "expected"), [
    ({"method": "online_inquiry", "key_target_groups": ["new_dibao"]}, [], True),
    ({"method": "village_assessment", "key_target_groups": ["none"]}, ["low_income_group"], True),
    ({"method": "online_inquiry", "household_kinds": ["monitored"], "risk_status": "unresolved",
      "livestock": valid_livestock()}, [], True),
    ({"method": "online_inquiry", "key_target_groups": ["new_dibao"], "remote_reason": "whole_household_away"},
     [], False),
    ({"method": "village_assessment", "key_target_groups": ["new_dibao"],
      "remote_reason": "unable_to_communicate_proxy"}, [], False),
    ({"method": "home_visit", "key_target_groups": ["new_dibao"]}, [], False),
    ({"method": "online_inquiry", "key_target_groups": ["none"]}, ["none"], False),
])
def test_a_key_target_household_checked_remotely_needs_a_reason(form, recorded, expected):
    found = findings(valid_visit_form(**form), key_groups=recorded)
    assert (("key_target_not_visited_in_person", "method") in found) is expected


def test_a_poor_or_mock_fix_is_a_finding():
    fix = valid_gps_fix(accuracy_m=80, mock_location=True)
    found = findings(valid_visit_form(home_visit=valid_home_visit(gps=fix)))
    assert found == [("gps_low_accuracy", "home_visit.gps.accuracy_m"), ("gps_mock_location",
                                                                         "home_visit.gps.mock_location")]
    at_the_limit = valid_gps_fix(accuracy_m=RULESET.gps_max_accuracy_m)
    assert findings(valid_visit_form(home_visit=valid_home_visit(gps=at_the_limit))) == []


def test_a_fix_far_from_the_last_known_position_is_a_finding_compared_in_wgs84():
    here = LastPosition(TONGLIANG_LAT, TONGLIANG_LON, "recorded location")
    # The same spot as a phone on GCJ-02 reports it: a few hundred metres off in raw numbers.
    gcj_lat, gcj_lon = wgs84_to_gcj02(TONGLIANG_LAT, TONGLIANG_LON)
    gcj = valid_home_visit(gps=valid_gps_fix(latitude=gcj_lat, longitude=gcj_lon, coordinate_system="gcj02"))
    assert findings(valid_visit_form(home_visit=gcj), last=here) == []
    raw_as_wgs = valid_home_visit(gps=valid_gps_fix(latitude=gcj_lat, longitude=gcj_lon + 0.01))
    assert findings(valid_visit_form(home_visit=raw_as_wgs), last=here) == [("gps_far_from_household",
                                                                            "home_visit.gps")]
    assert findings(valid_visit_form(home_visit=raw_as_wgs), last=None) == []


def test_the_screened_figure_is_per_person_of_the_household_size():
    amounts = IncomeAmounts.model_validate(valid_income_amounts())  # 17020.50 net
    assert screened_per_capita(amounts, [MemberMonths(12), MemberMonths(12)]) == Decimal("8510.25")
    assert screened_per_capita(amounts, [MemberMonths(12), MemberMonths(6)]) == Decimal("11347.00")
    assert screened_per_capita(amounts, [MemberMonths(12), MemberMonths(0, enlisted_sharing_income=True)]) == (
        Decimal("8510.25"))
    assert screened_per_capita(amounts, [MemberMonths(0)]) is None


def test_a_bracket_above_the_line_contradicted_by_the_previous_visits_amounts():
    low = valid_income_amounts(production_income="3000", wage_income="6000", transfer_income="0",
                               production_expense="400")  # 8600 for two people: 4300 each
    form = valid_visit_form(income={"bracket": "10000_12000"})
    assert findings(form, previous=low) == [("bracket_contradicts_amounts", "income.bracket")]
    high = valid_income_amounts()  # 8510.25 each
    assert findings(form, previous=high) == []
    exactly_the_line = valid_income_amounts(production_income="16600", wage_income="0", transfer_income="0",
                                            production_expense="0")
    assert findings(form, previous=exactly_the_line) == [("bracket_contradicts_amounts", "income.bracket")]


def test_amounts_given_as_below_the_line_that_compute_above_it():
    form = valid_visit_form(income={"amounts": valid_income_amounts()})
    assert findings(form) == [("amounts_above_monitoring_line", "income.amounts")]
    low = valid_income_amounts(production_income="1000", wage_income="5000", transfer_income="1000",
                               production_expense="0")
    assert findings(valid_visit_form(income={"amounts": low})) == [("income_below_line_without_risk", "income.amounts")]


def test_an_enlisted_member_sharing_income_counts_in_the_screening():
    # 12000 net: for the head alone 12000.00 a person, above the line; with the son who enlisted
    # (0 months at home, still sharing income) the household is two, 6000.00 a person.
    amounts = valid_income_amounts(production_income="3000", wage_income="9000", transfer_income="0",
                                   property_income="0", production_expense="0")
    form = valid_visit_form(income={"amounts": amounts}, members=[
        valid_member(), valid_member(id_number=valid_id_number(date(2003, 5, 1), "male", serial=7), name="张小军",
                                     relation="son", months_in_household=0)])
    assert findings(form, ages=[52, 21]) == [("amounts_above_monitoring_line", "income.amounts")]
    assert findings(form, ages=[52, 21], enlisted=[False, True]) == [("income_below_line_without_risk", "income.amounts")]


# --- where the limits come from -------------------------------------------------------------------


def test_the_limits_are_the_rule_set_of_the_visits_income_year():
    assert LIMITS == Limits(gps_accuracy_limit_m=RULESET.gps_max_accuracy_m,
                            gps_max_distance_m=RULESET.gps_max_distance_m, monitoring_line=RULESET.monitoring_line)


def test_a_deployment_override_replaces_one_figure_of_the_rule_set():
    limits = limits_for(default_catalog(), VISIT_DAY, VILLAGE, gps_max_distance_m=RULESET.gps_max_distance_m * 3)
    assert limits == Limits(gps_accuracy_limit_m=RULESET.gps_max_accuracy_m,
                            gps_max_distance_m=RULESET.gps_max_distance_m * 3, monitoring_line=RULESET.monitoring_line)
    line = RULESET.monitoring_line + 1000
    assert limits_for(default_catalog(), VISIT_DAY, VILLAGE, monitoring_line=line).monitoring_line == line


@pytest.mark.parametrize(("day", "org_code"), [(AFTER_THE_INCOME_YEAR, VILLAGE), (VISIT_DAY, "110101001001")])
def test_no_rule_set_skips_the_checks_that_need_one_and_says_so(day, org_code):
    limits = limits_for(default_catalog(), day, org_code)
    assert limits == Limits(None, None, None, uncovered_day=day)
    poor_fix = valid_home_visit(gps=valid_gps_fix(accuracy_m=RULESET.gps_max_accuracy_m * 10, mock_location=True))
    form = valid_visit_form(visited_at=f"{day}T10:00:00+08:00", home_visit=poor_fix,
                            income={"amounts": valid_income_amounts()})
    far = LastPosition(TONGLIANG_LAT, TONGLIANG_LON + 0.1, "recorded location")
    # Without a line the cadre's judgement (amounts: below the line) stands, and no risk was judged.
    assert findings(form, last=far, limits=limits) == [("no_rule_set", "visited_at"),
                                                       ("gps_mock_location", "home_visit.gps.mock_location"),
                                                       ("income_below_line_without_risk", "income.amounts")]
    finding = full_findings(form, last=far, limits=limits)[0]
    assert str(day) in finding.message
    assert "GPS accuracy, GPS distance, monitoring line checks were skipped" in finding.message


def test_overrides_keep_their_checks_when_no_rule_set_covers_the_visit():
    poor_fix = valid_home_visit(gps=valid_gps_fix(accuracy_m=80))
    form = valid_visit_form(visited_at=f"{AFTER_THE_INCOME_YEAR}T10:00:00+08:00", home_visit=poor_fix)
    some = limits_for(default_catalog(), AFTER_THE_INCOME_YEAR, VILLAGE, gps_accuracy_limit_m=50)
    assert findings(form, limits=some) == [("no_rule_set", "visited_at"), ("gps_low_accuracy",
                                                                            "home_visit.gps.accuracy_m")]
    every = limits_for(default_catalog(), AFTER_THE_INCOME_YEAR, VILLAGE, gps_accuracy_limit_m=50,
                       gps_max_distance_m=1000, monitoring_line=Decimal("8300"))
    assert findings(form, limits=every) == [("gps_low_accuracy", "home_visit.gps.accuracy_m")]
