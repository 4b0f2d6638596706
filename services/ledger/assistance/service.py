"""Assistance plans (一户一策), risk assessments (风险评估) and the 2-year review (户户过筛) of identified cases.

- **Plans.** One plan per identified case, drawn up on a recorded day, revised by appending a whole
  new revision (the earlier ones stay). The first revision meets the plan deadline the cases package
  announced at approval (``deadline.met``, late or not); one drawn up after its due day files the
  village rule ``assistance.plan_over_10_days`` once. A plan that breaks the labour-capacity rule
  (a household able to work without a development measure, a whole household without labour
  capacity without protective cover) is accepted and flagged, and files its household rule once per
  revision (``development.no_measure`` ⑥, ``protection.no_cover`` ⑩). A later visit that changes the
  household's labour capacity re-weighs the current revision.
- **Follow-up.** Once a case has been identified for ``assessment_from`` (half a year), the next
  risk assessment is announced (``deadline.scheduled``), due ``assessment`` (a year) after approval
  or after the previous assessment; recording one meets it and announces the next. A case still
  unresolved ``review_after`` (two years) after approval is flagged for a household-by-household
  review, due one assessment clock after that mark; a review is an assessment of kind ``review``.
  A risk elimination approved, or the register marking the risk resolved, ends the follow-up and
  meets what it still owed. Every clock is the campaign's data.
"""

from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy.exc import IntegrityError

from services.ledger.assistance.models import (
    AssistancePlan,
    CaseFollowUp,
    PlanRevision,
    RiskAssessment,
)
from services.ledger.assistance.repository import (
    IDENTIFIED,
    AssistanceRepository,
    FollowUpFilter,
    PlanFilter,
)
from services.ledger.assistance.schemas import (
    AssessmentCreate,
    AssessmentKind,
    AssessmentPage,
    AssessmentRead,
    FollowUpPage,
    FollowUpRead,
    Measure,
    MeasureType,
    PlanCreate,
    PlanFlag,
    PlanPage,
    PlanRead,
    PlanRevise,
    RevisionRead,
)
from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.repository import CampaignRepository
from services.ledger.campaigns.service import campaign_on
from services.ledger.cases.models import Case
from services.ledger.cases.service import plan_key
from services.ledger.households.models import LedgerHousehold
from services.ledger.households.repository import HouseholdViewRepository
from services.ledger.households.service import (
    category_of,
    has_labour_capacity,
    whole_household_without_labour,
)
from services.ledger.problems.service import file_firing
from services.ledger.rules.catalogue import rule
from services.ledger.rules.evaluate import Context, Firing
from shared.data.database import AppSession, violates
from shared.domain.clock import clock, shanghai_date
from shared.domain.deadlines import DeadlineUnit, due_date
from shared.domain.enums import LedgerHouseholdCategory
from shared.domain.workdays import WorkdayCalendar
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.ledger import (
    DeadlineMet,
    DeadlineScheduled,
    DeadlineSubject,
)
from shared.events.outbox import publish

log = structlog.get_logger(__name__)

SOURCE = "ledger"
PLAN_KEY = "uq_ledger_assistance_plans_case_id"
PLAN_KEY_COLUMNS = ("ledger_assistance_plans.case_id",)
FLAG_RULES = {PlanFlag.NO_DEVELOPMENT_MEASURE.value: "development.no_measure",
              PlanFlag.NO_PROTECTIVE_COVER.value: "protection.no_cover"}
ASSESSMENT_RULE = "assessment.yearly"
REVIEW_RULE = "review.over_2_years"


# --- the labour-capacity rule of a plan ------------------------------------------------------------------


def plan_flags(household: LedgerHousehold | None, measures: list[Measure] | list[dict]) -> list[str]:
    """What a plan lacks for the household's labour capacity, as the household view knows it."""
    types = {m.type if isinstance(m, Measure) else MeasureType(m["type"]) for m in measures}
    flags = []
    if has_labour_capacity(household) and MeasureType.DEVELOPMENT not in types:
        flags.append(PlanFlag.NO_DEVELOPMENT_MEASURE.value)
    if whole_household_without_labour(household) and MeasureType.PROTECTIVE not in types:
        flags.append(PlanFlag.NO_PROTECTIVE_COVER.value)
    return flags


