"""Assessments: the stateless calculation, stored assessments from visits and declarations, history.

Which monitoring year a visit counts for: the year of the rule set whose income year (收入年度,
1 October to 30 September as each rule set states it) contains the visit's date in Asia/Shanghai.
The visit form asks for the past twelve months, and the campaign visits of August and September
fall inside the income year that ends on 30 September. A visit on a date no rule set's income year
covers is never assessed by a guess: it waits as a pending visit (``services.income.pending_visits``)
and is assessed when a district admin adds a rule set covering it.

The latest assessment of a household and year: a visit's (or a reassessment of one) before any
declaration, then the one observed last (the visit's time, or the receipt of a declaration), ties
going to the one stored last. A declaration is the latest only while the year has no visit: a
visit is what a cadre verified at the household, and a declaration recorded before it (or after it,
by whomever) must not hide it. A reassessment inherits the basis and observation time of the
assessment it recomputes, so it supersedes it.

Declarations are stored only for households income knows from intake's events, inside the caller's
scope (``services.income.households``); any other household id is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.income.assessments.models import (
    Assessment,
    AssessmentBasis,
    AssessmentOrigin,
)
from services.income.assessments.repository import AssessmentRepository
from services.income.assessments.schemas import (
    AssessmentDetail,
    AssessmentRead,
    CalculationRead,
    CalculationRequest,
    DeclarationAssessmentCreate,
    HouseholdIncomeHistory,
    IncomeChange,
    IncomeDrop,
    IncomeDropPage,
    YearAssessment,
)
from services.income.calculation.calculator import (
    bracket_assessment,
    calculate,
    from_visit_amounts,
)
from services.income.calculation.domain_model import (
    BracketAssessment,
    HouseholdMember,
    IncomeAssessment,
    IncomeClass,
    IncomeDeclaration,
    VisitSummary,
)
from services.income.households.service import household_in_scope
from services.income.rulesets.service import (
    load_catalog,
    load_catalog_holding_additions,
)
from shared.data.database import AppSession
from shared.domain.clock import clock, shanghai_date
from shared.domain.enums import IncomeBracket
from shared.domain.money import FEN
from shared.domain.rulesets import (
    IncomeYearNotFound,
    RuleSet,
    RuleSetCatalog,
    RuleSetNotFound,
)
from shared.errors import InvalidInput, NotFound
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.outbox import publish_all
from shared.security.auth import Principal

SOURCE = "income"
PAGE_SCAN_SIZE = 2000
PERCENT = Decimal(100)


# --- rule sets ------------------------------------------------------------------------------------


def choose_ruleset(catalog: RuleSetCatalog, org_code: str, *, year: int | None, version: str | None = None,
                   field_prefix: str = "body") -> RuleSet:
    """The rule set for an org unit: ``year`` (default: the income year holding today) at ``version``
    (default: the newest); a missing one is the client's input error, named at its field."""
    if year is None:
        try:
            year = catalog.year_containing(clock.today(), org_code)
        except IncomeYearNotFound as exc:
            raise InvalidInput(f"{field_prefix}.year", exc.message) from None
    try:
        return catalog.resolve(year, org_code, version)
    except RuleSetNotFound as exc:
        field = "ruleset_version" if version is not None else "year"
        raise InvalidInput(f"{field_prefix}.{field}", exc.message) from None


# --- the stateless calculation ----------------------------------------------------------------------


async def calculate_income(session: AppSession, *, principal: Principal, request: CalculationRequest
                           ) -> CalculationRead:
    """附件5 per-capita net income of the given inputs, explained line by line; nothing is stored."""
    org_code = request.org_code or principal.org_code
    ruleset = choose_ruleset(await load_catalog(session), org_code, year=request.year,
                             version=request.ruleset_version)
    if request.declaration is not None:
        result, basis = calculate(request.declaration, ruleset), AssessmentBasis.DECLARATION
    else:
        summary = VisitSummary.of_form(request.visit.income, request.visit.members)
        result, basis = _from_summary(summary, ruleset), AssessmentBasis.AMOUNTS
    return CalculationRead(**dict(result), basis=basis,
                           income_class=IncomeClass.of(result.below_monitoring_line, result.in_low_income_group),
                           below_13000=follow_up_answer(result, ruleset))


def follow_up_answer(result: IncomeAssessment, ruleset: RuleSet) -> bool | None:
    """The answer the form asks under one bracket (是否低于1.3万元), None under every other."""
    if result.bracket is None or result.bracket != ruleset.follow_up_bracket.code:
        return None
    return result.per_capita_net_income < ruleset.below_13000_threshold


