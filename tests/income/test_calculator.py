"""人均纯收入 by 附件5: worked examples computed by hand, the lines, and the input checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.income.calculation.calculator import (
    RULES,
    bracket_assessment,
    calculate,
    classify_bracket,
    from_visit_amounts,
)
from services.income.calculation.domain_model import (
    ExcludedIncomeKind,
    ExclusionCategory,
    IncomeAssessment,
    IncomeDeclaration,
    IncomeSection,
    ProductionIncomeKind,
    PropertyIncomeKind,
    TransferIncomeKind,
    VisitSummary,
)
from shared.domain import visit_form
from shared.domain.enums import IncomeBracket
from shared.domain.rulesets import RuleSet, default_catalog
from shared.events.contracts import intake

D = Decimal


@pytest.fixture
def rules() -> RuleSet:
    return default_catalog().resolve(2024, "500151101001")


def declaration(**fields: Any) -> IncomeDeclaration:
    fields.setdefault("members", [{"member_id": "m1"}])
    return IncomeDeclaration.model_validate(fields)


def members(*months: int) -> list[dict[str, Any]]:
    return [{"member_id": f"m{index}", "months_in_household": m} for index, m in enumerate(months, 1)]


def line(assessment: IncomeAssessment, source: str):
    return next(line for line in assessment.breakdown if line.source == source)


def assert_sections_add_up(assessment: IncomeAssessment) -> None:
    """The breakdown is the whole story: its counted amounts rebuild every total."""
    def total(section: IncomeSection) -> Decimal:
        counted = [l.counted_amount for l in assessment.breakdown if l.section == section and l.counted]
        return sum(counted, D(0))

    assert total(IncomeSection.WAGE) == assessment.wage_income
    assert total(IncomeSection.PROPERTY) == assessment.property_income
    assert total(IncomeSection.TRANSFER) == assessment.transfer_income
    assert total(IncomeSection.PRODUCTION) == assessment.production_income
    assert total(IncomeSection.PRODUCTION_EXPENSE) == assessment.production_expense
    assert total(IncomeSection.COMPLIANT_EXPENSE) == assessment.compliant_expenses
    assert all(l.counted_amount == 0 for l in assessment.breakdown if not l.counted)
    assert all(l.rule in RULES and l.explanation for l in assessment.breakdown)


# --- worked examples ------------------------------------------------------------------------------


def test_example_farming_household_with_a_baby_born_mid_year(rules: RuleSet) -> None:
    # Three members all year and a baby born in month 7 of the income year (6 months):
    #   size = (12 + 12 + 12 + 6) / 12 = 42 / 12 = 3.5
    # wage      = forest ranger 6000                                     =  6000.00
    # property  = land transfer 600                                      =   600.00
    # transfer  = 低保 4800 + pension 1800                                =  6600.00
    # production= cash sales 8000 + own produce eaten 2000               = 10000.00
    # expense   = total 5000 − 先补后种 1000                               =  4000.00
    # net       = 6000 + 600 + 6600 + 10000 − 4000                       = 19200.00
    # per capita= 19200 / 3.5 = 5485.714… → 5485.71: within the monitoring range (≤ 8300), no
    #   bracket, and below 13032 so in the low-income group.
    # after compliant expenses (medical 2000): 17200 / 3.5 = 4914.2857… → 4914.29 (rounded up)
    assessment = calculate(declaration(
        members=[*members(12, 12, 12), {"name": "婴儿", "months_in_household": 6}],
        public_welfare_jobs=[{"post": "forest_ranger", "amount": "6000"}],
        property_items=[{"kind": "land_transfer", "amount": "600"}],
        transfer_items=[{"kind": "dibao", "amount": "4800"}, {"kind": "pension", "amount": "1800"}],
        production_items=[{"kind": "cash_sales", "industry": "柑橘", "amount": "8000"},
                          {"kind": "own_consumption", "amount": "2000"}],
        production_expense={"total": "5000", "earmarked_subsidies": [
            {"kind": "subsidy_before_planting", "amount": "1000"}]},
        compliant_expenses={"medical": "2000"},
    ), rules)

    assert (assessment.wage_income, assessment.property_income, assessment.transfer_income) == (
        D("6000.00"), D("600.00"), D("6600.00"))
    assert (assessment.production_income, assessment.production_expense) == (D("10000.00"), D("4000.00"))
    assert assessment.net_income == D("19200.00")
    assert (assessment.member_months, assessment.household_size) == (42, D("3.5"))
    assert assessment.per_capita_net_income == D("5485.71")
    assert assessment.per_capita_after_compliant_expenses == D("4914.29")
    assert assessment.bracket is None
    assert assessment.below_monitoring_line is True
    assert assessment.in_low_income_group is True
    assert assessment.ruleset_version == "2024.1"
    subsidy = line(assessment, "production_expense.earmarked_subsidies.0")
    assert (subsidy.counted_amount, subsidy.label) == (D("-1000.00"), "专项减支补贴（先补后种）")
    assert line(assessment, "production_items.0").label == "变现收入（柑橘）"
    assert (line(assessment, "property_items.0").counted_amount, line(assessment, "property_items.0").rule) == (
        D("600.00"), "property.land_transfer")
    assert (line(assessment, "transfer_items.1").counted_amount, line(assessment, "transfer_items.1").rule) == (
        D("1800.00"), "transfer.pension")
    assert assessment.household_members[3].member == "婴儿"
    assert_sections_add_up(assessment)


def test_example_migrant_worker_outside_the_province(rules: RuleSet) -> None:
    # Four members all year: size 4.
    # Husband works outside the province: wage 48000; food and lodging 9600, return travel 2400,
    #   a one-off travel subsidy of 1000 set off against them:
    #   costs = 9600 + 2400 − 1000 = 11000; net wage 48000 − 11000      = 37000.00
    #   (500 of in-kind pay is recorded, not counted; the subsidy is not income)
    # Wife works in the county near home: 18000, her 600 travel is not deducted = 18000.00
    # property = village collective dividend                               =   230.50
    # transfer = other regular (耕地地力补贴)                                =   412.40
    # net = 37000 + 18000 + 230.50 + 412.40                                = 55642.90
    # per capita = 55642.90 / 4 = 13910.725 → 13910.73 (half up; half-even would give .72)
    # bracket 12000_16000; not below the line; 13910.73 ≥ 13032: not in the low-income group.
    assessment = calculate(declaration(
        members=members(12, 12, 12, 12),
        other_wage_jobs=[
            {"place": "outside_province", "amount": "48000", "food_and_lodging_cost": "9600",
             "travel_cost": "2400", "one_off_travel_subsidy": "1000", "in_kind_pay": "500"},
            {"place": "in_county", "amount": "18000", "travel_cost": "600"},
        ],
        property_items=[{"kind": "village_collective_dividend", "amount": "230.50"}],
        transfer_items=[{"kind": "other_regular", "amount": "412.4"}],
    ), rules)

    assert assessment.wage_income == D("55000.00")
    assert assessment.net_income == D("55642.90")
    assert assessment.household_size == D("4")
    assert assessment.per_capita_net_income == D("13910.73")
    assert assessment.per_capita_after_compliant_expenses == D("13910.73")
    assert assessment.bracket is IncomeBracket.B_12000_16000
    assert assessment.below_monitoring_line is False
    assert assessment.in_low_income_group is False

    migrant = line(assessment, "other_wage_jobs.0")
    assert (migrant.amount, migrant.counted_amount, migrant.rule) == (
        D("48000.00"), D("37000.00"), "wage.net_of_employment_costs")
    assert "less employment costs 11000.00" in migrant.explanation
    subsidy = line(assessment, "other_wage_jobs.0.one_off_travel_subsidy")
    assert (subsidy.counted, subsidy.rule) == (False, "wage.travel_subsidy_offsets_costs")
    in_kind = line(assessment, "other_wage_jobs.0.in_kind_pay")
    assert (in_kind.counted, in_kind.rule, in_kind.label) == (False, "excluded.in_kind_wage", "实物类工资性报酬")
    near_home = line(assessment, "other_wage_jobs.1")
    assert (near_home.counted_amount, near_home.rule) == (D("18000.00"), "wage.in_county_no_cost_deduction")
    assert_sections_add_up(assessment)


def test_example_in_county_worker_far_from_home_with_windfalls_excluded(rules: RuleSet) -> None:
    # Head all year; a son who enlisted in month 4 and still shares income (counts 12 months);
    # a daughter who married out after 4 months: size = (12 + 12 + 4) / 12 = 28 / 12 = 2.3333…
    # Head works in the county far from home: 30000; travel 1500 deducted, the 3000 of food and
    #   lodging is not (in-county work deducts travel only)                = 28500.00
    # production = own vegetables eaten 1200; expense 800
    # lottery win 5000, demolition compensation 120000 and temporary relief 2000: never counted
    # net = 28500 + 1200 − 800                                             = 28900.00
    # per capita = 28900 × 12 / 28 = 12385.714… → 12385.71: bracket 12000_16000, above the
    #   line, below 13032 so in the low-income group.
    # after compliant expenses (education 3000): 25900 × 12 / 28           = 11100.00
    assessment = calculate(declaration(
        members=[{"member_id": "head"},
                 {"member_id": "son", "months_in_household": 3, "enlisted_sharing_income": True},
                 {"member_id": "daughter", "months_in_household": 4}],
        other_wage_jobs=[{"place": "in_county", "amount": "30000", "far_from_home": True,
                          "food_and_lodging_cost": "3000", "travel_cost": "1500"}],
        production_items=[{"kind": "own_consumption", "industry": "蔬菜", "amount": "1200"}],
        production_expense={"total": "800"},
        excluded_items=[{"kind": "lottery_win", "amount": "5000"},
                        {"kind": "demolition_compensation", "amount": "120000", "note": "旧房拆迁"},
                        {"kind": "temporary_relief", "amount": "2000"}],
        compliant_expenses={"education": "3000"},
    ), rules)

    assert (assessment.member_months, assessment.household_size) == (28, D("2.3333"))
    assert assessment.wage_income == D("28500.00")
    assert assessment.net_income == D("28900.00")
    assert assessment.per_capita_net_income == D("12385.71")
    assert assessment.per_capita_after_compliant_expenses == D("11100.00")
    assert assessment.bracket is IncomeBracket.B_12000_16000
    assert assessment.below_monitoring_line is False
    assert assessment.in_low_income_group is True
    assert line(assessment, "other_wage_jobs.0").rule == "wage.in_county_far_from_home_travel_only"
    son = assessment.household_members[1]
    assert (son.months_counted, son.rule) == (12, "household.enlisted_sharing_income")

    excluded = [l for l in assessment.breakdown if l.section == IncomeSection.EXCLUDED]
    assert [(l.label, l.amount, l.counted, l.rule) for l in excluded] == [
        ("彩票中奖", D("5000.00"), False, "excluded.lottery_win"),
        ("房屋拆迁补偿", D("120000.00"), False, "excluded.demolition_compensation"),
        ("临时救助金和救灾款", D("2000.00"), False, "excluded.temporary_relief"),
    ]
    assert "not income" in excluded[0].explanation
    assert_sections_add_up(assessment)


def test_example_from_the_visit_form_summary_amounts(rules: RuleSet) -> None:
    # A 3000 + B 6000 + C 4000 + D 200 − E 1000 = 12200 for 3 persons:
    # 12200 / 3 = 4066.666… → 4066.67; the 5000 insurance claim is shown, not counted.
    assessment = from_visit_amounts(
        {"production_income": "3000", "wage_income": "6000", "transfer_income": "4000", "property_income": "200",
         "production_expense": "1000"},
        members(12, 12, 12),
        rules,
        insurance_claim="5000",
    )

    assert assessment.net_income == D("12200.00")
    assert assessment.per_capita_net_income == D("4066.67")
    assert (assessment.bracket, assessment.below_monitoring_line, assessment.in_low_income_group) == (
        None, True, True)
    assert [l.item for l in assessment.breakdown] == ["A", "B", "C", "D", "E", "one_off_insurance_claim"]
    claim = line(assessment, "claim_income.amount")
    assert (claim.counted, claim.rule) == (False, "excluded.one_off_insurance_claim")
    assert_sections_add_up(assessment)


def test_visit_amounts_accept_field_names_and_compliant_expenses(rules: RuleSet) -> None:
    names = {"production_income": "0", "wage_income": "9000", "transfer_income": "0",
             "property_income": "0", "production_expense": "0"}
    # 9000 − 1000 of medical expense, for one person
    assessment = from_visit_amounts(names, members(12), rules, compliant_expenses={"medical": "1000"})

    assert assessment.per_capita_net_income == D("9000.00")
    assert assessment.per_capita_after_compliant_expenses == D("8000.00")
    assert assessment.bracket is IncomeBracket.B_8300_10000


VISIT_AMOUNTS = {"production_income": "3000", "wage_income": "6000", "transfer_income": "4000",
                 "property_income": "200", "production_expense": "1000"}
VISIT_EXPENSES = {"medical": "1000", "education": "500"}


def _income_summary(amounts: dict, expenses: dict) -> tuple[Any, Any]:
    """What the income service passes: the parts of the summary an assessment stores."""
    summary = VisitSummary.model_validate({"amounts": amounts, "members": members(12), "compliant_expenses": expenses})
    return summary.amounts, summary.compliant_expenses


def _visit_form(amounts: dict, expenses: dict) -> tuple[Any, Any]:
    """The visit form's own models: another schema with the same field names."""
    return visit_form.IncomeAmounts.model_validate(amounts), visit_form.CompliantExpenses.model_validate(expenses)


