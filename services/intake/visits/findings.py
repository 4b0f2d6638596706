"""Data-quality findings (数据质量问题) of a visit: contradictions recorded, never refused.

Each finding names the form field it concerns (``members.2.labour_capacity``,
``home_visit.gps.accuracy_m``) so the suspected-problem ledger can point a cadre at it.

- Labour capacity against the age from the ID number, on the visit date (domain §1):
  普通/丧失劳动力 are for ages 16-60; 技能劳动力 needs working age (16 or over); 弱劳动力 is under 60
  only through illness or disability and never under 16; 无劳动力 is for under 16 or 60 and over.
  Age 60 is accepted on both sides of the line because "60岁" and "60岁以上" overlap in the plan.
- A key-target household (any of the 10 groups on the form or on record, or a monitoring object)
  checked by other than a home visit without ``remote_reason`` (举家外出 / 代答).
- A home visit's fix: accuracy worse than the limit, a mock location, or farther than the
  limit's distance from the household's last known position (all compared in WGS-84).
- Income: a ticked bracket (judged above the monitoring line) while the household's previous
  visit recorded amounts A-E that, over this visit's household size, compute at or below the line;
  and amounts A-E (judged below) that compute above it. The form never holds both branches, so
  the previous visit is the honest source of the contradiction the campaign asks about. The
  per-capita figure is 附件5's, from :mod:`shared.domain.household_income`, so it is the figure the
  income service will compute for the same amounts (an enlisted member sharing income counts 12
  months).

- Members: registered members neither on the form nor removed by it (``members_not_verified``):
  the form is filled after verifying every member, so the township must see who was skipped.
- Signals a "no risk" judgement must not swallow (将所有问题线索纳入疑似问题核实台账): a failed
  guarantee or unsafe water (``guarantee_failed_without_risk``, one per answer), and income judged
  below the monitoring line (``income_below_line_without_risk``). The judgement stays the cadre's;
  the finding makes the ledger verify it.
- Time: a visit time ahead of the server's clock by more than the skew allowance
  (``device_clock_ahead``), kept because offline phones drift, refused only beyond a limit.

The monitoring line and the GPS limits are rule-set data (:mod:`shared.domain.rulesets`): those of the rule
set whose income year (收入年度) contains the visit's date, for the household's org code — the rule
set the income service assesses the visit under, among the packaged versions and those income
announced (``services.intake.rulesets``) — unless the deployment overrides a figure. When
no rule set covers the date, the checks lacking a figure are skipped and a ``no_rule_set`` finding
names the date, so the gap is visible rather than silently judged against some other year's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from shared.domain.clock import shanghai_date
from shared.domain.enums import (
    HouseholdKind,
    KeyTargetGroup,
    LabourCapacity,
    VerificationMethod,
    WeakLabourReason,
)
from shared.domain.geo import distance_m
from shared.domain.household_income import (
    CountedMember,
    household_months,
    net_income,
    per_capita,
)
from shared.domain.idnumber import age_on
from shared.domain.rulesets import IncomeYearNotFound, RuleSetCatalog, RuleSetNotFound
from shared.domain.visit_form import IncomeAmounts, VisitForm
from shared.events.contracts.intake import Finding

WORKING_AGE_FROM = 16
WORKING_AGE_TO = 60


@dataclass(frozen=True)
class LastPosition:
    """Where the household was last known to be (WGS-84), and where that knowledge came from."""

    latitude: float
    longitude: float
    source: str  # "recorded location" or "home visit of YYYY-MM-DD"


@dataclass(frozen=True)
class Limits:
    """What the GPS and income checks compare against; a figure of None skips its check."""

    gps_accuracy_limit_m: float | None
    gps_max_distance_m: float | None
    monitoring_line: Decimal | None
    # The visit's date when no rule set covers it (the no_rule_set finding names it).
    uncovered_day: date | None = None


def limits_for(catalog: RuleSetCatalog, day: date, org_code: str, *, gps_accuracy_limit_m: float | None = None,
               gps_max_distance_m: float | None = None, monitoring_line: Decimal | None = None) -> Limits:
    """The figures of the rule set whose income year holds ``day`` for ``org_code``; a given figure wins."""
    try:
        ruleset = catalog.resolve(catalog.year_containing(day, org_code), org_code)
    except (IncomeYearNotFound, RuleSetNotFound):
        return Limits(gps_accuracy_limit_m, gps_max_distance_m, monitoring_line, uncovered_day=day)
    return Limits(
        gps_accuracy_limit_m=ruleset.gps_max_accuracy_m if gps_accuracy_limit_m is None else gps_accuracy_limit_m,
        gps_max_distance_m=ruleset.gps_max_distance_m if gps_max_distance_m is None else gps_max_distance_m,
        monitoring_line=ruleset.monitoring_line if monitoring_line is None else monitoring_line,
    )


@dataclass(frozen=True)
class FindingInputs:
    """What the findings need beyond the form: the register's view of the household."""

    form: VisitForm
    birth_dates: list[date]  # of form.members, in order
    # form.members in order as household size counts them: the form's months, the register's
    # enlisted_sharing_income (the form does not ask it)
    household_members: Sequence[CountedMember]
    recorded_key_target_groups: list[str]
    last_position: LastPosition | None
    previous_amounts: IncomeAmounts | None
    limits: Limits
    # (member id, name) of registered members neither on the form nor removed by it
    unverified_members: list[tuple[UUID, str]] = field(default_factory=list)
    # how far visited_at runs ahead of the server's receipt, when beyond the skew allowance
    clock_ahead: timedelta | None = None