def has_development_measure(plan: AssistancePlan | None) -> bool:
    return plan is not None and plan.has_measure(MeasureType.DEVELOPMENT)


# --- shared pieces ---------------------------------------------------------------------------------------


def clock_of(campaign: Campaign | None, name: str) -> tuple[int, DeadlineUnit] | None:
    """A clock of the campaign's data (``<name>_days`` in ``<name>_unit``), None when it sets none."""
    if campaign is None or getattr(campaign, f"{name}_days") is None:
        return None
    return getattr(campaign, f"{name}_days"), DeadlineUnit(getattr(campaign, f"{name}_unit"))


async def campaign_of_case(session: AppSession, case: Case) -> Campaign | None:
    """The campaign whose clocks follow an identified case: that of its approval day, else its own."""
    found = await campaign_on(session, org_code=case.org_code, day=case.closed_on or case.started_on)
    if found is None and case.campaign_id is not None:
        found = await CampaignRepository(session).get(case.campaign_id)
    return found


async def identified_case(session: AppSession, case_id: uuid.UUID) -> Case:
    case = await AssistanceRepository(session).identified_case(case_id)
    if case is None:
        raise NotFound(f"no case {case_id} in your scope")
    if case.outcome != IDENTIFIED or case.closed_on is None:
        raise Conflict(f"case {case_id} is {case.state}: plans and assessments follow county approval (identified)")
    return case


def _check_day(field: str, day: date, *, not_before: date, what: str) -> None:
    today = clock.today()
    if day > today:
        raise InvalidInput(field, f"{day} is in the future (today is {today})")
    if day < not_before:
        raise InvalidInput(field, f"{day} is before {what} ({not_before})")


def _check_measures(measures: list[Measure]) -> None:
    for index, measure in enumerate(measures):
        if measure.ends_on is not None and measure.ends_on < measure.starts_on:
            raise InvalidInput(f"body.measures.{index}.ends_on",
                               f"{measure.ends_on} is before the measure starts ({measure.starts_on})")


def _context(case: Case, household: LedgerHousehold | None) -> Context:
    return Context(household_id=case.household_id, org_code=case.org_code, head_name=case.head_name,
                   group_name=case.group_name, category=category_of(household) if household else None)


async def _file(session: AppSession, code: str, *, key: str, detail: str, day: date, case: Case,
                household: LedgerHousehold | None, event_type: str, **params) -> None:
    campaign = await campaign_on(session, org_code=case.org_code, day=day)
    if campaign is None:
        log.warning("no_campaign_for_rule", rule=code, household_id=str(case.household_id), day=str(day))
        return
    firing = Firing(rule(code), code, {"key": key, "observed_at": clock.now().isoformat(), "event_id": None,
                                       "event_type": event_type, "detail": detail},
                    {"detail": detail} | params, campaign_day=day)
    await file_firing(session, firing=firing, context=_context(case, household), campaign=campaign)


async def _file_flags(session: AppSession, plan: AssistancePlan, case: Case, household: LedgerHousehold | None,
                      flags: list[str]) -> None:
    """File each flag's household rule, keyed by the plan's revision: the same revision never counts twice."""
    for flag in flags:
        members = "、".join(household.labour_members) if household and household.labour_members else "（未知）"
        detail = (f"{plan.current_drawn_up_on}帮扶计划（第{plan.revision}版）：{PlanFlag(flag).label}"
                  + (f"（有劳动能力：{members}）" if flag == PlanFlag.NO_DEVELOPMENT_MEASURE else ""))
        await _file(session, FLAG_RULES[flag], key=f"plan:{plan.id}:revision:{plan.revision}", detail=detail,
                    day=plan.current_drawn_up_on, case=case, household=household, event_type="assistance.plan",
                    members=members)


# --- plans -----------------------------------------------------------------------------------------------