def _visit_event(amounts: dict, expenses: dict) -> tuple[Any, Any]:
    """The submitted visit event's copy of the form's models."""
    return intake.VisitIncomeAmounts.model_validate(amounts), intake.VisitCompliantExpenses.model_validate(expenses)


@pytest.mark.parametrize("schema", [_income_summary, _visit_form, _visit_event])
def test_visit_amounts_given_as_models_assess_as_the_same_mapping_would(rules: RuleSet, schema) -> None:
    amounts, expenses = schema(VISIT_AMOUNTS, VISIT_EXPENSES)
    as_models = from_visit_amounts(amounts, members(12, 12, 12), rules, compliant_expenses=expenses,
                                   insurance_claim="5000")
    as_mapping = from_visit_amounts(VISIT_AMOUNTS, members(12, 12, 12), rules, compliant_expenses=VISIT_EXPENSES,
                                    insurance_claim="5000")

    assert as_models == as_mapping
    # 12200 / 3 = 4066.67; 1500 of compliant expenses / 3 = 500 less
    assert (as_models.per_capita_net_income, as_models.per_capita_after_compliant_expenses) == (
        D("4066.67"), D("3566.67"))


# --- the line and the brackets --------------------------------------------------------------------


def pension_only(amount: str, persons: int) -> IncomeDeclaration:
    return declaration(members=members(*[12] * persons),
                       transfer_items=[{"kind": "pension", "amount": amount}])


