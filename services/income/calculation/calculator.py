"""Per-capita net income (人均纯收入) by 附件5, explained line by line; no database, no HTTP.

人均纯收入 = (wage + property + transfer + production income − production expense) ÷ household size,
where household size is the members' months in the household ÷ 12. That formula and its rounding
are :mod:`shared.domain.household_income`, which intake's screening of a visit uses too; this module
works out each section from the declared items and explains every line.

Definitions this module keeps, everywhere:

- The figures compared with the lines are the per-capita figures rounded to the fen.
- Above the monitoring line means strictly above it. The brackets the form offers start with an
  exclusive lower bound at the line ("8300元—1万元（含）"), so a figure of exactly 8300.00 is in no
  bracket: it is NOT above the line and is treated as within the monitoring range
  (``below_monitoring_line`` is true, ``bracket`` is None). The form's two branches, "above" with a
  bracket and "below" with amounts A–E, thus cover every figure: ``bracket is None`` exactly when
  ``below_monitoring_line``.
- Bracket upper bounds are inclusive: 10000.00 is in 8300_10000, 10000.01 in 10000_12000.
- The low-income group (低收入组) is a figure strictly below the low-income line: 13031.99 is in it,
  13032.00 is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel

from services.income.calculation.domain_model import (
    BracketAssessment,
    BreakdownLine,
    DeclaredCompliantExpenses,
    ExcludedIncomeKind,
    ExclusionCategory,
    HouseholdMember,
    IncomeAssessment,
    IncomeDeclaration,
    IncomeSection,
    MemberCount,
    VisitSummary,
    WageJob,
    WorkPlace,
)
from shared.domain.enums import IncomeBracket
from shared.domain.household_income import (
    household_months,
    household_size,
    member_months,
    net_income,
    per_capita_of_months,
)
from shared.domain.rulesets import BracketBounds, RuleSet

# The per-capita figures are the only rounded numbers, by the shared rule (shared.domain.household_income).
# Sums need no rounding, every amount having two places at most.
# Household size is shown to four places for people to read; the figures use exact member-months.
HOUSEHOLD_SIZE_DISPLAY_QUANTUM = Decimal("0.0001")

ZERO = Decimal("0.00")

_EXCLUSION_REASONS = {
    ExclusionCategory.EXPECTED: "Expected income not actually received in the income year is not counted.",
    ExclusionCategory.ONE_OFF_TEMPORARY: "One-off and temporary receipts are not counted.",
    ExclusionCategory.PAID_ON_BEHALF: (
        "Contributions the government or an employer pays or withholds on the household's behalf "
        "are not counted."
    ),
    ExclusionCategory.EARMARKED_SPENDING_SUBSIDY: (
        "Earmarked subsidies that lower the household's spending are not counted as income."
    ),
    ExclusionCategory.NON_INCOME: (
        "Windfalls that are not income, such as demolition compensation or lottery wins, are not counted."
    ),
    ExclusionCategory.OTHER: (
        "Work-study pay, internships or part-time work without a labour agreement, and in-kind wages "
        "are not counted."
    ),
}

RULES: dict[str, str] = {
    # How each member enters household size (家庭人口数).
    "household.months_in_household": (
        "A member counts for their months in the household in the income year, divided by 12."
    ),
    "household.enlisted_sharing_income": (
        "A member who enlisted or entered a military academy and still shares income and expenses "
        "counts for all 12 months."
    ),
    # 工资性收入
    "wage.public_welfare_job": "Cash pay from a public-welfare post counts in full as wage income.",
    "wage.net_of_employment_costs": (
        "Wage income outside the county counts net of necessary food, lodging and return travel costs."
    ),
    "wage.food_and_lodging_provided": (
        "The job provides food and lodging, so only return travel is deducted from the wage."
    ),
    "wage.in_county_no_cost_deduction": (
        "Wage income from work in the county counts without deducting any cost."
    ),
    "wage.in_county_far_from_home_travel_only": (
        "In-county work far from home deducts necessary travel only, never food or lodging."
    ),
    "wage.costs_capped_at_wage": (
        "Employment costs exceed the wage of this job; they offset this wage only, down to zero."
    ),
    "wage.travel_subsidy_offsets_costs": (
        "A one-off travel subsidy is set off against the employment costs and is not counted as income."
    ),
    # 财产性收入
    "property.land_transfer": "Payment for land-use rights transferred to others counts as property income.",
    "property.house_rent": "Rent from letting a house counts as property income.",
    "property.movable_rent": (
        "Rent from letting equipment, livestock or other movables counts as property income."
    ),
    "property.interest_dividends": (
        "Interest, dividends and other returns on financial assets count as property income."
    ),
    "property.household_solar": (
        "Income from a solar system vested in the household counts as property income."
    ),
    "property.land_compensation": (
        "The land-compensation part of an expropriation payment counts as property income."
    ),
    "property.patent": "Patent income counts as property income.",
    "property.village_collective_dividend": (
        "A dividend paid by the village collective economy counts as property income."
    ),
    "property.other": "Other returns on the household's own property count as property income.",
    # 转移性收入
    "transfer.dibao": "Minimum living allowance counts as transfer income.",
    "transfer.tekun": (
        "Support for a person in extreme difficulty counts as transfer income, with care allowance paid "
        "to the person or a household carer; care allowance paid to an institution or an outside carer "
        "does not."
    ),
    "transfer.pension": (
        "Pensions and retirement pay, old-age allowances included, count as transfer income."
    ),
    "transfer.family_planning": (
        "Family-planning reward and special-assistance payments count as transfer income."
    ),
    "transfer.ecological_compensation": "Ecological compensation counts as transfer income.",
    "transfer.employment_award": (
        "An employment award paid to the household or a member counts as transfer income."
    ),
    "transfer.industry_award": (
        "An industry award, award-in-lieu-of-subsidy included, counts as transfer income."
    ),
    "transfer.other_regular": (
        "Other regular transfers (disability allowances, direct farm subsidies, support from relatives, "
        "regular donations, dividends of projects not vested in the household, regular compensation) "
        "count as transfer income."
    ),
    # 生产经营性收入 and 生产经营性支出
    "production.cash_sales": "Cash actually received from production counts as production income.",
    "production.own_consumption": (
        "Own produce used, valued at local prices, counts as production income; produce put back into "
        "production must also be in the production expense."
    ),
    "production_expense.total": (
        "Total production expense as recorded: running costs, depreciation, taxes and contract fees."
    ),
    "production_expense.earmarked_subsidy": (
        "A subsidy earmarked to cut production costs reduces the production expense, never below zero, "
        "and is not income."
    ),
    # 合规自付支出
    "compliant_expense.after_net_income": (
        "A compliant self-paid expense leaves net income unchanged; it is deducted only in the per-capita "
        "figure after compliant expenses."
    ),
    "visit.summary_amount": (
        "Summary amount from the visit form, taken as already worked out under these rules."
    ),
    # 不计入收入项目: one code per kind, explained by its group.
    **{kind.rule: _EXCLUSION_REASONS[kind.category] for kind in ExcludedIncomeKind},
}
"""Every rule code a breakdown line may carry, with the sentence that explains it."""

_VISIT_SECTIONS = {
    "production_income": ("A", IncomeSection.PRODUCTION),
    "wage_income": ("B", IncomeSection.WAGE),
    "transfer_income": ("C", IncomeSection.TRANSFER),
    "property_income": ("D", IncomeSection.PROPERTY),
    "production_expense": ("E", IncomeSection.PRODUCTION_EXPENSE),
}


# --- public functions ---------------------------------------------------------------------------


def calculate(declaration: IncomeDeclaration, ruleset: RuleSet) -> IncomeAssessment:
    """Assess a household's 人均纯收入 from its itemised declaration under one rule set."""
    lines = [
        *_public_welfare_lines(declaration),
        *_other_wage_lines(declaration),
        *_kind_lines(IncomeSection.PROPERTY, "property", "property_items", declaration.property_items),
        *_kind_lines(IncomeSection.TRANSFER, "transfer", "transfer_items", declaration.transfer_items),
        *_production_lines(declaration),
        *_production_expense_lines(declaration),
        *_excluded_lines(declaration),
        *_compliant_expense_lines(declaration.compliant_expenses),
    ]
    return _assess(lines, declaration.members, ruleset)