def visit_findings(inputs: FindingInputs) -> list[Finding]:
    """Every finding of a visit, in form order."""
    return [
        *rule_set_findings(inputs.limits),
        *clock_findings(inputs.clock_ahead),
        *member_findings(inputs.unverified_members),
        *labour_capacity_findings(inputs.form, inputs.birth_dates),
        *method_findings(inputs.form, inputs.recorded_key_target_groups),
        *gps_findings(inputs.form, inputs.last_position, inputs.limits),
        *income_findings(inputs.form, inputs.household_members, inputs.previous_amounts, inputs.limits),
        *signal_findings(inputs.form, inputs.household_members, inputs.limits),
    ]


def clock_findings(ahead: timedelta | None) -> list[Finding]:
    """A visit dated ahead of the server: the phone's clock is wrong, so its visit time is doubtful."""
    if ahead is None:
        return []
    minutes = int(ahead.total_seconds() // 60)
    message = (f"visited_at is {minutes} minutes ahead of the server's clock at receipt: the device clock is "
               "ahead, so the visit time is not reliable (received_at is the server's)")
    return [Finding(code="device_clock_ahead", field="visited_at", message=message)]


def member_findings(unverified: list[tuple[UUID, str]]) -> list[Finding]:
    """Registered members the visit neither verified nor removed."""
    if not unverified:
        return []
    names = ", ".join(f"{name} ({member_id})" for member_id, name in unverified)
    message = (f"{len(unverified)} registered member(s) neither on the form nor in removed_members: {names}; "
               "every member on record is verified on the visit (全体家庭成员核实)")
    return [Finding(code="members_not_verified", field="members", message=message)]


_GUARANTEE_LABELS = {
    "dropout": "a school-age child out of compulsory school (义务教育阶段失学辍学)",
    "uninsured": "a member without basic medical insurance (未参加基本医疗保险)",
    "housing_unsafe": "unsafe housing (住房安全问题)",
    "water_unsafe": "unsafe drinking water (饮水安全问题)",
}


def signal_findings(form: VisitForm, members: Sequence[CountedMember], limits: Limits) -> list[Finding]:
    """Leads a "no risk" judgement leaves behind: each becomes a suspected problem to verify."""
    if form.risk.has_risk:
        return []
    findings = [
        Finding(code="guarantee_failed_without_risk", field=f"guarantees.{name}",
                message=f"the visit records {label} but judges no risk of (returning to) poverty")
        for name, label in _GUARANTEE_LABELS.items() if getattr(form.guarantees, name)
    ]
    amounts = form.income.amounts
    if amounts is not None:
        figure = screened_per_capita(amounts, members)
        above = figure is not None and limits.monitoring_line is not None and figure > limits.monitoring_line
        if not above:  # above the line is the amounts_above_monitoring_line finding instead
            shown = f" ({figure} per person)" if figure is not None else ""
            findings.append(Finding(code="income_below_line_without_risk", field="income.amounts",
                                    message=f"income is given as below the monitoring line{shown} but the visit "
                                            "judges no risk of (returning to) poverty"))
    return findings


def rule_set_findings(limits: Limits) -> list[Finding]:
    """A visit no rule set covers, when that left a check without its figure."""
    figures = [("GPS accuracy", limits.gps_accuracy_limit_m), ("GPS distance", limits.gps_max_distance_m),
               ("monitoring line", limits.monitoring_line)]
    skipped = [check for check, figure in figures if figure is None]
    if limits.uncovered_day is None or not skipped:
        return []
    message = (f"no rule set's income year contains the visit date {limits.uncovered_day}, so the "
               f"{', '.join(skipped)} checks were skipped")
    return [Finding(code="no_rule_set", field="visited_at", message=message)]


def labour_capacity_findings(form: VisitForm, birth_dates: list[date]) -> list[Finding]:
    on_date = shanghai_date(form.visited_at)
    findings = []
    for index, (member, birth_date) in enumerate(zip(form.members, birth_dates, strict=True)):
        age = age_on(birth_date, on_date) if birth_date <= on_date else 0
        problem = _labour_problem(member.labour_capacity, member.weak_reason, age)
        if problem is not None:
            field, message = problem
            findings.append(Finding(code="labour_capacity_vs_age", field=f"members.{index}.{field}",
                                    message=f"{member.name}: {message}"))
    return findings


def _labour_problem(capacity: LabourCapacity, weak_reason: WeakLabourReason | None, age: int
                    ) -> tuple[str, str] | None:
    working_age = WORKING_AGE_FROM <= age <= WORKING_AGE_TO
    label = f"{capacity.label} ({capacity.value})"
    if capacity in (LabourCapacity.ORDINARY, LabourCapacity.LOST) and not working_age:
        return "labour_capacity", f"{label} is for ages 16-60, but the ID number gives age {age}"
    if capacity is LabourCapacity.SKILLED and age < WORKING_AGE_FROM:
        return "labour_capacity", f"{label} needs working age, but the ID number gives age {age}"
    if capacity is LabourCapacity.WEAK and age < WORKING_AGE_FROM:
        return "labour_capacity", f"{label} is for ages 16 and over, but the ID number gives age {age}"
    if capacity is LabourCapacity.WEAK and weak_reason is WeakLabourReason.OVER_60 and age < WORKING_AGE_TO:
        return "weak_reason", f"reason over_60 (60岁以上) but the ID number gives age {age}"
    if capacity is LabourCapacity.NONE and WORKING_AGE_FROM <= age < WORKING_AGE_TO:
        return "labour_capacity", f"{label} is for under 16 or past working age, but the ID number gives age {age}"
    return None


def is_key_target(form: VisitForm, recorded_key_target_groups: list[str]) -> bool:
    """A 10类重点对象 household by the form, by the register, or as a monitoring object."""
    groups = {str(g) for g in form.key_target_groups} | set(recorded_key_target_groups)
    return bool(groups - {KeyTargetGroup.NONE.value}) or HouseholdKind.MONITORED in form.household_kinds


def method_findings(form: VisitForm, recorded_key_target_groups: list[str]) -> list[Finding]:
    if form.method is VerificationMethod.HOME_VISIT or form.remote_reason is not None:
        return []
    if not is_key_target(form, recorded_key_target_groups):
        return []
    message = (f"a key-target household was verified by {form.method.value} ({form.method.label}) without "
               "remote_reason (举家外出 or 代答); key-target households get a home visit (入户走访)")
    return [Finding(code="key_target_not_visited_in_person", field="method", message=message)]


def gps_findings(form: VisitForm, last_position: LastPosition | None, limits: Limits) -> list[Finding]:
    if form.home_visit is None:
        return []
    gps = form.home_visit.gps
    findings = []
    if limits.gps_accuracy_limit_m is not None and gps.accuracy_m > limits.gps_accuracy_limit_m:
        findings.append(Finding(code="gps_low_accuracy", field="home_visit.gps.accuracy_m",
                                message=f"fix accuracy {gps.accuracy_m:g} m is worse than the limit of "
                                        f"{limits.gps_accuracy_limit_m:g} m"))
    if gps.mock_location:
        findings.append(Finding(code="gps_mock_location", field="home_visit.gps.mock_location",
                                message="the phone reported a mock (simulated) location"))
    if last_position is not None and limits.gps_max_distance_m is not None:
        latitude, longitude = gps.as_wgs84()
        metres = distance_m(latitude, longitude, last_position.latitude, last_position.longitude)
        if metres > limits.gps_max_distance_m:
            findings.append(Finding(code="gps_far_from_household", field="home_visit.gps",
                                    message=f"fix is {metres:.0f} m from the household's {last_position.source}, "
                                            f"beyond {limits.gps_max_distance_m:g} m"))
    return findings


def screened_per_capita(amounts: IncomeAmounts, members: Sequence[CountedMember]) -> Decimal | None:
    """(A+B+C+D−E) ÷ household size by 附件5, to the fen; None for a household of no member-months."""
    if household_months(members) == 0:
        return None
    return per_capita(net_income(**amounts.model_dump()), members)


def income_findings(form: VisitForm, members: Sequence[CountedMember], previous_amounts: IncomeAmounts | None,
                    limits: Limits) -> list[Finding]:
    line = limits.monitoring_line
    if line is None:
        return []
    if form.income.bracket is not None and previous_amounts is not None:
        figure = screened_per_capita(previous_amounts, members)
        if figure is not None and figure <= line:
            return [Finding(code="bracket_contradicts_amounts", field="income.bracket",
                            message=f"bracket {form.income.bracket.value} is above the monitoring line {line}, "
                                    f"but the previous visit's amounts A-E give {figure} per person")]
    if form.income.amounts is not None:
        figure = screened_per_capita(form.income.amounts, members)
        if figure is not None and figure > line:
            return [Finding(code="amounts_above_monitoring_line", field="income.amounts",
                            message=f"amounts A-E were given as below the monitoring line {line}, "
                                    f"but compute to {figure} per person")]
    return []