def test_exactly_at_the_monitoring_line_is_not_above_it(rules: RuleSet) -> None:
    # 16600 / 2 = 8300.00: no bracket (the first starts above 8300), so within the monitoring range.
    at_line = calculate(pension_only("16600", 2), rules)
    assert at_line.per_capita_net_income == D("8300.00")
    assert (at_line.bracket, at_line.below_monitoring_line) == (None, True)

    # 16600.02 / 2 = 8300.01: above the line, first bracket.
    above = calculate(pension_only("16600.02", 2), rules)
    assert (above.bracket, above.below_monitoring_line) == (IncomeBracket.B_8300_10000, False)


def test_the_rounded_figure_is_what_is_compared(rules: RuleSet) -> None:
    # 24900.01 / 3 = 8300.0033… → 8300.00: not above the line.
    assessment = calculate(pension_only("24900.01", 3), rules)
    assert (assessment.per_capita_net_income, assessment.bracket) == (D("8300.00"), None)


def test_low_income_line_is_strict(rules: RuleSet) -> None:
    assert calculate(pension_only("13031.99", 1), rules).in_low_income_group is True
    assert calculate(pension_only("13032", 1), rules).in_low_income_group is False


@pytest.mark.parametrize(
    ("per_capita", "expected"),
    [
        ("0", None), ("8300", None), ("8300.01", IncomeBracket.B_8300_10000),
        ("10000", IncomeBracket.B_8300_10000), ("10000.01", IncomeBracket.B_10000_12000),
        ("12000", IncomeBracket.B_10000_12000), ("16000", IncomeBracket.B_12000_16000),
        ("20000", IncomeBracket.B_16000_20000), ("30000", IncomeBracket.B_20000_30000),
        ("30000.01", IncomeBracket.OVER_30000), ("-500", None),
    ],
)
def test_classify_bracket_upper_bounds_inclusive(rules: RuleSet, per_capita: str, expected) -> None:
    assert classify_bracket(rules, D(per_capita)) is expected


