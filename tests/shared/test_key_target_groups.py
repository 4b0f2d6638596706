"""10类重点对象: ``none`` stands alone, by one rule wherever the groups are taken."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from services.intake.households.schemas import HouseholdCreate, HouseholdUpdate
from services.intake.imports.rows import parse_row
from shared.domain.enums import KeyTargetGroup
from shared.domain.visit_form import KeyTargetGroups, VisitForm
from tests.factories.intake import household_payload
from tests.factories.visit_forms import valid_visit_form

GROUPS = TypeAdapter(KeyTargetGroups)
RULE = "none cannot be combined with another group"


def test_groups_are_taken_once_each_in_declaration_order():
    assert GROUPS.validate_python(["new_serious_illness", "new_dibao"]) == [
        KeyTargetGroup.NEW_DIBAO, KeyTargetGroup.NEW_SERIOUS_ILLNESS]
    assert GROUPS.validate_python(["none"]) == [KeyTargetGroup.NONE]
    with pytest.raises(ValidationError, match="lists new_dibao more than once"):
        GROUPS.validate_python(["new_dibao", "new_dibao"])


@pytest.mark.parametrize("groups", [["none", "new_dibao"], ["monitored", "none"]])
def test_none_cannot_be_combined_with_a_group(groups):
    with pytest.raises(ValidationError) as caught:
        GROUPS.validate_python(groups)
    assert [(e["type"], e["msg"]) for e in caught.value.errors()] == [("none_combined", RULE)]


def _only_error(model, data) -> tuple:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    (error,) = caught.value.errors()
    return error["loc"], error["type"], error["msg"]


def test_the_visit_form_and_the_register_refuse_it_alike():
    groups = ["none", "new_dibao"]
    assert _only_error(VisitForm, valid_visit_form(key_target_groups=groups)) == (
        ("key_target_groups",), "none_combined", RULE)
    assert _only_error(HouseholdCreate, household_payload(key_target_groups=groups)) == (
        ("key_target_groups",), "none_combined", RULE)
    assert _only_error(HouseholdUpdate, {"key_target_groups": groups}) == (
        ("key_target_groups",), "none_combined", RULE)


def test_an_import_row_is_refused_by_the_same_rule():
    cells = {"village_code": "500151108201", "household_number": "H1", "household_kinds": "一般农户",
             "key_target_groups": "均无以上情形、本年新增低保对象户", "name": "张德明"}
    assert f"重点对象 (key_target_groups): {RULE}" in parse_row(2, cells).household_errors
    cells["key_target_groups"] = "本年新增低保对象户"
    assert parse_row(2, cells).household_errors == []