def from_visit_amounts(
    a_e: Mapping[str, Any] | BaseModel,
    members: Sequence[HouseholdMember | Mapping[str, Any]],
    ruleset: RuleSet,
    *,
    compliant_expenses: Mapping[str, Any] | BaseModel | None = None,
    insurance_claim: Decimal | str | int = ZERO,
) -> IncomeAssessment:
    """Assess from the visit form's summary amounts A–E, under the form's names (``production_income``, …).

    A 生产经营性收入, B 工资性收入, C 转移性收入, D 财产性收入 and E 生产经营性支出 are taken as already
    net (costs deducted, excluded items left out). The form's insurance-claim amount (理赔收入) is
    shown as an excluded one-off claim: a regular compensation belongs in C. Models with the same
    field names (the visit form's own) are accepted as well as mappings.
    """
    visit = VisitSummary.model_validate(
        {
            "amounts": _as_data(a_e),
            "members": list(members),
            "compliant_expenses": _as_data(compliant_expenses) or {},
            "insurance_claim": insurance_claim,
        }
    )
    lines = [_visit_amount_line(name, getattr(visit.amounts, name)) for name in _VISIT_SECTIONS]
    if visit.insurance_claim:
        kind = ExcludedIncomeKind.ONE_OFF_INSURANCE_CLAIM
        lines.append(
            _line(IncomeSection.EXCLUDED, kind.value, "claim_income.amount", kind.label, visit.insurance_claim,
                  ZERO, kind.rule, counted=False)
        )
    lines += _compliant_expense_lines(visit.compliant_expenses)
    return _assess(lines, visit.members, ruleset)