async def record_plan(session: AppSession, *, data: PlanCreate, calendar: WorkdayCalendar) -> PlanRead:
    """The first revision of an identified case's plan: meets its deadline, files an overrun and its flags."""
    case = await identified_case(session, data.case_id)
    _check_day("body.drawn_up_on", data.drawn_up_on, not_before=case.closed_on, what="the county approval")
    _check_measures(data.measures)
    repository = AssistanceRepository(session)
    if (existing := await repository.plan_of_case(case.id)) is not None:
        raise Conflict(f"case {case.id} already has plan {existing.id}: revise it (POST /ledger/plans/"
                       f"{existing.id}/revisions)")
    household = await HouseholdViewRepository(session).get(case.household_id)
    campaign = await campaign_of_case(session, case)
    plan_clock = clock_of(campaign, "plan")
    principal = session.principal
    measures = [m.model_dump(mode="json") for m in data.measures]
    flags = plan_flags(household, data.measures)
    plan = AssistancePlan(
        case_id=case.id, org_code=case.org_code, household_id=case.household_id, head_name=case.head_name,
        group_name=case.group_name, identified_on=case.closed_on, due_on=case.plan_due_on,
        due_days=plan_clock[0] if plan_clock and case.plan_due_on else None,
        due_unit=plan_clock[1].value if plan_clock and case.plan_due_on else None, drawn_up_on=data.drawn_up_on,
        late=case.plan_due_on is not None and data.drawn_up_on > case.plan_due_on, revision=1,
        current_drawn_up_on=data.drawn_up_on, helper_name=data.helper_name, helper_unit=data.helper_unit,
        measures=measures, labour=household.labour if household else None, flags=flags,
        recorded_by=principal.user_id if principal else "system",
        recorded_by_name=principal.name if principal else "system")
    await session.flush()  # earlier pending work must not fail inside (and be blamed on) the savepoint
    try:
        async with session.begin_nested():
            session.add(plan)
            await session.flush()
    except IntegrityError as exc:
        if not violates(exc, PLAN_KEY, PLAN_KEY_COLUMNS):
            raise
        raise Conflict(f"case {case.id} already has a plan: revise it") from None
    session.add(_revision(plan, reason=None))
    await session.flush()
    if case.plan_due_on is not None:
        await publish(session, DeadlineMet(key=plan_key(case), met_on=data.drawn_up_on, late=plan.late),
                      org_code=case.org_code, source=SOURCE)
    if plan.late:
        detail = (f"{case.closed_on}批准纳入，{data.drawn_up_on}制定帮扶计划，超过{plan.due_days}"
                  f"{DeadlineUnit(plan.due_unit).label}（应于{plan.due_on}前）")
        await _file(session, "assistance.plan_over_10_days", key=f"case:{case.id}:plan", detail=detail,
                    day=case.closed_on, case=case, household=household, event_type="assistance.plan")
    await _file_flags(session, plan, case, household, flags)
    return await read_plan(session, plan)


def _revision(plan: AssistancePlan, *, reason: str | None) -> PlanRevision:
    return PlanRevision(plan_id=plan.id, org_code=plan.org_code, revision=plan.revision,
                        drawn_up_on=plan.current_drawn_up_on, helper_name=plan.helper_name,
                        helper_unit=plan.helper_unit, measures=plan.measures, labour=plan.labour,
                        flags=list(plan.flags), reason=reason, recorded_by=plan.recorded_by,
                        recorded_by_name=plan.recorded_by_name)