def test_thresholds_come_from_the_rule_set(rules: RuleSet) -> None:
    # The same household (9000 per person) under a rule set whose line is 9500 falls inside it.
    data = rules.model_dump()
    data.update(version="2024.2", monitoring_line="9500", low_income_line="8000")
    data["brackets"][0]["lower_exclusive"] = "9500"
    stricter = RuleSet.model_validate(data)

    assessment = calculate(pension_only("9000", 1), stricter)
    assert (assessment.bracket, assessment.below_monitoring_line) == (None, True)
    assert (assessment.in_low_income_group, assessment.ruleset_version) == (False, "2024.2")
    assert calculate(pension_only("9000", 1), rules).bracket is IncomeBracket.B_8300_10000


@pytest.mark.parametrize(
    ("bracket", "below_13000", "in_group", "certain"),
    [
        (IncomeBracket.B_8300_10000, None, True, True),
        (IncomeBracket.B_10000_12000, None, True, True),
        (IncomeBracket.B_12000_16000, True, True, True),  # below 13000, hence below 13032
        (IncomeBracket.B_12000_16000, False, False, False),  # 13000–13031.99 would be in: unknown
        (IncomeBracket.B_12000_16000, None, False, False),
        (IncomeBracket.B_16000_20000, None, False, True),
        (IncomeBracket.OVER_30000, None, False, True),
    ],
)
def test_bracket_only_visit(rules: RuleSet, bracket, below_13000, in_group, certain) -> None:
    result = bracket_assessment(rules, bracket, below_13000)

    assert result.bracket is bracket
    assert result.below_monitoring_line is False
    assert (result.in_low_income_group, result.low_income_group_certain) == (in_group, certain)
    assert ("approximation" in result.explanation) is not certain