def _as_data(value: Mapping[str, Any] | BaseModel | None) -> Mapping[str, Any] | None:
    # Another schema's model with the same field names arrives as its plain data.
    return value.model_dump() if isinstance(value, BaseModel) else value


def classify_bracket(ruleset: RuleSet, per_capita: Decimal) -> IncomeBracket | None:
    """The bracket holding a per-capita figure; None at or below the monitoring line."""
    # The rule set guarantees the brackets tile everything above the line with no overlap.
    for bounds in ruleset.brackets:
        if bounds.holds(per_capita):
            return bounds.code
    return None


def is_below_monitoring_line(ruleset: RuleSet, per_capita: Decimal) -> bool:
    """Within the monitoring range (监测范围): not above the line, the line itself included."""
    return per_capita <= ruleset.monitoring_line


def is_in_low_income_group(ruleset: RuleSet, per_capita: Decimal) -> bool:
    """低收入组: strictly below the low-income line."""
    return per_capita < ruleset.low_income_line


def bracket_assessment(
    ruleset: RuleSet, bracket: IncomeBracket, below_13000: bool | None = None
) -> BracketAssessment:
    """What a bracket ticked on the visit form implies, when the visit gives no exact figure.

    Every bracket lies above the monitoring line. The low-income group follows from the bracket
    when the bracket lies wholly below or wholly at/above the low-income line. On the bracket that
    straddles it, the form only asks whether the figure is below ``below_13000_threshold``, a
    stand-in for the low-income line: "yes" puts the household in the group (with 13000 under
    13032 that is exact); "no" or no answer keeps it out, an approximation, since a figure from
    13000.00 up to 13031.99 is in the group but the form cannot show it. ``low_income_group_certain``
    says which case applies.
    """
    bounds = ruleset.bounds(IncomeBracket(bracket))
    if below_13000 is not None and bounds.code != ruleset.follow_up_bracket.code:
        raise ValueError(
            f"below_13000 is only asked for bracket {ruleset.follow_up_bracket.code}, not {bounds.code}"
        )
    in_group, certain, why = _low_income_from_bracket(ruleset, bounds, below_13000)
    return BracketAssessment(
        ruleset_year=ruleset.year,
        ruleset_region=ruleset.region,
        ruleset_version=ruleset.version,
        bracket=bounds.code,
        below_13000=below_13000,
        below_monitoring_line=False,
        in_low_income_group=in_group,
        low_income_group_certain=certain,
        explanation=(
            f"Bracket {bounds.code.label} lies above the monitoring line {ruleset.monitoring_line}. {why}"
        ),
    )


def _low_income_from_bracket(
    ruleset: RuleSet, bounds: BracketBounds, below_threshold: bool | None
) -> tuple[bool, bool, str]:
    """(in the low-income group, whether that is certain, why) for a ticked bracket."""
    line, threshold = ruleset.low_income_line, ruleset.below_13000_threshold
    if bounds.upper_inclusive is not None and bounds.upper_inclusive < line:
        return True, True, f"The whole bracket is below the low-income line {line}: low-income group."
    if bounds.lower_exclusive >= line:
        return False, True, f"The whole bracket is above the low-income line {line}: not low-income group."
    if below_threshold is None:
        return False, False, (
            f"The bracket straddles the low-income line {line} and the follow-up question is unanswered; "
            "taken as not low-income group (approximation)."
        )
    if below_threshold:
        certain = threshold <= line
        return True, certain, (
            f"The figure is below {threshold}, "
            + (f"hence below the low-income line {line}: low-income group."
               if certain else f"taken as below the low-income line {line} (approximation).")
        )
    certain = threshold >= line
    return False, certain, (
        f"The figure is at least {threshold}, "
        + (f"hence not below the low-income line {line}." if certain else
           f"taken as not in the low-income group, though a figure from {threshold} to just under {line} "
           "would be; the form cannot tell (approximation).")
    )