def _from_summary(visit: VisitSummary, ruleset: RuleSet) -> IncomeAssessment:
    return from_visit_amounts(visit.amounts, visit.members, ruleset, compliant_expenses=visit.compliant_expenses,
                              insurance_claim=visit.insurance_claim)


# --- rows and events ----------------------------------------------------------------------------------


def computed_fields(result: IncomeAssessment) -> dict[str, Any]:
    """The columns of an assessment computed from amounts or a declaration."""
    return {
        "member_months": result.member_months,
        "net_income": result.net_income,
        "compliant_expenses": result.compliant_expenses,
        "per_capita_net_income": result.per_capita_net_income,
        "per_capita_after_compliant_expenses": result.per_capita_after_compliant_expenses,
        "bracket": result.bracket.value if result.bracket else None,
        "below_monitoring_line": result.below_monitoring_line,
        "in_low_income_group": result.in_low_income_group,
        "classification_certain": True,
        "income_class": IncomeClass.of(result.below_monitoring_line, result.in_low_income_group).value,
        "ruleset_region": result.ruleset_region,
        "ruleset_version": result.ruleset_version,
    }


def bracket_fields(result: BracketAssessment) -> dict[str, Any]:
    """The columns of an assessment resting on a ticked bracket (no figure)."""
    return {
        "bracket": result.bracket.value,
        "below_13000": result.below_13000,
        "below_monitoring_line": result.below_monitoring_line,
        "in_low_income_group": result.in_low_income_group,
        "classification_certain": result.low_income_group_certain,
        "income_class": IncomeClass.of(result.below_monitoring_line, result.in_low_income_group).value,
        "explanation": result.explanation,
        "ruleset_region": result.ruleset_region,
        "ruleset_version": result.ruleset_version,
    }


def assessed_event(row: Mapping[str, Any]) -> IncomeAssessed:
    """``income.assessed`` for an assessment's column values."""
    return IncomeAssessed(
        assessment_id=row["id"], household_id=row["household_id"], org_code=row["org_code"], year=row["year"],
        basis=row["basis"], per_capita_net_income=row["per_capita_net_income"],
        per_capita_after_compliant_expenses=row["per_capita_after_compliant_expenses"], bracket=row["bracket"],
        below_monitoring_line=row["below_monitoring_line"], in_low_income_group=row["in_low_income_group"],
        ruleset_version=row["ruleset_version"], source_visit_id=row["source_visit_id"],
        previous_class=row["previous_class"], ruleset_region=row["ruleset_region"],
        income_class=row["income_class"], classification_certain=row["classification_certain"],
        is_latest=row["is_latest"], previous_assessment_id=row["previous_assessment_id"],
    )