def test_follow_up_question_only_on_its_bracket(rules: RuleSet) -> None:
    with pytest.raises(ValueError, match="only asked for bracket 12000_16000"):
        bracket_assessment(rules, IncomeBracket.B_10000_12000, True)


def test_follow_up_threshold_above_the_low_income_line_is_flagged() -> None:
    data = default_catalog().resolve(2024, "500151").model_dump()
    data.update(below_13000_threshold="13100")
    ruleset = RuleSet.model_validate(data)

    yes = bracket_assessment(ruleset, IncomeBracket.B_12000_16000, True)
    no = bracket_assessment(ruleset, IncomeBracket.B_12000_16000, False)
    assert (yes.in_low_income_group, yes.low_income_group_certain) == (True, False)
    assert (no.in_low_income_group, no.low_income_group_certain) == (False, True)


def with_lines(**fields: str) -> RuleSet:
    data = default_catalog().resolve(2024, "500151").model_dump()
    data.update(fields)
    return RuleSet.model_validate(data)


@pytest.mark.parametrize(
    ("fields", "bracket", "below", "in_group", "certain"),
    [
        # A bracket whose upper bound is the line itself holds the line, which is not below it.
        ({"low_income_line": "12000"}, IncomeBracket.B_10000_12000, None, False, False),
        ({"low_income_line": "12000.01"}, IncomeBracket.B_10000_12000, None, True, True),
        # A bracket starting just above the line (lower bound equal to it) is wholly not below it.
        ({"low_income_line": "12000"}, IncomeBracket.B_12000_16000, None, False, True),
        ({"low_income_line": "12000.01"}, IncomeBracket.B_12000_16000, None, False, False),
        # The follow-up threshold equal to the line answers the question either way.
        ({"low_income_line": "13000"}, IncomeBracket.B_12000_16000, True, True, True),
        ({"low_income_line": "13000"}, IncomeBracket.B_12000_16000, False, False, True),
        ({"low_income_line": "12999.99"}, IncomeBracket.B_12000_16000, True, True, False),
        ({"low_income_line": "13000.01"}, IncomeBracket.B_12000_16000, False, False, False),
    ],
)
def test_a_bracket_bound_or_threshold_equal_to_the_low_income_line(fields, bracket, below, in_group, certain):
    ruleset = with_lines(**fields)
    assert ruleset.below_13000_threshold == D("13000")

    result = bracket_assessment(ruleset, bracket, below)

    assert result.below_13000 is below
    assert (result.in_low_income_group, result.low_income_group_certain) == (in_group, certain)
    assert ("approximation" in result.explanation) is not certain
    assert result.explanation.endswith("(approximation).") is not certain