# --- lines --------------------------------------------------------------------------------------


def _line(
    section: IncomeSection,
    item: str,
    source: str,
    label: str,
    amount: Decimal,
    counted_amount: Decimal,
    rule: str,
    figures: str = "",
    *,
    counted: bool = True,
) -> BreakdownLine:
    explanation = f"{RULES[rule]} {figures}".strip()
    return BreakdownLine(
        section=section, item=item, source=source, label=label, amount=amount,
        counted_amount=counted_amount, counted=counted, rule=rule, explanation=explanation,
    )


def _public_welfare_lines(declaration: IncomeDeclaration) -> list[BreakdownLine]:
    return [
        _line(IncomeSection.WAGE, job.post.value, f"public_welfare_jobs.{index}",
              f"公益性岗位收入（{job.post.label}）", job.amount, job.amount, "wage.public_welfare_job")
        for index, job in enumerate(declaration.public_welfare_jobs)
    ]


def _other_wage_lines(declaration: IncomeDeclaration) -> list[BreakdownLine]:
    jobs = enumerate(declaration.other_wage_jobs)
    return [line for index, job in jobs for line in _wage_job_lines(index, job)]


def _employment_costs(job: WageJob) -> tuple[Decimal, str, str]:
    """(deductible costs before the travel subsidy, rule, how they were made up)."""
    if job.place == WorkPlace.IN_COUNTY:
        if job.far_from_home:
            return job.travel_cost, "wage.in_county_far_from_home_travel_only", f"travel {job.travel_cost}"
        return ZERO, "wage.in_county_no_cost_deduction", "no cost deducted"
    if job.food_and_lodging_provided:
        return job.travel_cost, "wage.food_and_lodging_provided", f"travel {job.travel_cost}"
    costs = job.food_and_lodging_cost + job.travel_cost
    return costs, "wage.net_of_employment_costs", (
        f"food and lodging {job.food_and_lodging_cost} + travel {job.travel_cost}"
    )


def _wage_job_lines(index: int, job: WageJob) -> list[BreakdownLine]:
    source = f"other_wage_jobs.{index}"
    costs, rule, made_up = _employment_costs(job)
    offset = min(job.one_off_travel_subsidy, costs)
    deduction = costs - offset
    if job.one_off_travel_subsidy:
        made_up += f" − one-off travel subsidy {offset}"
    if deduction > job.amount:
        # 附件5 is silent on costs above the pay. Holding them to this job's wage keeps one
        # loss-making job from eating into other income, and the rule code makes it visible.
        rule, deduction = "wage.costs_capped_at_wage", job.amount
    net = job.amount - deduction
    figures = f"Cash wage {job.amount} less employment costs {deduction} ({made_up}) = {net}."
    lines = [_line(IncomeSection.WAGE, job.place.value, source, f"{job.place.label}工资性收入",
                   job.amount, net, rule, figures)]
    if job.one_off_travel_subsidy:
        lines.append(_line(
            IncomeSection.WAGE, "one_off_travel_subsidy", f"{source}.one_off_travel_subsidy",
            "一次性往返交通补助", job.one_off_travel_subsidy, ZERO, "wage.travel_subsidy_offsets_costs",
            f"{offset} of it offset the costs.", counted=False,
        ))
    if job.in_kind_pay:
        kind = ExcludedIncomeKind.IN_KIND_WAGE
        lines.append(_line(IncomeSection.WAGE, "in_kind_pay", f"{source}.in_kind_pay", kind.label,
                           job.in_kind_pay, ZERO, kind.rule, counted=False))
    return lines


def _kind_lines(
    section: IncomeSection,
    rule_prefix: str,
    field: str,
    items: Iterable[Any],
) -> list[BreakdownLine]:
    """Items that count in full, one rule per kind (property and transfer income)."""
    return [
        _line(section, item.kind.value, f"{field}.{index}", item.kind.label, item.amount, item.amount,
              f"{rule_prefix}.{item.kind.value}")
        for index, item in enumerate(items)
    ]


def _production_lines(declaration: IncomeDeclaration) -> list[BreakdownLine]:
    lines = []
    for index, item in enumerate(declaration.production_items):
        label = item.kind.label + (f"（{item.industry}）" if item.industry else "")
        lines.append(_line(IncomeSection.PRODUCTION, item.kind.value, f"production_items.{index}", label,
                           item.amount, item.amount, f"production.{item.kind.value}"))
    return lines


