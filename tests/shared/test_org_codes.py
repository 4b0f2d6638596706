"""Org codes: levels, prefixes, parents and coverage, read from the code alone."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shared.domain.org_codes import (
    OrgCode,
    OrgLevel,
    OrgPrefix,
    code_of_prefix,
    covers,
    escalation_target,
    is_org_code,
    is_region,
    level_prefix,
    org_level,
    org_prefix,
    parent_code,
)

DISTRICT, TOWNSHIP, VILLAGE = "500151000000", "500151108000", "500151108201"


@pytest.mark.parametrize(("code", "prefix", "level"), [
    (DISTRICT, "500151", OrgLevel.DISTRICT),
    (TOWNSHIP, "500151108", OrgLevel.TOWNSHIP),
    (VILLAGE, "500151108201", OrgLevel.VILLAGE),
    ("500151108200", "500151108200", OrgLevel.VILLAGE),  # village 200 of the township, not a township
])
def test_org_prefix_and_level(code, prefix, level):
    assert org_prefix(code) == prefix
    assert org_level(code) == level


def test_parent_codes_follow_the_code_structure():
    assert parent_code(VILLAGE) == TOWNSHIP
    assert parent_code(TOWNSHIP) == DISTRICT
    assert parent_code(DISTRICT) is None


def test_overdue_work_escalates_village_to_township_to_district():
    assert escalation_target(VILLAGE) == TOWNSHIP
    assert escalation_target(TOWNSHIP) == DISTRICT
    assert escalation_target(DISTRICT) is None


def test_the_prefix_of_a_level():
    assert level_prefix(VILLAGE, OrgLevel.DISTRICT) == "500151"
    assert level_prefix(VILLAGE, OrgLevel.TOWNSHIP) == "500151108"
    assert level_prefix(VILLAGE, OrgLevel.VILLAGE) == VILLAGE
    with pytest.raises(ValueError, match="township; it has no village"):
        level_prefix(TOWNSHIP, OrgLevel.VILLAGE)


def test_a_prefix_stands_for_its_code():
    assert code_of_prefix("500151") == DISTRICT
    assert code_of_prefix("500151108") == TOWNSHIP
    assert code_of_prefix(VILLAGE) == VILLAGE


@pytest.mark.parametrize(("outer", "inner", "expected"), [
    (DISTRICT, VILLAGE, True),
    (DISTRICT, TOWNSHIP, True),
    (TOWNSHIP, VILLAGE, True),
    (VILLAGE, VILLAGE, True),
    (TOWNSHIP, "500151109001", False),  # a village of the next township
    (VILLAGE, TOWNSHIP, False),
    (TOWNSHIP, DISTRICT, False),
    (DISTRICT, "500151", True),  # a prefix (a rule set's region) at the district itself
    (DISTRICT, "", False),  # the nationwide region is above the district
])
def test_a_unit_covers_what_lies_at_or_under_it(outer, inner, expected):
    assert covers(outer, inner) is expected


class _Code(BaseModel):
    code: OrgCode


class _Prefix(BaseModel):
    prefix: OrgPrefix


@pytest.mark.parametrize("value", ["50015110820", "5001511082011", "50015110820X", "５00151108201", "500151108２01",
                                   ""])
def test_an_org_code_is_12_ascii_digits(value):
    assert not is_org_code(value)
    with pytest.raises(ValidationError):
        _Code(code=value)
    with pytest.raises(ValueError, match="12 digits"):
        org_level(value)


def test_only_a_string_is_an_org_code():
    assert is_org_code(VILLAGE)
    assert not is_org_code(None) and not is_org_code(500151108201)


def test_the_api_types_take_ascii_digits_only():
    assert _Code(code=VILLAGE).code == VILLAGE
    assert [_Prefix(prefix=p).prefix for p in ("500151", "500151108", VILLAGE)] == ["500151", "500151108", VILLAGE]
    for bad in ("5001511", "５00151", "50015"):
        with pytest.raises(ValidationError):
            _Prefix(prefix=bad)


@pytest.mark.parametrize(("region", "expected"), [
    ("", True), ("50", True), ("5001", True), ("500151", True), ("500151108", True), (VILLAGE, True),
    ("5", False), ("50015", False), ("5001511080", False), ("50015a", False), ("５00151", False),
])
def test_a_region_is_a_prefix_at_a_level(region, expected):
    assert is_region(region) is expected