async def revise_plan(session: AppSession, *, plan_id: uuid.UUID, data: PlanRevise) -> PlanRead:
    """A new revision of the whole plan (the earlier ones stay as they were recorded)."""
    repository = AssistanceRepository(session)
    plan = await repository.plan(plan_id, for_update=True)  # two revisions at once: the second waits
    if plan is None:
        raise NotFound(f"no plan {plan_id} in your scope")
    _check_day("body.drawn_up_on", data.drawn_up_on, not_before=plan.current_drawn_up_on,
               what="the plan's previous revision")
    _check_measures(data.measures)
    case = await identified_case(session, plan.case_id)
    household = await HouseholdViewRepository(session).get(plan.household_id)
    principal = session.principal
    plan.revision += 1
    plan.current_drawn_up_on, plan.helper_name, plan.helper_unit = data.drawn_up_on, data.helper_name, \
        data.helper_unit
    plan.measures = [m.model_dump(mode="json") for m in data.measures]
    plan.labour, plan.flags = (household.labour if household else None), plan_flags(household, data.measures)
    plan.recorded_by = principal.user_id if principal else "system"
    plan.recorded_by_name = principal.name if principal else "system"
    plan.updated_at = clock.now()
    session.add(_revision(plan, reason=data.reason))
    await session.flush()
    await _file_flags(session, plan, case, household, list(plan.flags))
    return await read_plan(session, plan)


async def reweigh_household(session: AppSession, *, household: LedgerHousehold) -> AssistancePlan | None:
    """The household's current plan weighed again on its labour capacity as the view now knows it."""
    plan = await AssistanceRepository(session).current_plan_of_household(household.household_id)
    if plan is None:
        return None
    flags = plan_flags(household, plan.measures)
    if (flags, household.labour) != (list(plan.flags), plan.labour):
        plan.flags, plan.labour, plan.updated_at = flags, household.labour, clock.now()
        await session.flush()
    if flags:
        case = await AssistanceRepository(session).identified_case(plan.case_id)
        if case is not None:
            await _file_flags(session, plan, case, household, flags)
    return plan


def plan_read(plan: AssistancePlan, revisions=()) -> PlanRead:
    days_late = max((plan.drawn_up_on - plan.due_on).days, 0) if plan.due_on else 0
    stored = {name: getattr(plan, name) for name in PlanRead.model_fields if hasattr(AssistancePlan, name)}
    return PlanRead(**stored, days_late=days_late, labour_mismatch=bool(plan.flags),
                    revisions=[RevisionRead.model_validate(r, from_attributes=True) for r in revisions])


async def read_plan(session: AppSession, plan: AssistancePlan) -> PlanRead:
    return plan_read(plan, await AssistanceRepository(session).revisions(plan.id))


async def get_plan(session: AppSession, *, plan_id: uuid.UUID) -> PlanRead:
    plan = await AssistanceRepository(session).plan(plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id} in your scope")
    return await read_plan(session, plan)


async def list_plans(session: AppSession, *, criteria: PlanFilter, limit: int, offset: int) -> PlanPage:
    rows, total = await AssistanceRepository(session).plans(criteria, limit=limit, offset=offset)
    return PlanPage(items=[plan_read(row) for row in rows], total=total, limit=limit, offset=offset)


# --- follow-up: assessments and the 2-year review -------------------------------------------------------


def assessment_key(case_id: uuid.UUID, seq: int) -> str:
    return f"case:{case_id}:assessment:{seq}"


def review_key(case_id: uuid.UUID) -> str:
    return f"case:{case_id}:review"


async def _schedule(session: AppSession, case: Case, *, key: str, kind: str, due: date, amount: int,
                    unit: DeadlineUnit, counted_from: date, basis: str, rule_code: str) -> None:
    await publish(session, DeadlineScheduled(
        key=key, kind=kind, subject=DeadlineSubject(type="case", id=case.id), org_code=case.org_code, due=due,
        unit=unit.value, amount=amount, counted_from=counted_from, basis=basis, rule_code=rule_code),
        org_code=case.org_code, source=SOURCE)


async def _schedule_next_assessment(session: AppSession, case: Case, follow_up: CaseFollowUp, campaign: Campaign,
                                    calendar: WorkdayCalendar) -> None:
    amount, unit = clock_of(campaign, "assessment")
    counted_from = follow_up.last_assessed_on or follow_up.identified_on
    follow_up.assessment_key = assessment_key(case.id, follow_up.assessments + 1)
    follow_up.assessment_due_on = due_date(counted_from, amount, unit, calendar)
    await _schedule(session, case, key=follow_up.assessment_key, kind="risk_assessment",
                    due=follow_up.assessment_due_on, amount=amount, unit=unit, counted_from=counted_from,
                    basis=f"campaign {campaign.code} assessment_days", rule_code=ASSESSMENT_RULE)


