"""附件5's household size and per-capita figure, and intake and income agreeing on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.income.calculation.calculator import from_visit_amounts
from services.income.calculation.domain_model import HouseholdMember
from services.intake.visits.findings import screened_per_capita
from shared.domain.household_income import (
    EmptyHousehold,
    MemberMonths,
    household_months,
    household_size,
    member_months,
    net_income,
    per_capita,
    per_capita_of_months,
)
from shared.domain.rulesets import default_catalog
from shared.domain.visit_form import IncomeAmounts

D = Decimal


def test_a_member_counts_for_their_months_in_the_household():
    assert [member_months(MemberMonths(months)) for months in (12, 7, 0)] == [12, 7, 0]


@pytest.mark.parametrize("months", [0, 3, 12])
def test_an_enlisted_member_sharing_income_counts_all_year(months):
    assert member_months(MemberMonths(months, enlisted_sharing_income=True)) == 12


def test_household_size_is_member_months_over_twelve():
    household = [MemberMonths(12), MemberMonths(6), MemberMonths(0, enlisted_sharing_income=True), MemberMonths(0)]
    assert household_months(household) == 30
    assert household_size(household) == D("2.5")
    assert household_size([MemberMonths(12), MemberMonths(7)]).quantize(D("0.0001")) == D("1.5833")


def test_net_income_is_the_four_incomes_less_the_production_expense():
    assert net_income(wage_income=D("9800.50"), property_income=D("0"), transfer_income=D("3120"),
                      production_income=D("6200"), production_expense=D("2100")) == D("17020.50")
    assert net_income(wage_income=D("0"), property_income=D("0"), transfer_income=D("0"),
                      production_income=D("100"), production_expense=D("400")) == D("-300")


@pytest.mark.parametrize(("net", "months", "expected"), [
    (D("17020.50"), 24, D("8510.25")),
    (D("17020.50"), 18, D("11347.00")),
    (D("10000"), 36, D("3333.33")),
    (D("20000"), 36, D("6666.67")),
    (D("0.05"), 24, D("0.03")),  # 0.025 exactly: half rounds up
    (D("-0.05"), 24, D("-0.03")),  # and away from zero below it
    (D("0.01"), 24, D("0.01")),  # 0.005: half a fen up, never to 0
    (D("-0.01"), 24, D("-0.01")),
    (D("0.01"), 36, D("0.00")),  # 0.00333…, never "-0.00" either
    (D("-0.01"), 36, D("0.00")),
])
def test_per_capita_is_rounded_once_to_the_fen_half_up(net, months, expected):
    figure = per_capita_of_months(net, months)
    assert figure == expected and str(figure) == str(expected)


def test_per_capita_uses_exact_member_months_not_a_rounded_size():
    # 7 + 12 months is a size of 1.58333…; 1.5833 people would give 6316.55 instead.
    assert per_capita(D("10001"), [MemberMonths(12), MemberMonths(7)]) == D("6316.42")


def test_no_per_capita_figure_for_a_household_of_no_months():
    with pytest.raises(EmptyHousehold, match="household size is 0"):
        per_capita(D("1000"), [MemberMonths(0), MemberMonths(0)])
    with pytest.raises(EmptyHousehold):
        per_capita(D("1000"), [])


# --- intake's screening and income's computation name the same figure ------------------------------


def test_intake_screening_and_income_give_the_same_figure_for_an_enlisted_member():
    """A head at home all year and a son who enlisted (0 months at home) and still shares income."""
    amounts = {"production_income": "3000.00", "wage_income": "9000.00", "transfer_income": "1000.00",
               "property_income": "0.00", "production_expense": "500.00"}  # 12500.00 net
    members = [("head", 12, False), ("son", 0, True)]

    screened = screened_per_capita(IncomeAmounts.model_validate(amounts),
                                   [MemberMonths(months, enlisted) for _, months, enlisted in members])
    assessed = from_visit_amounts(
        amounts,
        [HouseholdMember(member_id=name, months_in_household=months, enlisted_sharing_income=enlisted)
         for name, months, enlisted in members],
        default_catalog().resolve(2024, "500151108201"),
    )

    assert screened == assessed.per_capita_net_income == D("6250.00")
    assert assessed.below_monitoring_line


@pytest.mark.parametrize("months", [(12,), (12, 12, 5), (12, 3, 0), (7, 7, 7)])
def test_intake_screening_and_income_agree_on_months_in_household(months):
    amounts = {"production_income": "4321.07", "wage_income": "10000.01", "transfer_income": "777.77",
               "property_income": "12.34", "production_expense": "1000.00"}
    screened = screened_per_capita(IncomeAmounts.model_validate(amounts), [MemberMonths(m) for m in months])
    assessed = from_visit_amounts(amounts, [HouseholdMember(member_id=f"m{i}", months_in_household=m)
                                            for i, m in enumerate(months)],
                                  default_catalog().resolve(2024, "500151108201"))
    assert screened == assessed.per_capita_net_income