async def publish_assessed(session: AppSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """``income.assessed`` for each assessment's column values, staged together."""
    await publish_all(session, [(assessed_event(row), row["org_code"]) for row in rows], source=SOURCE)


def precedence(assessment: Assessment) -> tuple[bool, datetime]:
    """What decides the latest of a year: visits (and their reassessments) over declarations, then time."""
    return assessment.basis != AssessmentBasis.DECLARATION, assessment.observed_at


async def _place(session: AppSession, repository: AssessmentRepository, assessment: Assessment) -> None:
    """Add an assessment and hand it the latest flag unless one of higher precedence holds it."""
    current = await repository.latest(assessment.household_id, assessment.year)
    if current is not None:
        if precedence(current) > precedence(assessment):
            assessment.is_latest = False
        else:
            current.is_latest = False
            await session.flush()  # off before the new row takes it: one latest row per household and year
    repository.add(assessment)
    await session.flush()


async def _store(session: AppSession, repository: AssessmentRepository, assessment: Assessment) -> Assessment:
    """Add an assessment, hand it the latest flag unless a later observation holds it, announce it."""
    await _place(session, repository, assessment)
    await publish_assessed(session, [assessment.model_dump()])
    return assessment


# --- declarations and visits --------------------------------------------------------------------------


async def assess_declaration(session: AppSession, *, principal: Principal, household_id: uuid.UUID,
                             body: DeclarationAssessmentCreate) -> Assessment:
    """Store the assessment of a full 附件5 declaration and publish ``income.assessed``."""
    repository = AssessmentRepository(session)
    household = await household_in_scope(session, household_id=household_id)
    if household.org_code != body.org_code:
        raise InvalidInput("body.org_code", f"household {household_id} belongs to org unit {household.org_code}")
    ruleset = choose_ruleset(await load_catalog(session), body.org_code, year=body.year)
    result = calculate(body.declaration, ruleset)
    assessment = Assessment(
        household_id=household_id, org_code=body.org_code, year=body.year,
        basis=AssessmentBasis.DECLARATION.value, origin=AssessmentOrigin.DECLARATION.value,
        observed_at=clock.now(), assessed_by=principal.user_id,
        inputs=body.declaration.model_dump(mode="json"), **computed_fields(result),
    )
    return await _store(session, repository, assessment)


async def assess_visit(session: AppSession, *, visit: VisitSubmitted) -> Assessment | None:
    """The assessment of a submitted visit: computed from A–E, or the ticked bracket. Once per visit.

    None when no rule set covers the visit's date and region: the caller keeps the visit pending.
    That answer is given while additions of rule sets are held off (until this transaction ends), so
    a version added at the same moment is either seen here or finds the pending visit when announced.
    """
    repository = AssessmentRepository(session)
    existing = await repository.by_source_visit(visit.visit_id)
    if existing is not None:
        return existing  # a replay the inbox did not catch: the first assessment stands, nothing is announced
    assessment = visit_assessment(visit, await load_catalog(session))
    if assessment is None:
        assessment = visit_assessment(visit, await load_catalog_holding_additions(session))
    if assessment is None:
        return None
    return await _store(session, repository, assessment)


async def assess_waiting_visits(session: AppSession, *, visits: Sequence[VisitSubmitted], catalog: RuleSetCatalog
                                ) -> tuple[dict[uuid.UUID, Assessment], dict[uuid.UUID, str]]:
    """Assess visits that waited for a rule set, announcing them with one INSERT.

    Returns the assessments by visit id, and why each visit whose figures cannot be computed was
    not assessed; a visit still not covered, or already assessed, is in neither.
    """
    repository = AssessmentRepository(session)
    placed: dict[uuid.UUID, Assessment] = {}
    unassessable: dict[uuid.UUID, str] = {}
    for visit in visits:
        try:
            assessment = visit_assessment(visit, catalog)
        except ValueError as exc:
            unassessable[visit.visit_id] = str(exc)
            continue
        if assessment is None or await repository.by_source_visit(visit.visit_id) is not None:
            continue
        await _place(session, repository, assessment)
        placed[visit.visit_id] = assessment
    await publish_assessed(session, [assessment.model_dump() for assessment in placed.values()])
    return placed, unassessable


def visit_assessment(visit: VisitSubmitted, catalog: RuleSetCatalog) -> Assessment | None:
    """The (unsaved) assessment of a visit under the catalog; None when no rule set covers it.

    A visit whose figures cannot be computed (a household of no member-months) raises ValueError.
    """
    try:
        year = catalog.year_containing(shanghai_date(visit.visited_at), visit.org_code)
        ruleset = catalog.resolve(year, visit.org_code)
    except (IncomeYearNotFound, RuleSetNotFound):
        return None
    fields, inputs = _visit_income(visit, ruleset)
    return Assessment(
        household_id=visit.household_id, org_code=visit.org_code, year=year, origin=AssessmentOrigin.VISIT.value,
        observed_at=visit.visited_at, assessed_by=visit.submitted_by, source_visit_id=visit.visit_id,
        inputs=inputs, **fields,
    )


def _visit_income(visit: VisitSubmitted, ruleset: RuleSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """(columns, stored inputs) of a visit's income section."""
    income = visit.income
    if income.bracket is not None:
        result = bracket_assessment(ruleset, _bracket(income.bracket), income.below_13000)
        inputs = {"bracket": income.bracket, "below_13000": income.below_13000,
                  "ticked_under": {"year": ruleset.year, "region": ruleset.region, "version": ruleset.version}}
        return {"basis": AssessmentBasis.BRACKET.value, **bracket_fields(result)}, inputs
    # Members enter household size by their months only; names stay with intake.
    members = [HouseholdMember(member_id=str(member.member_id), months_in_household=member.months_in_household,
                               enlisted_sharing_income=member.enlisted_sharing_income) for member in visit.members]
    summary = VisitSummary.of_form(income, members)
    result = _from_summary(summary, ruleset)
    return {"basis": AssessmentBasis.AMOUNTS.value, **computed_fields(result)}, summary.model_dump(mode="json")


def _bracket(code: str) -> IncomeBracket:
    """The ticked bracket's code as the form's enumeration; an unknown code cannot be assessed (a failed event)."""
    try:
        return IncomeBracket(code)
    except ValueError:
        raise ValueError(f"bracket {code!r} is not a bracket this service knows; the visit cannot be assessed"
                         ) from None


# --- reading ----------------------------------------------------------------------------------------


async def get_assessment(session: AppSession, *, assessment_id: uuid.UUID) -> AssessmentDetail:
    """One assessment with its inputs and, for a computed one, the breakdown rebuilt from them."""
    assessment = await AssessmentRepository(session).get(assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment {assessment_id} in your scope")
    computation = None
    if assessment.basis != AssessmentBasis.BRACKET:
        ruleset = (await load_catalog(session)).get(assessment.year, assessment.ruleset_region,
                                                     assessment.ruleset_version)
        computation = recompute(assessment.basis, assessment.inputs, ruleset)
    return AssessmentDetail(**AssessmentRead.model_validate(assessment).model_dump(), inputs=assessment.inputs,
                            computation=computation)


def recompute(basis: str, inputs: Mapping[str, Any], ruleset: RuleSet) -> IncomeAssessment:
    """The full computation of stored inputs under a rule set (rule sets never change once stored)."""
    if basis == AssessmentBasis.DECLARATION:
        return calculate(IncomeDeclaration.model_validate(inputs), ruleset)
    return _from_summary(VisitSummary.model_validate(inputs), ruleset)


async def household_history(session: AppSession, *, household_id: uuid.UUID, include_all: bool = False
                            ) -> HouseholdIncomeHistory:
    """The latest assessment of each monitoring year with its change from the year before."""
    assessments = await AssessmentRepository(session).for_household(household_id)
    if not assessments:
        raise NotFound(f"no assessment of household {household_id} in your scope")
    latest = {assessment.year: assessment for assessment in assessments if assessment.is_latest}
    years = [
        YearAssessment(year=year, assessment=AssessmentRead.model_validate(latest[year]),
                       change_from_previous_year=income_change(latest.get(year - 1), latest[year]))
        for year in sorted(latest)
    ]
    every = [AssessmentRead.model_validate(assessment) for assessment in assessments] if include_all else None
    return HouseholdIncomeHistory(household_id=household_id, years=years, assessments=every)


def income_change(previous: Assessment | None, current: Assessment) -> IncomeChange | None:
    """Absolute and percent change of per-capita net income; None unless both years have a figure."""
    if previous is None or previous.per_capita_net_income is None or current.per_capita_net_income is None:
        return None
    before, now = previous.per_capita_net_income, current.per_capita_net_income
    percent = ((now - before) * PERCENT / before).quantize(FEN, rounding=ROUND_HALF_UP) if before > 0 else None
    return IncomeChange(previous_year=previous.year, previous_assessment_id=previous.id,
                        previous_per_capita_net_income=before, per_capita_net_income=now,
                        absolute_change=now - before, percent_change=percent)


async def income_drops(session: AppSession, *, year: int, min_drop_percent: Decimal, after: uuid.UUID | None,
                       limit: int) -> IncomeDropPage:
    """收入降幅较大: households in scope whose per-capita net income fell at least ``min_drop_percent``
    from the year before, in household order, scanning the year's latest assessments in chunks."""
    repository = AssessmentRepository(session)
    items: list[IncomeDrop] = []
    cursor = after
    while True:
        page = await repository.latest_page(year, after=cursor, limit=PAGE_SCAN_SIZE)
        previous = await repository.latest_of(year - 1, [row.household_id for row in page])
        for index, row in enumerate(page):
            cursor = row.household_id
            drop = _drop(previous.get(row.household_id), row, min_drop_percent)
            if drop is not None:
                items.append(drop)
            if len(items) == limit:
                more = index < len(page) - 1 or len(page) == PAGE_SCAN_SIZE
                return IncomeDropPage(year=year, min_drop_percent=min_drop_percent, items=items,
                                      next_after=cursor if more else None)
        if len(page) < PAGE_SCAN_SIZE:
            return IncomeDropPage(year=year, min_drop_percent=min_drop_percent, items=items, next_after=None)


def _drop(previous: Assessment | None, current: Assessment, min_drop_percent: Decimal) -> IncomeDrop | None:
    change = income_change(previous, current)
    if change is None or change.percent_change is None:
        return None
    fall = -change.absolute_change
    # Compared exactly (fall / before >= min / 100), not through the rounded percentage.
    if fall <= 0 or fall * PERCENT < min_drop_percent * change.previous_per_capita_net_income:
        return None
    return IncomeDrop(household_id=current.household_id, org_code=current.org_code, year=current.year,
                      assessment_id=current.id, per_capita_net_income=current.per_capita_net_income,
                      previous_assessment_id=previous.id,
                      previous_per_capita_net_income=change.previous_per_capita_net_income,
                      absolute_change=change.absolute_change, drop_percent=-change.percent_change)