# --- wage rules -----------------------------------------------------------------------------------


def wage(rules: RuleSet, **job: Any) -> IncomeAssessment:
    return calculate(declaration(other_wage_jobs=[job]), rules)


def test_job_providing_food_and_lodging_deducts_travel_only(rules: RuleSet) -> None:
    # 20000 − travel 1000 = 19000; the 5000 of food and lodging is ignored.
    assessment = wage(rules, place="in_province_outside_county", amount="20000",
                      food_and_lodging_provided=True, food_and_lodging_cost="5000", travel_cost="1000")
    job = line(assessment, "other_wage_jobs.0")
    assert (job.counted_amount, job.rule) == (D("19000.00"), "wage.food_and_lodging_provided")


def test_travel_subsidy_above_costs_is_not_income(rules: RuleSet) -> None:
    # costs 500, subsidy 800: costs fall to 0, never below; the wage stays 20000.
    assessment = wage(rules, place="outside_province", amount="20000", travel_cost="500",
                      one_off_travel_subsidy="800")
    assert assessment.wage_income == D("20000.00")
    assert "500.00 of it offset" in line(assessment, "other_wage_jobs.0.one_off_travel_subsidy").explanation


def test_costs_above_the_wage_stop_at_zero(rules: RuleSet) -> None:
    assessment = wage(rules, place="outside_province", amount="1000", food_and_lodging_cost="2500",
                      travel_cost="500")
    job = line(assessment, "other_wage_jobs.0")
    assert (job.counted_amount, job.rule) == (D("0.00"), "wage.costs_capped_at_wage")


def test_earmarked_subsidies_never_push_the_expense_below_zero(rules: RuleSet) -> None:
    # total 500; subsidies 300 then 400: the second can only take 200 off.
    assessment = calculate(declaration(production_expense={"total": "500", "earmarked_subsidies": [
        {"kind": "subsidy_before_breeding", "amount": "300"},
        {"kind": "subsidy_before_building", "amount": "400"}]}), rules)
    assert assessment.production_expense == D("0.00")
    second = line(assessment, "production_expense.earmarked_subsidies.1")
    assert second.counted_amount == D("-200.00")
    assert "below zero" in second.explanation
    assert_sections_add_up(assessment)


def test_an_earmarked_subsidy_under_one_yuan_or_one_taking_the_last_of_the_expense_counts(rules: RuleSet) -> None:
    # total 300.50; subsidies 0.50, then 300, then 200 when nothing is left.
    assessment = calculate(declaration(production_expense={"total": "300.50", "earmarked_subsidies": [
        {"kind": "subsidy_before_breeding", "amount": "0.50"},
        {"kind": "subsidy_before_building", "amount": "300"},
        {"kind": "subsidy_before_planting", "amount": "200"}]}), rules)
    assert assessment.production_expense == D("0.00")
    small, last, none_left = (line(assessment, f"production_expense.earmarked_subsidies.{i}") for i in range(3))
    assert (small.counted_amount, small.counted, small.explanation.endswith("Reduces the expense by 0.50.")) == (
        D("-0.50"), True, True)
    assert (last.counted_amount, last.counted) == (D("-300.00"), True)
    assert last.explanation.endswith("Reduces the expense by 300.00.")
    assert (none_left.counted_amount, none_left.counted) == (D("0.00"), False)
    assert none_left.explanation.endswith("Reduces the expense by 0.00 of 200.00; the expense cannot fall below zero.")
    assert_sections_add_up(assessment)


