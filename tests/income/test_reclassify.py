"""Classifying stored assessments again under another rule-set version (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.income.calculation.calculator import from_visit_amounts
from services.income.calculation.domain_model import IncomeClass
from services.income.calculation.reclassify import (
    bracket_range,
    classify_figures,
    reclassify_bracket,
)
from shared.domain.enums import IncomeBracket
from shared.domain.rulesets import RuleSet, default_catalog
from tests.factories.income import raised_2024

D = Decimal


@pytest.fixture
def old() -> RuleSet:
    return default_catalog().resolve(2024, "500151108201")


@pytest.fixture
def new() -> RuleSet:
    return RuleSet.model_validate(raised_2024(monitoring_line="9000", low_income_line="14000"))


@pytest.mark.parametrize(
    ("bracket", "below_13000", "expected"),
    [
        ("8300_10000", None, (D("8300.01"), D("10000"))),
        ("12000_16000", True, (D("12000.01"), D("12999.99"))),
        ("12000_16000", False, (D("13000"), D("16000"))),
        ("over_30000", None, (D("30000.01"), None)),
    ],
)
def test_a_ticked_bracket_is_a_range_to_the_fen(old, bracket, below_13000, expected):
    assert bracket_range(old, IncomeBracket(bracket), below_13000) == expected


@pytest.mark.parametrize(
    ("bracket", "below_13000", "previous", "below", "in_group", "certain"),
    [
        # (8300.01, 10000] against 9000: straddles, the previous "above" stands; wholly under 14000.
        ("8300_10000", None, (False, True), False, True, False),
        # (10000.01, 12000] is wholly above 9000 and under 14000.
        ("10000_12000", None, (False, True), False, True, True),
        # [13000, 16000] straddles 14000: the previous answer (not low-income) stands.
        ("12000_16000", False, (False, False), False, False, False),
        # [12000.01, 12999.99] is wholly under 14000.
        ("12000_16000", True, (False, True), False, True, True),
        ("over_30000", None, (False, False), False, False, True),
    ],
)
def test_reclassifying_a_bracket(old, new, bracket, below_13000, previous, below, in_group, certain):
    result = reclassify_bracket(old, new, bracket=IncomeBracket(bracket), below_13000=below_13000,
                                previous_below=previous[0], previous_in_group=previous[1])

    assert (result.below_monitoring_line, result.in_low_income_group, result.certain) == (below, in_group, certain)
    assert result.bracket == IncomeBracket(bracket)
    assert ("cannot tell" in result.explanation) is (not certain)


def test_a_bracket_wholly_at_or_under_a_raised_line_is_within_the_range(old):
    raised = RuleSet.model_validate(raised_2024(monitoring_line="10000", brackets=[
        {"code": "8300_10000", "lower_exclusive": "10000", "upper_inclusive": "10500"},
        {"code": "over_30000", "lower_exclusive": "10500", "upper_inclusive": None}], below_13000_threshold="13000"))

    result = reclassify_bracket(old, raised, bracket=IncomeBracket.B_8300_10000, below_13000=None,
                                previous_below=False, previous_in_group=True)

    assert (result.below_monitoring_line, result.certain) == (True, True)
    assert result.income_class == IncomeClass.BELOW_MONITORING_LINE
    assert "at or under the monitoring line 10000.00" in result.explanation


def test_figures_are_classified_as_the_full_computation_classifies_them(old, new):
    full = from_visit_amounts({"production_income": "6200", "wage_income": "3000", "transfer_income": "900",
                               "property_income": "0", "production_expense": "1000"},
                              [{"member_id": "a"}], new, compliant_expenses={"medical": "700"})

    figures = classify_figures(new, net_income=D("9100.00"), compliant_expenses=D("700.00"), member_months=12)

    assert figures.per_capita_net_income == full.per_capita_net_income == D("9100.00")
    assert figures.per_capita_after_compliant_expenses == full.per_capita_after_compliant_expenses
    assert figures.classification.bracket == full.bracket
    assert figures.classification.below_monitoring_line == full.below_monitoring_line is False
    assert figures.classification.in_low_income_group == full.in_low_income_group is True


@pytest.mark.parametrize(
    ("below", "in_group", "expected"),
    [
        (True, True, IncomeClass.BELOW_MONITORING_LINE),
        (True, False, IncomeClass.BELOW_MONITORING_LINE_NOT_LOW_INCOME),
        (False, True, IncomeClass.LOW_INCOME_GROUP),
        (False, False, IncomeClass.ABOVE_LOW_INCOME_LINE),
    ],
)
def test_income_class_follows_both_flags(below, in_group, expected):
    assert IncomeClass.of(below, in_group) is expected