async def _resolved_on(session: AppSession, case: Case, today: date) -> date | None:
    """The day the case's risk was resolved by ``today``: an elimination approved, or the register saying so."""
    eliminated = await AssistanceRepository(session).eliminated_on(case.household_id, case.closed_on)
    if eliminated is not None and eliminated <= today:
        return eliminated
    household = await HouseholdViewRepository(session).get(case.household_id)
    if (household is not None and household.register_as_of is not None
            and category_of(household) == LedgerHouseholdCategory.MONITORED_RESOLVED):
        day = max(shanghai_date(household.register_as_of), case.closed_on)
        return day if day <= today else None
    return None


async def follow(session: AppSession, *, case: Case, today: date, calendar: WorkdayCalendar) -> CaseFollowUp | None:
    """Bring an identified case's follow-up up to ``today``: start it, announce what is owed, flag, or end it.

    Safe to run again on the same day: each deadline is announced once (its key stored), the flag set once.
    """
    campaign = await campaign_of_case(session, case)
    repository = AssistanceRepository(session)
    follow_up = await repository.follow_up(case.id, for_update=True)
    if follow_up is None:
        follow_up = CaseFollowUp(case_id=case.id, org_code=case.org_code, household_id=case.household_id,
                                 identified_on=case.closed_on)
        review_after = clock_of(campaign, "review_after")
        if review_after is not None:
            follow_up.review_due_on = due_date(case.closed_on, *review_after, calendar)
        session.add(follow_up)
        await session.flush()
    if follow_up.resolved_on is not None:
        return follow_up
    resolved = await _resolved_on(session, case, today)
    if resolved is not None:
        await _end(session, follow_up, resolved)
        return follow_up
    starts = clock_of(campaign, "assessment_from")
    if (follow_up.assessment_key is None and starts is not None and clock_of(campaign, "assessment") is not None
            and today > due_date(case.closed_on, *starts, calendar)):
        await _schedule_next_assessment(session, case, follow_up, campaign, calendar)
    if (follow_up.review_due_on is not None and today > follow_up.review_due_on
            and follow_up.review_flagged_on is None and follow_up.reviewed_on is None):
        follow_up.review_flagged_on = today
        review_clock = clock_of(campaign, "assessment") or clock_of(campaign, "review_after")
        follow_up.review_key = review_key(case.id)
        follow_up.review_by = due_date(follow_up.review_due_on, *review_clock, calendar)
        await _schedule(session, case, key=follow_up.review_key, kind="two_year_review", due=follow_up.review_by,
                        amount=review_clock[0], unit=review_clock[1], counted_from=follow_up.review_due_on,
                        basis=f"campaign {campaign.code} review_after_days, then assessment_days",
                        rule_code=REVIEW_RULE)
    follow_up.updated_at = clock.now()
    await session.flush()
    return follow_up


async def _end(session: AppSession, follow_up: CaseFollowUp, resolved: date) -> None:
    """The risk is resolved: what the follow-up still owed is no longer owed (met on the day it ended)."""
    follow_up.resolved_on = resolved
    owed = []
    if follow_up.assessment_key is not None:
        owed.append((follow_up.assessment_key, follow_up.assessment_due_on))
    if follow_up.review_key is not None and follow_up.reviewed_on is None:
        owed.append((follow_up.review_key, follow_up.review_by))
    for key, due in owed:
        await publish(session, DeadlineMet(key=key, met_on=resolved, late=due is not None and resolved > due),
                      org_code=follow_up.org_code, source=SOURCE)
    follow_up.assessment_key = follow_up.assessment_due_on = None
    follow_up.updated_at = clock.now()
    await session.flush()