def _production_expense_lines(declaration: IncomeDeclaration) -> list[BreakdownLine]:
    expense = declaration.production_expense
    section = IncomeSection.PRODUCTION_EXPENSE
    lines = [_line(section, "total", "production_expense.total", "生产经营性支出（合计）",
                   expense.total, expense.total, "production_expense.total")]
    remaining = expense.total
    for index, subsidy in enumerate(expense.earmarked_subsidies):
        applied = min(subsidy.amount, remaining)
        remaining -= applied
        figures = f"Reduces the expense by {applied}" + (
            f" of {subsidy.amount}; the expense cannot fall below zero." if applied < subsidy.amount else "."
        )
        lines.append(_line(section, subsidy.kind.value, f"production_expense.earmarked_subsidies.{index}",
                           f"专项减支补贴（{subsidy.kind.label}）", subsidy.amount, -applied,
                           "production_expense.earmarked_subsidy", figures, counted=applied > 0))
    return lines


def _excluded_lines(declaration: IncomeDeclaration) -> list[BreakdownLine]:
    return [
        _line(IncomeSection.EXCLUDED, item.kind.value, f"excluded_items.{index}", item.kind.label,
              item.amount, ZERO, item.kind.rule, f"({item.kind.category.label})", counted=False)
        for index, item in enumerate(declaration.excluded_items)
    ]


_COMPLIANT_LABELS = {"education": "教育费用", "medical": "医疗费用", "other": "其他费用"}


def _compliant_expense_lines(expenses: DeclaredCompliantExpenses) -> list[BreakdownLine]:
    return [
        _line(IncomeSection.COMPLIANT_EXPENSE, name, f"compliant_expenses.{name}",
              f"合规自付支出（{label}）", getattr(expenses, name), getattr(expenses, name),
              "compliant_expense.after_net_income")
        for name, label in _COMPLIANT_LABELS.items()
        if getattr(expenses, name)
    ]


def _visit_amount_line(name: str, amount: Decimal) -> BreakdownLine:
    letter, section = _VISIT_SECTIONS[name]
    return _line(section, letter, f"amounts.{name}", f"{letter}.{section.label}", amount, amount,
                 "visit.summary_amount")


# --- totals -------------------------------------------------------------------------------------


def _section_total(lines: Iterable[BreakdownLine], section: IncomeSection) -> Decimal:
    return sum((line.counted_amount for line in lines if line.section == section and line.counted), ZERO)


def _member_counts(members: Iterable[HouseholdMember]) -> list[MemberCount]:
    return [
        MemberCount(
            member=member.reference,
            months_in_household=member.months_in_household,
            months_counted=member_months(member),
            rule="household.enlisted_sharing_income" if member.enlisted_sharing_income
            else "household.months_in_household",
        )
        for member in members
    ]


def _assess(lines: list[BreakdownLine], members: list[HouseholdMember], ruleset: RuleSet) -> IncomeAssessment:
    totals = {section: _section_total(lines, section) for section in IncomeSection}
    net = net_income(
        wage_income=totals[IncomeSection.WAGE], property_income=totals[IncomeSection.PROPERTY],
        transfer_income=totals[IncomeSection.TRANSFER], production_income=totals[IncomeSection.PRODUCTION],
        production_expense=totals[IncomeSection.PRODUCTION_EXPENSE],
    )
    months = household_months(members)
    per_capita = per_capita_of_months(net, months)
    compliant = totals[IncomeSection.COMPLIANT_EXPENSE]
    return IncomeAssessment(
        ruleset_year=ruleset.year,
        ruleset_region=ruleset.region,
        ruleset_version=ruleset.version,
        monitoring_line=ruleset.monitoring_line,
        low_income_line=ruleset.low_income_line,
        wage_income=totals[IncomeSection.WAGE],
        property_income=totals[IncomeSection.PROPERTY],
        transfer_income=totals[IncomeSection.TRANSFER],
        production_income=totals[IncomeSection.PRODUCTION],
        production_expense=totals[IncomeSection.PRODUCTION_EXPENSE],
        net_income=net,
        compliant_expenses=compliant,
        member_months=months,
        household_size=household_size(members).quantize(HOUSEHOLD_SIZE_DISPLAY_QUANTUM, rounding=ROUND_HALF_UP),
        per_capita_net_income=per_capita,
        per_capita_after_compliant_expenses=per_capita_of_months(net - compliant, months),
        bracket=classify_bracket(ruleset, per_capita),
        below_monitoring_line=is_below_monitoring_line(ruleset, per_capita),
        in_low_income_group=is_in_low_income_group(ruleset, per_capita),
        household_members=_member_counts(members),
        breakdown=lines,
    )
