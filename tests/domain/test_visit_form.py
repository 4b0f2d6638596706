import copy
import hashlib
import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, ValidationError

from shared.domain.enums import (
    HouseholdKind,
    KeyTargetGroup,
    LabourCapacity,
    RemoteVerificationReason,
    RiskCause,
    SkilledTrade,
    VerificationMethod,
)
from shared.domain.geo import wgs84_to_gcj02
from shared.domain.household_income import MAX_MEMBERS
from shared.domain.visit_form import GpsFix, VisitForm
from tests.factories.id_numbers import valid_id_number, with_wrong_check_character
from tests.factories.visit_forms import (
    valid_gps_fix,
    valid_guarantees,
    valid_home_visit,
    valid_income,
    valid_income_amounts,
    valid_livestock,
    valid_member,
    valid_online_inquiry,
    valid_risk,
    valid_self_coping,
    valid_village_assessment,
    valid_visit_form,
)

MONITORED_HOUSEHOLD = {
    "household_kinds": ["poverty_alleviated", "monitored"],
    "risk_status": "unresolved",
    "key_target_groups": ["monitored"],
    "livestock": valid_livestock(),
}


def rejected(data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as raised:
        VisitForm.model_validate(data)
    return raised.value.errors()


def error_at(data: dict[str, Any], loc: tuple[str | int, ...]) -> dict[str, Any]:
    errors = rejected(data)
    matching = [error for error in errors if error["loc"] == loc]
    assert matching, f"no error at {loc}; got {[(e['loc'], e['msg']) for e in errors]}"
    return matching[0]


def member_with(**overrides: Any) -> dict[str, Any]:
    """A form whose second member carries ``overrides``."""
    second = valid_member(
        id_number=valid_id_number(date(1996, 2, 9), "female", serial=8),
        name="张小梅",
        relation="daughter",
    )
    return valid_visit_form(members=[valid_member(), second | overrides])


def risk_with(**fields: Any) -> dict[str, Any]:
    return valid_visit_form(risk=valid_risk(**fields))


def income_with(**fields: Any) -> dict[str, Any]:
    return valid_visit_form(income=fields)


def coping_with(**overrides: Any) -> dict[str, Any]:
    return valid_visit_form(self_coping=valid_self_coping(**overrides))


def without(section: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in section.items() if name != key}


# --- Every cross-field rule, each with a form that keeps it and one that breaks it -----------


class Rule(NamedTuple):
    valid: dict[str, Any]
    invalid: dict[str, Any]
    loc: tuple[str | int, ...]
    message: str


RULES = {
    # Verification method: exactly the matching section.
    "home_visit required": Rule(
        valid_visit_form(method="home_visit"),
        valid_visit_form(method="home_visit", home_visit=None),
        ("home_visit",),
        "required when method is home_visit",
    ),
    "online_inquiry required": Rule(
        valid_visit_form(method="online_inquiry"),
        valid_visit_form(method="online_inquiry", online_inquiry=None),
        ("online_inquiry",),
        "required when method is online_inquiry",
    ),
    "village_assessment required": Rule(
        valid_visit_form(method="village_assessment"),
        valid_visit_form(method="village_assessment", village_assessment=None),
        ("village_assessment",),
        "required when method is village_assessment",
    ),
    "other section forbidden": Rule(
        valid_visit_form(method="home_visit"),
        valid_visit_form(method="home_visit", village_assessment=valid_village_assessment()),
        ("village_assessment",),
        "not allowed unless method is village_assessment",
    ),
    "home_visit forbidden on inquiry": Rule(
        valid_visit_form(method="online_inquiry"),
        valid_visit_form(method="online_inquiry", home_visit=valid_home_visit()),
        ("home_visit",),
        "not allowed unless method is home_visit",
    ),
    "remote_reason only without a home visit": Rule(
        valid_visit_form(method="online_inquiry", remote_reason="whole_household_away"),
        valid_visit_form(method="home_visit", remote_reason="whole_household_away"),
        ("remote_reason",),
        "not allowed unless method is online_inquiry or village_assessment",
    ),
    "proxy_name required": Rule(
        valid_visit_form(home_visit=valid_home_visit(proxy_answer=True, proxy_name="张德华")),
        valid_visit_form(home_visit=valid_home_visit(proxy_answer=True)),
        ("home_visit", "proxy_name"),
        "required when proxy_answer is true",
    ),
    "proxy_name forbidden": Rule(
        valid_visit_form(home_visit=valid_home_visit(proxy_answer=False)),
        valid_visit_form(home_visit=valid_home_visit(proxy_name="张德华")),
        ("home_visit", "proxy_name"),
        "not allowed unless proxy_answer is true",
    ),
    # Household kind and key target groups.
    "risk_status required": Rule(
        valid_visit_form(**MONITORED_HOUSEHOLD),
        valid_visit_form(**MONITORED_HOUSEHOLD | {"risk_status": None}),
        ("risk_status",),
        "required when household_kinds include monitored",
    ),
    "risk_status forbidden": Rule(
        valid_visit_form(household_kinds=["poverty_alleviated"], livestock=valid_livestock()),
        valid_visit_form(household_kinds=["poverty_alleviated"], risk_status="resolved", livestock=valid_livestock()),
        ("risk_status",),
        "not allowed unless household_kinds include monitored",
    ),
    "household_kinds distinct": Rule(
        valid_visit_form(household_kinds=["general"]),
        valid_visit_form(household_kinds=["general", "general"]),
        ("household_kinds",),
        "lists general more than once",
    ),
    "general stands alone": Rule(
        valid_visit_form(household_kinds=["poverty_alleviated", "monitored"], risk_status="resolved",
                         livestock=valid_livestock()),
        valid_visit_form(household_kinds=["general", "poverty_alleviated"], livestock=valid_livestock()),
        ("household_kinds",),
        "general (一般农户) is neither poverty_alleviated nor monitored; it cannot be combined",
    ),
    "exactly one head": Rule(
        valid_visit_form(),
        valid_visit_form(members=[valid_member(), valid_member(
            id_number=valid_id_number(date(1975, 11, 2), "female", serial=4), name="李桂兰")]),
        ("members",),
        "exactly one member must be the head (户主), found 2 (张德明, 李桂兰)",
    ),
    "key_target_groups none alone": Rule(
        valid_visit_form(key_target_groups=["new_dibao", "new_serious_illness"]),
        valid_visit_form(key_target_groups=["none", "new_dibao"]),
        ("key_target_groups",),
        "none cannot be combined with another group",
    ),
    # Members.
    "member id_number or member_id": Rule(
        member_with(id_number=None, member_id=str(uuid.uuid4())),
        member_with(id_number=None),
        ("members", 1, "id_number"),
        "required when member_id is absent",
    ),
    "member id_number valid": Rule(
        member_with(),
        member_with(id_number=with_wrong_check_character(valid_id_number(date(1996, 2, 9)))),
        ("members", 1, "id_number"),
        "check character should be",
    ),
    "skilled_trade required": Rule(
        member_with(labour_capacity="skilled", skilled_trade="welder"),
        member_with(labour_capacity="skilled"),
        ("members", 1, "skilled_trade"),
        "required when labour_capacity is skilled",
    ),
    "skilled_trade forbidden": Rule(
        member_with(labour_capacity="ordinary"),
        member_with(labour_capacity="ordinary", skilled_trade="welder"),
        ("members", 1, "skilled_trade"),
        "not allowed unless labour_capacity is skilled",
    ),
    "trade_note required": Rule(
        member_with(labour_capacity="skilled", skilled_trade="other", trade_note="茶艺师"),
        member_with(labour_capacity="skilled", skilled_trade="other"),
        ("members", 1, "trade_note"),
        "required when skilled_trade is other",
    ),
    "trade_note forbidden": Rule(
        member_with(labour_capacity="skilled", skilled_trade="electrician"),
        member_with(labour_capacity="skilled", skilled_trade="electrician", trade_note="茶艺师"),
        ("members", 1, "trade_note"),
        "not allowed unless skilled_trade is other",
    ),
    "weak_reason required": Rule(
        member_with(labour_capacity="weak", weak_reason="illness"),
        member_with(labour_capacity="weak"),
        ("members", 1, "weak_reason"),
        "required when labour_capacity is weak",
    ),
    "weak_reason forbidden": Rule(
        member_with(labour_capacity="lost"),
        member_with(labour_capacity="lost", weak_reason="illness"),
        ("members", 1, "weak_reason"),
        "not allowed unless labour_capacity is weak",
    ),
    "member id_number distinct": Rule(
        member_with(),
        member_with(id_number=valid_member()["id_number"]),
        ("members", 1, "id_number"),
        "same id_number as members.0",
    ),
    "member_id distinct": Rule(
        valid_visit_form(members=[valid_member(member_id=str(uuid.UUID(int=1)))]),
        valid_visit_form(
            members=[
                valid_member(member_id=str(uuid.UUID(int=1))),
                valid_member(member_id=str(uuid.UUID(int=1)), id_number=None, name="张小梅"),
            ]
        ),
        ("members", 1, "member_id"),
        "same member_id as members.0",
    ),
    # Income.
    "bracket and amounts not both": Rule(
        income_with(amounts=valid_income_amounts()),
        income_with(bracket="over_30000", amounts=valid_income_amounts()),
        ("income",),
        "either bracket or amounts, not both",
    ),
    "bracket or amounts given": Rule(
        income_with(bracket="over_30000"),
        income_with(compliant_expenses={"medical": "3000"}),
        ("income",),
        "either bracket or amounts; neither was given",
    ),
    "below_13000 required": Rule(
        income_with(bracket="12000_16000", below_13000=True),
        income_with(bracket="12000_16000"),
        ("income", "below_13000"),
        "required when bracket is 12000_16000",
    ),
    "below_13000 forbidden": Rule(
        income_with(bracket="10000_12000"),
        income_with(bracket="10000_12000", below_13000=False),
        ("income", "below_13000"),
        "not allowed unless bracket is 12000_16000",
    ),
    "compliant expenses above zero": Rule(
        income_with(amounts=valid_income_amounts(), compliant_expenses={"education": "1200"}),
        income_with(amounts=valid_income_amounts(), compliant_expenses={"education": "0"}),
        ("income", "compliant_expenses"),
        "at least one expense must be above zero",
    ),
    "compliant expenses belong to branch (2)": Rule(
        income_with(amounts=valid_income_amounts(), compliant_expenses={"medical": "800"}),
        income_with(bracket="8300_10000", compliant_expenses={"medical": "800"}),
        ("income", "compliant_expenses"),
        "not allowed unless amounts are given (branch 2: judged below the monitoring range)",
    ),
    "claim income belongs to branch (2)": Rule(
        income_with(amounts=valid_income_amounts(), claim_income={"amount": "3000"}),
        income_with(bracket="8300_10000", claim_income={"amount": "3000"}),
        ("income", "claim_income"),
        "not allowed unless amounts are given (branch 2: judged below the monitoring range)",
    ),
    # Self-coping capacity.
    "forest parts within total": Rule(
        coping_with(forest_land_mu="5", economic_forest_mu="3", ecological_forest_mu="2"),
        coping_with(forest_land_mu="5", economic_forest_mu="3", ecological_forest_mu="2.01"),
        ("self_coping", "forest_land_mu"),
        "economic_forest_mu plus ecological_forest_mu cannot exceed forest_land_mu",
    ),
    "house_structure required": Rule(
        coping_with(self_built_house=True, house_structure="adobe"),
        coping_with(self_built_house=True, house_structure=None),
        ("self_coping", "house_structure"),
        "required when self_built_house is true",
    ),
    "house_structure forbidden": Rule(
        coping_with(self_built_house=False, house_structure=None),
        coping_with(self_built_house=False, house_structure="adobe"),
        ("self_coping", "house_structure"),
        "not allowed unless self_built_house is true",
    ),
    "house_structure_note required": Rule(
        coping_with(house_structure="other", house_structure_note="钢结构"),
        coping_with(house_structure="other"),
        ("self_coping", "house_structure_note"),
        "required when house_structure is other",
    ),
    "house_structure_note forbidden": Rule(
        coping_with(house_structure="brick_wood"),
        coping_with(house_structure="brick_wood", house_structure_note="钢结构"),
        ("self_coping", "house_structure_note"),
        "not allowed unless house_structure is other",
    ),
    "planting_types required": Rule(
        coping_with(large_planting=True, planting_types=["fruit"]),
        coping_with(large_planting=True, planting_types=[]),
        ("self_coping", "planting_types"),
        "required when large_planting is true",
    ),
    "planting_types forbidden": Rule(
        coping_with(large_planting=False, planting_types=[]),
        coping_with(large_planting=False, planting_types=["fruit"]),
        ("self_coping", "planting_types"),
        "not allowed unless large_planting is true",
    ),
    "breeding_types required": Rule(
        coping_with(large_breeding=True, breeding_types=["pig", "poultry"]),
        coping_with(large_breeding=True),
        ("self_coping", "breeding_types"),
        "required when large_breeding is true",
    ),
    "breeding_types forbidden": Rule(
        coping_with(large_breeding=False),
        coping_with(large_breeding=False, breeding_types=["pig"]),
        ("self_coping", "breeding_types"),
        "not allowed unless large_breeding is true",
    ),
    # Livestock.
    "livestock required of poverty-alleviated and monitored households": Rule(
        valid_visit_form(household_kinds=["poverty_alleviated"], livestock=valid_livestock()),
        valid_visit_form(household_kinds=["poverty_alleviated"]),
        ("livestock",),
        "required when household_kinds include poverty_alleviated or monitored",
    ),
    "livestock for poverty-alleviated or monitored only": Rule(
        valid_visit_form(household_kinds=["poverty_alleviated"], livestock=valid_livestock()),
        valid_visit_form(household_kinds=["general"], livestock=valid_livestock()),
        ("livestock",),
        "not allowed unless household_kinds include poverty_alleviated or monitored",
    ),
    # Risk judgement.
    "causes required": Rule(
        risk_with(has_risk=True, causes=["illness"]),
        risk_with(has_risk=True, causes=[]),
        ("risk", "causes"),
        "required when has_risk is true",
    ),
    "causes forbidden": Rule(
        risk_with(has_risk=False, causes=[]),
        risk_with(has_risk=False, causes=["illness"]),
        ("risk", "causes"),
        "not allowed unless has_risk is true",
    ),
    "disaster_type required": Rule(
        risk_with(has_risk=True, causes=["natural_disaster"], disaster_type="洪涝"),
        risk_with(has_risk=True, causes=["natural_disaster"]),
        ("risk", "disaster_type"),
        "required when causes include natural_disaster",
    ),
    "disaster_type forbidden": Rule(
        risk_with(has_risk=True, causes=["accident"]),
        risk_with(has_risk=True, causes=["accident"], disaster_type="洪涝"),
        ("risk", "disaster_type"),
        "not allowed unless causes include natural_disaster",
    ),
    "industry_failure_reason required": Rule(
        risk_with(has_risk=True, causes=["industry_failure"], industry_failure_reason="price_drop"),
        risk_with(has_risk=True, causes=["industry_failure"]),
        ("risk", "industry_failure_reason"),
        "required when causes include industry_failure",
    ),
    "industry_failure_reason forbidden": Rule(
        risk_with(has_risk=True, causes=["illness"]),
        risk_with(has_risk=True, causes=["illness"], industry_failure_reason="price_drop"),
        ("risk", "industry_failure_reason"),
        "not allowed unless causes include industry_failure",
    ),
    "industry_failure_note required": Rule(
        risk_with(
            has_risk=True,
            causes=["industry_failure"],
            industry_failure_reason="other",
            industry_failure_note="合作社停产",
        ),
        risk_with(has_risk=True, causes=["industry_failure"], industry_failure_reason="other"),
        ("risk", "industry_failure_note"),
        "required when industry_failure_reason is other",
    ),
    "industry_failure_note forbidden": Rule(
        risk_with(has_risk=True, causes=["industry_failure"], industry_failure_reason="price_drop"),
        risk_with(
            has_risk=True,
            causes=["industry_failure"],
            industry_failure_reason="price_drop",
            industry_failure_note="合作社停产",
        ),
        ("risk", "industry_failure_note"),
        "not allowed unless industry_failure_reason is other",
    ),
    "other_note required": Rule(
        risk_with(has_risk=True, causes=["other"], other_note="子女婚嫁负债"),
        risk_with(has_risk=True, causes=["other"]),
        ("risk", "other_note"),
        "required when causes include other",
    ),
    "other_note forbidden": Rule(
        risk_with(has_risk=True, causes=["education"]),
        risk_with(has_risk=True, causes=["education"], other_note="子女婚嫁负债"),
        ("risk", "other_note"),
        "not allowed unless causes include other",
    ),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_rule_accepts_a_form_that_keeps_it(rule):
    VisitForm.model_validate(rule.valid)


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_rule_rejects_a_form_that_breaks_it_at_the_field(rule):
    error = error_at(rule.invalid, rule.loc)

    assert rule.message in error["msg"]
    # A rule that requires or forbids a field says which in its type; a forbidden one carries the value.
    for prefix, kind in (("required when", "required_when"), ("not allowed unless", "not_allowed_unless")):
        if error["msg"].startswith(prefix):
            assert error["type"] == kind
    if error["type"] == "not_allowed_unless":
        assert error["input"] not in (None, [], "")


def test_a_missing_section_key_counts_like_a_null_one():
    form = valid_visit_form(method="village_assessment")
    del form["village_assessment"]

    assert error_at(form, ("village_assessment",))["type"] == "required_when"


def test_errors_in_different_parts_are_reported_together():
    form = valid_visit_form(
        members=[valid_member(), valid_member(labour_capacity="weak", id_number=None)],
        risk=valid_risk(has_risk=True, causes=["natural_disaster"]),
    )

    locs = {error["loc"] for error in rejected(form)}

    assert locs == {
        ("members", 1, "id_number"),
        ("members", 1, "weak_reason"),
        ("risk", "disaster_type"),
    }


def test_locs_keep_their_path_when_the_form_is_nested():
    # FastAPI and the event envelopes both validate the form as a field of something larger.
    class Envelope(BaseModel):
        payload: VisitForm

    with pytest.raises(ValidationError) as raised:
        Envelope.model_validate({"payload": member_with(labour_capacity="skilled")})

    [error] = raised.value.errors()
    assert error["loc"] == ("payload", "members", 1, "skilled_trade")


def test_error_text_does_not_echo_id_numbers():
    wrong = with_wrong_check_character(valid_id_number(date(1996, 2, 9)))

    with pytest.raises(ValidationError) as raised:
        VisitForm.model_validate(member_with(id_number=wrong))

    assert wrong[:14] not in str(raised.value)


# --- Single-field rules -----------------------------------------------------------------------


def test_visited_at_must_carry_a_time_zone():
    error = error_at(valid_visit_form(visited_at="2024-09-05T10:30:00"), ("visited_at",))

    assert error["type"] == "timezone_aware"


@pytest.mark.parametrize(
    ("gps", "field"),
    [
        (valid_gps_fix(latitude=90.5), "latitude"),
        (valid_gps_fix(latitude=-91), "latitude"),
        (valid_gps_fix(longitude=180.1), "longitude"),
        (valid_gps_fix(accuracy_m=0), "accuracy_m"),
        (valid_gps_fix(coordinate_system="bd09"), "coordinate_system"),
        (without(valid_gps_fix(), "mock_location"), "mock_location"),
    ],
)
def test_gps_fix_fields_are_checked(gps, field):
    error_at(valid_visit_form(home_visit=valid_home_visit(gps=gps)), ("home_visit", "gps", field))


def test_gps_fix_at_the_limits_is_accepted():
    gps = valid_gps_fix(latitude=-90, longitude=180, accuracy_m=0.1, mock_location=True)

    form = VisitForm.model_validate(valid_visit_form(home_visit=valid_home_visit(gps=gps)))

    assert form.home_visit.gps.mock_location is True


@pytest.mark.parametrize("assessors", [[], ["甲", "乙", "丙", "丁"]])
def test_village_assessment_names_one_to_three_assessors(assessors):
    section = valid_village_assessment(assessors=assessors)
    form = valid_visit_form(method="village_assessment", village_assessment=section)

    error_at(form, ("village_assessment", "assessors"))


@pytest.mark.parametrize("field", ["household_kinds", "key_target_groups", "members"])
def test_lists_that_cannot_be_empty(field):
    assert error_at(valid_visit_form(**{field: []}), (field,))["type"] == "too_short"


@pytest.mark.parametrize("months", [-1, 13])
def test_months_in_household_is_within_the_year(months):
    error_at(member_with(months_in_household=months), ("members", 1, "months_in_household"))


@pytest.mark.parametrize(
    ("amounts", "field"),
    [
        (valid_income_amounts(wage_income="-1"), "wage_income"),
        (valid_income_amounts(production_expense="10.005"), "production_expense"),
        (without(valid_income_amounts(), "property_income"), "property_income"),
    ],
)
def test_income_amounts_are_non_negative_yuan_with_cents(amounts, field):
    error_at(income_with(amounts=amounts), ("income", "amounts", field))


def test_claim_income_amount_must_be_positive():
    form = income_with(bracket="over_30000", claim_income={"amount": "0"})

    error_at(form, ("income", "claim_income", "amount"))


@pytest.mark.parametrize("assessors", [["甲"], ["甲", "乙", "丙"]])
def test_one_to_three_assessors_are_accepted(assessors):
    section = valid_village_assessment(assessors=assessors)
    form = VisitForm.model_validate(valid_visit_form(method="village_assessment", village_assessment=section))

    assert form.village_assessment.assessors == assessors


@pytest.mark.parametrize("months", [0, 12])
def test_months_in_household_at_the_ends_of_the_year_are_accepted(months):
    form = VisitForm.model_validate(member_with(months_in_household=months))

    assert form.members[1].months_in_household == months


@pytest.mark.parametrize("field", ["latitude", "longitude", "accuracy_m"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_gps_fix_fields_are_never_nan_or_infinite(field, value):
    gps = valid_gps_fix(**{field: value})

    error_at(valid_visit_form(home_visit=valid_home_visit(gps=gps)), ("home_visit", "gps", field))


@pytest.mark.parametrize(("given", "kept"), [("0", "0.00"), ("0.01", "0.01"), ("0.5", "0.50"), ("1.30", "1.30")])
def test_areas_under_one_mu_are_kept_to_the_hundredth(given, kept):
    form = VisitForm.model_validate(coping_with(cultivated_land_mu=given, economic_forest_mu=given))

    assert str(form.self_coping.cultivated_land_mu) == kept
    assert str(form.self_coping.economic_forest_mu) == kept


def test_an_area_in_fractions_of_a_hundredth_of_a_mu_is_refused():
    error_at(coping_with(cultivated_land_mu="0.005"), ("self_coping", "cultivated_land_mu"))


@pytest.mark.parametrize(("given", "kept"), [("0.01", "0.01"), ("0.5", "0.50"), ("0.99", "0.99")])
def test_a_claim_under_one_yuan_is_accepted_to_the_fen(given, kept):
    form = VisitForm.model_validate(income_with(amounts=valid_income_amounts(), claim_income={"amount": given}))

    assert str(form.income.claim_income.amount) == kept


@pytest.mark.parametrize("amount", ["0.001", "0.009", "1.005", "-0.01"])
def test_a_claim_in_fractions_of_a_fen_or_negative_is_refused(amount):
    form = income_with(amounts=valid_income_amounts(), claim_income={"amount": amount})

    error_at(form, ("income", "claim_income", "amount"))


@pytest.mark.parametrize("field", ["production_income", "wage_income", "transfer_income", "property_income",
                                   "production_expense"])
def test_every_income_amount_is_kept_to_the_fen_and_refuses_fractions_of_one(field):
    kept = VisitForm.model_validate(income_with(amounts=valid_income_amounts(**{field: "0.01"})))
    assert str(getattr(kept.income.amounts, field)) == "0.01"

    error_at(income_with(amounts=valid_income_amounts(**{field: "0.001"})), ("income", "amounts", field))


def test_a_member_listed_twice_is_refused_at_the_second_naming_the_first():
    member_id = str(uuid.uuid4())
    head = valid_member(member_id=member_id)
    twin = valid_member(member_id=member_id, name="张德明", relation="son",
                        id_number=valid_id_number(date(1999, 1, 1), "male", serial=5))
    same_number = valid_member(name="张德", relation="son")
    errors = rejected(valid_visit_form(members=[head, twin, same_number]))

    assert [(e["loc"], e["type"], e["msg"], e["input"]) for e in errors] == [
        (("members", 1, "member_id"), "duplicate_member", "same member_id as members.0", uuid.UUID(member_id)),
        (("members", 2, "id_number"), "duplicate_member", "same id_number as members.0", head["id_number"]),
    ]


def test_a_removed_member_is_neither_on_the_form_nor_removed_twice():
    listed, gone = str(uuid.uuid4()), str(uuid.uuid4())
    form = valid_visit_form(members=[valid_member(member_id=listed)], removed_members=[
        {"member_id": gone, "reason": "2024年6月病故"},
        {"member_id": listed, "reason": "迁出"},
        {"member_id": gone, "reason": "重复"},
    ])
    errors = rejected(form)

    assert [(e["loc"], e["type"], e["msg"], e["input"]) for e in errors] == [
        (("removed_members", 1, "member_id"), "duplicate_member",
         "a member cannot be both on the form and removed", uuid.UUID(listed)),
        (("removed_members", 2, "member_id"), "duplicate_member", "removed more than once", uuid.UUID(gone)),
    ]
    kept = valid_visit_form(members=[valid_member(member_id=listed), valid_member(
        relation="son", name="张三", id_number=valid_id_number(date(1999, 1, 1), "male", serial=5))],
        removed_members=[{"member_id": gone, "reason": "2024年6月病故"}])
    assert [m.member_id for m in VisitForm.model_validate(kept).removed_members] == [uuid.UUID(gone)]


def test_property_counts_cannot_be_negative():
    shops = {"in_district": 1, "in_city_outside_district": 0, "outside_city": -1}

    error_at(coping_with(shops=shops), ("self_coping", "shops", "outside_city"))


def test_guarantees_are_all_required():
    guarantees = without(valid_guarantees(), "water_unsafe")

    form = valid_visit_form(guarantees=guarantees)

    assert error_at(form, ("guarantees", "water_unsafe"))["type"] == "missing"


@pytest.mark.parametrize(
    ("path", "form"),
    [
        (("surveyor_mood",), valid_visit_form(surveyor_mood="good")),
        (("risk", "severity"), risk_with(severity="high")),
        (("members", 0, "age"), valid_visit_form(members=[valid_member(age=52)])),
    ],
)
def test_unknown_fields_are_rejected(path, form):
    assert error_at(form, path)["type"] == "extra_forbidden"


# --- Full forms, normalisation and fingerprint ------------------------------------------------


def full_form(method: str) -> dict[str, Any]:
    """A monitored household with every optional part filled in."""
    return valid_visit_form(
        method=method,
        **{k: v for k, v in MONITORED_HOUSEHOLD.items() if k != "livestock"}
        | {"key_target_groups": ["new_serious_illness", "monitored"]},
        members=[
            valid_member(member_id=str(uuid.uuid4()), remarks="长期在外务工"),
            valid_member(
                id_number=valid_id_number(date(1950, 1, 20), "female", serial=2),
                name="周玉珍",
                relation="parent",
                labour_capacity="weak",
                weak_reason="over_60",
            ),
            valid_member(
                id_number=valid_id_number(date(1998, 7, 1), "male", serial=5),
                name="张志远",
                relation="son",
                labour_capacity="skilled",
                skilled_trade="other",
                trade_note="无人机驾驶员",
                months_in_household=6,
            ),
        ],
        income=valid_income(
            bracket=None,
            amounts=valid_income_amounts(),
            compliant_expenses={"education": "1500", "medical": "4200.5"},
            claim_income={"amount": "800"},
        ),
        self_coping=valid_self_coping(
            house_structure="other",
            house_structure_note="轻钢结构",
            commercial_flats={"in_district": 1, "in_city_outside_district": 0, "outside_city": 0},
            large_planting=True,
            planting_types=["herb", "grain"],
        ),
        livestock=valid_livestock(net_income_last_year="-350.5"),
        risk=valid_risk(
            has_risk=True,
            causes=["industry_failure", "natural_disaster", "illness"],
            disaster_type="冰雹",
            industry_failure_reason="price_drop",
        ),
    )


def test_full_home_visit_form():
    form = VisitForm.model_validate(
        full_form("home_visit")
        | {"home_visit": valid_home_visit(proxy_answer=True, proxy_name="张德华")}
    )

    assert form.method is VerificationMethod.HOME_VISIT
    assert form.home_visit.proxy_name == "张德华"
    assert form.online_inquiry is None and form.village_assessment is None
    assert form.members[2].skilled_trade is SkilledTrade.OTHER
    assert form.members[1].labour_capacity is LabourCapacity.WEAK
    assert form.livestock.net_income_last_year == Decimal("-350.50")
    assert form.risk.causes == [
        RiskCause.ILLNESS,
        RiskCause.NATURAL_DISASTER,
        RiskCause.INDUSTRY_FAILURE,
    ]


def test_full_online_inquiry_form_of_a_household_away():
    data = full_form("online_inquiry") | {"remote_reason": "whole_household_away"}

    form = VisitForm.model_validate(data)

    assert form.online_inquiry.contact_phone == "13812345678"
    assert form.remote_reason is RemoteVerificationReason.WHOLE_HOUSEHOLD_AWAY
    assert form.home_visit is None


def test_full_village_assessment_form():
    section = valid_village_assessment(assessors=["刘志强", "陈秀英", "黄建平"])
    data = full_form("village_assessment") | {
        "village_assessment": section,
        "remote_reason": "unable_to_communicate_proxy",
    }

    form = VisitForm.model_validate(data)

    assert form.village_assessment.assessors == ["刘志强", "陈秀英", "黄建平"]
    assert form.income.compliant_expenses.other == Decimal("0.00")


def test_values_are_normalised():
    number = valid_id_number(date(1988, 6, 30), "female", serial=0)
    assert number.endswith("X")
    data = valid_visit_form(
        method="online_inquiry",
        online_inquiry=valid_online_inquiry(contact_phone="138-1234 5678", contact_name=" 王小芳 "),
        household_kinds=["monitored", "poverty_alleviated"],
        risk_status="resolved",
        livestock=valid_livestock(),
        key_target_groups=["new_tekun", "low_income_group"],
        members=[valid_member(id_number=number.lower())],
        income=valid_income(bracket=None, amounts=valid_income_amounts(wage_income=9800.5)),
    )

    form = VisitForm.model_validate(data)

    assert form.members[0].id_number == number
    assert form.online_inquiry.contact_phone == "13812345678"
    assert form.online_inquiry.contact_name == "王小芳"
    assert form.household_kinds == [HouseholdKind.POVERTY_ALLEVIATED, HouseholdKind.MONITORED]
    assert form.key_target_groups == [KeyTargetGroup.LOW_INCOME_GROUP, KeyTargetGroup.NEW_TEKUN]
    assert str(form.income.amounts.wage_income) == "9800.50"


def test_gps_fixes_in_different_systems_compare_as_the_same_place():
    lat, lon = 29.8440, 106.0560
    gcj_lat, gcj_lon = wgs84_to_gcj02(lat, lon)
    raw = GpsFix.model_validate(valid_gps_fix(latitude=lat, longitude=lon))
    shifted = GpsFix.model_validate(
        valid_gps_fix(latitude=gcj_lat, longitude=gcj_lon, coordinate_system="gcj02")
    )

    assert raw.distance_m(shifted) < 0.01


def test_fingerprint_is_the_sha256_of_the_canonical_json_with_the_visit_time_in_utc():
    form = VisitForm.model_validate(full_form("home_visit") | {"visited_at": "2024-09-05T10:30:00+08:00"})
    dumped = form.model_dump(mode="json", exclude_none=True)
    content = dumped | {"visited_at": "2024-09-05T02:30:00+00:00"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert form.content_fingerprint() == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert form.legacy_content_fingerprint() == form.content_fingerprint()
    given = copy.deepcopy(dumped)
    assert form.content_fingerprint(given) == form.content_fingerprint()
    assert form.legacy_content_fingerprint(given) == form.legacy_content_fingerprint()
    assert given == dumped  # the caller's dump is not changed


def test_the_legacy_fingerprint_differs_only_where_the_standard_library_writes_a_number_otherwise():
    form = VisitForm.model_validate(full_form("home_visit"))
    dumped = form.model_dump(mode="json", exclude_none=True)
    tiny = dumped | {"home_visit": dumped["home_visit"] | {"note_weight": 0.00001}}
    plain = dumped | {"home_visit": dumped["home_visit"] | {"note_weight": 0.5}}
    assert form.content_fingerprint(plain) == form.legacy_content_fingerprint(plain)
    assert form.content_fingerprint(tiny) != form.legacy_content_fingerprint(tiny)  # 0.00001 against 1e-05
    canonical = json.dumps(form._canonical(tiny), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert form.legacy_content_fingerprint(tiny) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("change", "loc", "kind", "message"),
    [
        ({"household_kinds": ["general", "monitored"]}, ("household_kinds",), "general_combined",
         "general (一般农户) is neither poverty_alleviated nor monitored; it cannot be combined"),
        ({"key_target_groups": ["none", "monitored"]}, ("key_target_groups",), "none_combined",
         "none cannot be combined with another group"),
        ({"key_target_groups": ["monitored", "monitored"]}, ("key_target_groups",), "duplicate_choice",
         "lists monitored more than once"),
    ],
)
def test_list_rules_name_their_kind_and_say_what_is_wrong(change, loc, kind, message):
    error = error_at(valid_visit_form(**change), loc)

    assert (error["type"], error["msg"]) == (kind, message)


def test_a_form_without_a_head_or_with_two_names_them():
    no_head = error_at(member_with(relation="spouse") | {"members": [valid_member(relation="son")]}, ("members",))
    assert (no_head["type"], no_head["msg"]) == ("one_head", "exactly one member must be the head (户主), found 0")
    two = error_at(member_with(relation="head"), ("members",))
    assert two["msg"] == "exactly one member must be the head (户主), found 2 (张德明, 张小梅)"


def test_a_wrong_id_number_is_an_invalid_id_number_error():
    error = error_at(member_with(id_number=with_wrong_check_character(valid_id_number(date(1996, 2, 9)))),
                     ("members", 1, "id_number"))

    assert error["type"] == "invalid_id_number"


def test_field_errors_shared_with_other_models_are_raised_together_at_their_fields():
    from shared.domain.visit_form import raise_field_errors, risk_status_errors

    raise_field_errors("Household", [])  # nothing to raise
    errors = risk_status_errors(["monitored"], None) + [(("members", 0, "name"), "kind_b", "second")]
    with pytest.raises(ValidationError) as raised:
        raise_field_errors("Household", errors)

    assert raised.value.title == "Household"
    assert [(e["loc"], e["type"], e["msg"], e["input"]) for e in raised.value.errors()] == [
        (("risk_status",), "required_when", "required when household_kinds include monitored", None),
        (("members", 0, "name"), "kind_b", "second", None),
    ]
    assert risk_status_errors(["general"], "unresolved") == [
        (("risk_status",), "not_allowed_unless", "not allowed unless household_kinds include monitored")]
    assert risk_status_errors(["monitored"], "unresolved") == risk_status_errors(["general"], None) == []


def test_fingerprint_is_a_sha256_hex_digest_that_is_stable():
    data = full_form("home_visit")

    first = VisitForm.model_validate(data).content_fingerprint()
    again = VisitForm.model_validate(copy.deepcopy(data)).content_fingerprint()

    assert first == again
    assert len(first) == 64 and int(first, 16) >= 0


def test_fingerprint_ignores_how_the_same_content_is_written():
    data = full_form("home_visit")
    rewritten = copy.deepcopy(data) | {
        # Same instant, other offset; multi-selects in another order; equal amounts.
        "visited_at": "2024-09-05T02:30:00Z",
        "key_target_groups": ["monitored", "new_serious_illness"],
        "household_kinds": ["monitored", "poverty_alleviated"],
    }
    rewritten["income"]["amounts"]["production_income"] = "6200"
    rewritten = dict(reversed(list(rewritten.items())))

    assert (
        VisitForm.model_validate(rewritten).content_fingerprint()
        == VisitForm.model_validate(data).content_fingerprint()
    )


def test_a_form_survives_the_trip_through_an_event_unchanged():
    form = VisitForm.model_validate(full_form("online_inquiry"))

    carried = VisitForm.model_validate_json(form.model_dump_json())

    assert carried == form
    assert carried.content_fingerprint() == form.content_fingerprint()


@pytest.mark.parametrize(
    "change",
    [
        {"visited_at": "2024-09-05T10:31:00+08:00"},
        {"guarantees": valid_guarantees(dropout=True)},
        {"members": [valid_member(name="张德民")]},
        {"household_id": str(uuid.UUID(int=7))},
    ],
)
def test_fingerprint_changes_with_the_content(change):
    data = valid_visit_form()

    assert (
        VisitForm.model_validate(data | change).content_fingerprint()
        != VisitForm.model_validate(data).content_fingerprint()
    )


# --- plausible dates, readable names, ASCII amounts -------------------------------------------


@pytest.mark.parametrize(("section", "field", "builder"), [
    ("online_inquiry", "contact_date", valid_online_inquiry),
    ("village_assessment", "assessed_on", valid_village_assessment),
])
@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_date_outside_the_plausible_range_is_refused(section, field, builder, day):
    form = valid_visit_form(method=section, **{section: builder(**{field: day})})
    assert error_at(form, (section, field))["type"] == "date_out_of_range"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_visit_time_outside_the_plausible_range_is_refused(moment):
    assert error_at(valid_visit_form(visited_at=moment), ("visited_at",))["type"] == "date_out_of_range"


UNREADABLE_NAMES = ["\u200b\u200b", "\u202e\u202d", "\x00\x07", "\u2066\u2069", "\ufeff", "张\u202e三"]


@pytest.mark.parametrize("name", UNREADABLE_NAMES)
def test_a_name_without_a_visible_character_or_with_controls_is_refused_wherever_a_person_is_named(name):
    assert error_at(member_with(name=name), ("members", 1, "name"))["type"] == "unreadable_name"
    inquiry = valid_visit_form(method="online_inquiry", online_inquiry=valid_online_inquiry(contact_name=name))
    assert error_at(inquiry, ("online_inquiry", "contact_name"))["type"] == "unreadable_name"
    assessment = valid_visit_form(method="village_assessment",
                                  village_assessment=valid_village_assessment(assessors=["刘志强", name]))
    assert error_at(assessment, ("village_assessment", "assessors", 1))["type"] == "unreadable_name"
    proxy = valid_visit_form(home_visit=valid_home_visit(proxy_answer=True, proxy_name=name))
    assert error_at(proxy, ("home_visit", "proxy_name"))["type"] == "unreadable_name"


def test_names_of_every_script_and_with_a_middle_dot_are_accepted():
    for name in ("买买提·艾力", "阿依古丽", "Zhang San"):
        assert VisitForm.model_validate(member_with(name=name)).members[1].name == name


@pytest.mark.parametrize("field", ["production_income", "production_expense"])
def test_an_amount_in_full_width_digits_is_refused_naming_the_field(field):
    form = valid_visit_form(income=valid_income(bracket=None, amounts=valid_income_amounts(**{field: "１２３"})))
    assert error_at(form, ("income", "amounts", field))["type"] == "ascii_amount"


def test_a_household_declares_at_most_as_many_members_as_income_assesses():
    """A visit the income service would refuse is refused at the door, naming the list and its bound."""
    others = [valid_member(id_number=valid_id_number(date(1990, 1, 1) if i % 2 else date(1991, 2, 2), "male",
                                                     serial=i + 10), name=f"李{i}", relation="son")
              for i in range(MAX_MEMBERS)]
    error = error_at(valid_visit_form(members=[valid_member(), *others]), ("members",))
    assert error["type"] == "too_long" and str(MAX_MEMBERS) in error["msg"]
    assert VisitForm.model_validate(valid_visit_form(members=[valid_member(), *others[:MAX_MEMBERS - 1]]))