async def record_assessment(session: AppSession, *, data: AssessmentCreate,
                            calendar: WorkdayCalendar) -> AssessmentRead:
    """A risk assessment of an identified case: meets the assessment (and review) owed, announces the next."""
    case = await identified_case(session, data.case_id)
    _check_day("body.assessed_on", data.assessed_on, not_before=case.closed_on, what="the county approval")
    today = clock.today()
    follow_up = await follow(session, case=case, today=today, calendar=calendar)
    if data.kind == AssessmentKind.REVIEW and (follow_up.review_due_on is None
                                               or data.assessed_on <= follow_up.review_due_on):
        raise InvalidInput("body.kind", f"a review (户户过筛) is for a case unresolved past its 2-year mark "
                                        f"({follow_up.review_due_on}); {data.assessed_on} is not past it")
    principal = session.principal
    assessment = RiskAssessment(
        case_id=case.id, org_code=case.org_code, household_id=case.household_id, kind=data.kind.value,
        assessed_on=data.assessed_on, risk_present=data.risk_present, conclusion=data.conclusion,
        assessor_name=data.assessor_name, assessor_unit=data.assessor_unit, evidence_refs=list(data.evidence_refs),
        recorded_by=principal.user_id if principal else "system",
        recorded_by_name=principal.name if principal else "system")
    if follow_up.assessment_key is not None and follow_up.resolved_on is None:
        assessment.deadline_key = follow_up.assessment_key
        assessment.late = data.assessed_on > follow_up.assessment_due_on
        await publish(session, DeadlineMet(key=follow_up.assessment_key, met_on=data.assessed_on,
                                           late=assessment.late), org_code=case.org_code, source=SOURCE)
    if data.kind == AssessmentKind.REVIEW and follow_up.reviewed_on is None:
        follow_up.reviewed_on = data.assessed_on
        if follow_up.review_key is not None:
            late = follow_up.review_by is not None and data.assessed_on > follow_up.review_by
            await publish(session, DeadlineMet(key=follow_up.review_key, met_on=data.assessed_on, late=late),
                          org_code=case.org_code, source=SOURCE)
    session.add(assessment)
    follow_up.assessments += 1
    follow_up.last_assessed_on = max(follow_up.last_assessed_on or data.assessed_on, data.assessed_on)
    if follow_up.assessment_key is not None and follow_up.resolved_on is None:
        await _schedule_next_assessment(session, case, follow_up, await campaign_of_case(session, case), calendar)
    follow_up.updated_at = clock.now()
    await session.flush()
    return AssessmentRead.model_validate(assessment, from_attributes=True)


async def list_assessments(session: AppSession, *, org: str | None, case_id: uuid.UUID | None,
                           household_id: uuid.UUID | None, limit: int, offset: int) -> AssessmentPage:
    rows, total = await AssistanceRepository(session).assessments(org=org, case_id=case_id,
                                                                  household_id=household_id, limit=limit,
                                                                  offset=offset)
    return AssessmentPage(items=[AssessmentRead.model_validate(r, from_attributes=True) for r in rows], total=total,
                          limit=limit, offset=offset)


def follow_up_read(row: CaseFollowUp, today: date) -> FollowUpRead:
    stored = {name: getattr(row, name) for name in FollowUpRead.model_fields if hasattr(CaseFollowUp, name)}
    return FollowUpRead(**stored, assessment_overdue=row.assessment_due_on is not None
                        and row.assessment_due_on < today)


async def list_follow_ups(session: AppSession, *, criteria: FollowUpFilter, limit: int,
                          offset: int) -> FollowUpPage:
    rows, total = await AssistanceRepository(session).follow_ups(criteria, limit=limit, offset=offset)
    today = criteria.today or clock.today()
    return FollowUpPage(items=[follow_up_read(r, today) for r in rows], total=total, limit=limit, offset=offset)


async def follow_village(session: AppSession, *, village: str, today: date, calendar: WorkdayCalendar) -> int:
    """The daily follow-up of every identified case of a village; returns how many were looked at."""
    cases = await AssistanceRepository(session).identified_cases_of(village)
    for case in cases:
        await follow(session, case=case, today=today, calendar=calendar)
    return len(cases)