# --- vocabulary -----------------------------------------------------------------------------------


def test_every_kind_has_a_rule_and_every_exclusion_a_category() -> None:
    for kind in PropertyIncomeKind:
        assert f"property.{kind.value}" in RULES
    for kind in TransferIncomeKind:
        assert f"transfer.{kind.value}" in RULES
    for kind in ProductionIncomeKind:
        assert f"production.{kind.value}" in RULES
    for kind in ExcludedIncomeKind:
        assert isinstance(kind.category, ExclusionCategory) and kind.rule in RULES
    assert ExcludedIncomeKind.LOTTERY_WIN.category is ExclusionCategory.NON_INCOME
    assert ExcludedIncomeKind.YULU_PLAN.label == "雨露计划补助"


# --- input checks ---------------------------------------------------------------------------------


def error_of(**fields: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        declaration(**fields)
    (error,) = caught.value.errors()
    return error


@pytest.mark.parametrize("household", [[], members(0, 0)])
def test_household_of_size_zero_is_refused(household: list[dict[str, Any]]) -> None:
    error = error_of(members=household)
    assert error["loc"] == ("members",)
    assert "household size is 0" in error["msg"]


def test_enlisted_member_alone_is_a_household(rules: RuleSet) -> None:
    recruit = {"member_id": "a", "months_in_household": 0, "enlisted_sharing_income": True}
    assessment = calculate(declaration(members=[recruit]), rules)
    assert (assessment.member_months, assessment.household_size) == (12, D("1"))


def test_member_needs_an_id_or_a_name_and_ids_are_unique() -> None:
    assert "member_id or a name" in error_of(members=[{"months_in_household": 12}])["msg"]
    assert "more than once" in error_of(members=[{"member_id": "a"}, {"member_id": "a"}])["msg"]
    assert error_of(members=members(13))["loc"] == ("members", 0, "months_in_household")


def test_negative_amount_names_the_field() -> None:
    with pytest.raises(ValidationError, match=r"other_wage_jobs\.0\.travel_cost"):
        declaration(other_wage_jobs=[{"place": "in_county", "amount": "100", "travel_cost": "-1"}])
    error = error_of(production_expense={"earmarked_subsidies": [{"kind": "other", "amount": "-0.01"}]})
    assert error["loc"] == ("production_expense", "earmarked_subsidies", 0, "amount")
    assert error["type"] == "greater_than_equal"


def test_three_decimal_places_are_refused() -> None:
    error = error_of(property_items=[{"kind": "house_rent", "amount": "1200.005"}])
    assert error["loc"] == ("property_items", 0, "amount")
    assert error["type"] == "decimal_max_places"


def test_an_amount_too_large_to_store_is_refused_not_crashed() -> None:
    # 3.2e101 has no decimal places yet cannot be held to the fen; it must be a field error.
    for huge in (3.162927411597821e101, "1E+20", "10000000000.00"):
        error = error_of(transfer_items=[{"kind": "pension", "amount": huge}])
        assert error["loc"] == ("transfer_items", 0, "amount")
        assert error["type"] in {"decimal_max_digits", "decimal_whole_digits"}


def test_unknown_kind_and_unknown_field_are_refused() -> None:
    assert error_of(excluded_items=[{"kind": "bonus", "amount": "1"}])["loc"] == ("excluded_items", 0, "kind")
    assert error_of(transfer_items=[{"kind": "dibao", "amount": "1", "x": 1}])["type"] == "extra_forbidden"


def test_visit_amounts_must_all_be_given(rules: RuleSet) -> None:
    four = {"production_income": "1", "wage_income": "1", "transfer_income": "1", "property_income": "1"}
    with pytest.raises(ValidationError) as caught:
        from_visit_amounts(four, members(12), rules)
    assert [e["loc"] for e in caught.value.errors()] == [("amounts", "production_expense")]
    with pytest.raises(ValidationError, match=r"amounts\.wage_income"):
        from_visit_amounts(four | {"wage_income": "1.234", "production_expense": "0"}, members(12), rules)
    with pytest.raises(ValidationError, match="household size is 0"):
        from_visit_amounts(four | {"production_expense": "0"}, [], rules)
