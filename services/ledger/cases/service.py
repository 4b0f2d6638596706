"""Cases of the procedure: opened by a trigger, moved step by step along the machine's table, closed.

- **Opening.** One open identification case per household (the unique ``open_key`` decides, also
  when two triggers race): a second trigger adds its evidence, keyed by the fact, to the open case.
  The start date is the trigger's own day. The campaign of that day and region gives the clock from
  start to county approval, announced as ``deadline.scheduled``; approval or rejection is
  ``deadline.met``, late or not, and a case past its due day still proceeds.
- **Elimination.** An elimination case opens only for an unresolved monitoring object that meets
  every condition of :mod:`services.ledger.cases.elimination`; otherwise a 409 lists each unmet one.
  Approval closes it ``eliminated``; a rollback (风险消除回退) closes it again ``rolled_back``.
- **Steps.** A step locks the case row, checks the move against the table (409 naming the state and
  the moves allowed), the date rules (422), the guards, then writes the step with the case's next
  version (unique per case) and publishes ``case.step_recorded``; a terminal state closes the case
  (``case.closed``).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from services.ledger.assistance.repository import AssistanceRepository
from services.ledger.assistance.schemas import MeasureType
from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.service import campaign_on
from services.ledger.cases.elimination import facts_of, unmet
from services.ledger.cases.machine import (
    MACHINES,
    Machine,
    Transition,
    TransitionNotAllowed,
)
from services.ledger.cases.models import Case, CaseStep
from services.ledger.cases.repository import (
    CaseFilter,
    CaseRepository,
    MonitoringRepository,
)
from services.ledger.cases.schemas import (
    CaseCreate,
    CasePage,
    CaseRead,
    CaseSource,
    EliminationCreate,
    Notice,
    NoticeEntry,
    StepCreate,
    StepRead,
)
from services.ledger.households.repository import HouseholdViewRepository
from services.ledger.households.service import (
    category_of,
    whole_household_without_labour,
)
from services.ledger.problems.service import file_firing
from services.ledger.rules.catalogue import rule
from services.ledger.rules.evaluate import Context, Firing
from shared.data.database import AppSession, violates
from shared.domain.clock import clock
from shared.domain.deadlines import DeadlineUnit, due_date
from shared.domain.workdays import WorkdayCalendar
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.ledger import (
    CaseClosed,
    CaseOpened,
    CaseStepRecorded,
    DeadlineMet,
    DeadlineScheduled,
    DeadlineSubject,
)
from shared.events.outbox import publish
from shared.security.auth import Principal

SOURCE = "ledger"
IDENTIFICATION = "identification"
ELIMINATION = "elimination"
OPEN_KEY = "uq_ledger_cases_open_key"
OPEN_KEY_COLUMNS = ("ledger_cases.open_key",)

# The reason a notice gives, in general words: never a diagnosis, a disability or any health detail.
NOTICE_REASONS = {
    "illness": "刚性支出较大", "disability": "刚性支出较大", "education": "因学", "housing": "住房安全",
    "water": "饮水安全", "natural_disaster": "自然灾害", "accident": "意外事故", "industry_failure": "产业经营受损",
    "unstable_employment": "务工就业不稳", "lack_of_labour": "缺劳力", "other": "其他困难",
}


def approval_key(case: Case) -> str:
    return f"case:{case.id}:approval"


def plan_key(case: Case) -> str:
    return f"case:{case.id}:plan"


def notice_reason(case: Case) -> str:
    if case.kind != IDENTIFICATION:
        return "返贫致贫风险已稳定消除，拟标注风险消除"
    words = list(dict.fromkeys(NOTICE_REASONS.get(c, "其他困难") for c in case.risk_causes))
    if case.source == CaseSource.INCOME_RULE and not words:
        words = ["收入低于监测范围"]
    return "存在返贫致贫风险" + (f"（{'、'.join(words)}）" if words else "")


# --- opening -------------------------------------------------------------------------------------------


def _clock(campaign: Campaign | None, name: str) -> tuple[int, DeadlineUnit] | None:
    if campaign is None or getattr(campaign, f"{name}_days") is None:
        return None
    return getattr(campaign, f"{name}_days"), DeadlineUnit(getattr(campaign, f"{name}_unit"))


async def open_identification(session: AppSession, *, household_id: uuid.UUID, org_code: str, source: CaseSource,
                              started_on: date, evidence: dict, calendar: WorkdayCalendar,
                              head_name: str | None = None, group_name: str | None = None,
                              risk_causes: list[str] = (), green_channel: bool = False,
                              green_channel_reason: str | None = None) -> tuple[Case, bool]:
    """The household's open identification case: a new one, or the open one with this evidence added.

    Returns the case and whether it was opened now.
    """
    repository = CaseRepository(session)
    existing = await repository.open_case(IDENTIFICATION, household_id, for_update=True)
    if existing is not None:
        return _add_evidence(existing, evidence, risk_causes), False
    campaign = await campaign_on(session, org_code=org_code, day=started_on)
    principal = session.principal
    case = Case(household_id=household_id, org_code=org_code, kind=IDENTIFICATION, state=MACHINES[IDENTIFICATION]
                .initial, open_key=f"{IDENTIFICATION}:{household_id}", source=source.value, started_on=started_on,
                campaign_id=campaign.id if campaign else None, head_name=head_name, group_name=group_name,
                risk_causes=list(dict.fromkeys(risk_causes)), green_channel=green_channel,
                green_channel_reason=green_channel_reason, evidence=[evidence],
                opened_by=principal.user_id if principal else "system",
                opened_by_name=principal.name if principal else "system")
    identification_clock = _clock(campaign, "identification")
    if identification_clock is not None:
        case.due_days, unit = identification_clock
        case.due_unit = unit.value
        case.due_on = due_date(started_on, case.due_days, unit, calendar)
    winner = await _insert_open(session, case)
    if winner is not None:
        return _add_evidence(winner, evidence, risk_causes), False
    await _announce_opening(session, case, campaign)
    return case, True


async def _insert_open(session: AppSession, case: Case) -> Case | None:
    """Insert an open case under its unique key; the open case that won instead when another was first."""
    await session.flush()  # earlier pending work must not fail inside (and be blamed on) the savepoint
    try:
        async with session.begin_nested():
            session.add(case)
            await session.flush()
    except IntegrityError as exc:
        if not violates(exc, OPEN_KEY, OPEN_KEY_COLUMNS):
            raise
        return await CaseRepository(session).open_case(case.kind, case.household_id, for_update=True)
    return None


def _add_evidence(case: Case, evidence: dict, risk_causes) -> Case:
    if not any(seen["key"] == evidence["key"] for seen in case.evidence):
        case.evidence = [*case.evidence, evidence]
    causes = list(dict.fromkeys([*case.risk_causes, *risk_causes]))
    if causes != case.risk_causes:
        case.risk_causes = causes
    return case


async def _announce_opening(session: AppSession, case: Case, campaign: Campaign | None) -> None:
    await publish(session, CaseOpened(case_id=case.id, kind=case.kind, household_id=case.household_id,
                                      org_code=case.org_code, source=case.source, started_on=case.started_on,
                                      due_on=case.due_on, green_channel=case.green_channel),
                  org_code=case.org_code, source=SOURCE)
    if case.due_on is not None:
        await publish(session, DeadlineScheduled(
            key=approval_key(case), kind=f"{case.kind}_approval", subject=DeadlineSubject(type="case", id=case.id),
            org_code=case.org_code, due=case.due_on, unit=case.due_unit, amount=case.due_days,
            counted_from=case.started_on, basis=f"campaign {campaign.code} identification_days",
            rule_code="identification.over_15_days"), org_code=case.org_code, source=SOURCE)


async def open_by_hand(session: AppSession, *, data: CaseCreate, calendar: WorkdayCalendar) -> tuple[CaseRead, bool]:
    """A case opened by a household's application or a department's new 低保/特困 applicant (同步研判)."""
    household = await HouseholdViewRepository(session).get(data.household_id)
    if household is None:
        raise NotFound(f"the ledger has heard of no household {data.household_id} in your scope")
    if data.started_on > clock.today():
        raise InvalidInput("body.started_on", f"{data.started_on} is in the future")
    evidence = {"key": f"{data.source.value}:{data.started_on}", "source": data.source.value,
                "observed_on": data.started_on.isoformat(), "detail": data.source.label,
                "refs": list(data.evidence_refs)}
    case, created = await open_identification(
        session, household_id=household.household_id, org_code=household.org_code, source=data.source,
        started_on=data.started_on, evidence=evidence, calendar=calendar, head_name=household.head_name,
        group_name=household.group_name, risk_causes=[c.value for c in data.risk_causes],
        green_channel=data.green_channel, green_channel_reason=data.green_channel_reason)
    return await read(session, case), created


async def _no_labour_on_protective_cover(session: AppSession, household) -> bool:
    if not whole_household_without_labour(household):
        return False
    plan = await AssistanceRepository(session).current_plan_of_household(household.household_id)
    return plan is not None and plan.has_measure(MeasureType.PROTECTIVE)


async def open_elimination(session: AppSession, *, data: EliminationCreate) -> tuple[CaseRead, bool]:
    """An elimination case for a household meeting every condition; 409 listing each unmet one otherwise.

    A household with an open elimination case gets that case back (not a second one).
    """
    household = await HouseholdViewRepository(session).get(data.household_id)
    if household is None:
        raise NotFound(f"the ledger has heard of no household {data.household_id} in your scope")
    if data.started_on > clock.today():
        raise InvalidInput("body.started_on", f"{data.started_on} is in the future")
    repository = CaseRepository(session)
    existing = await repository.open_case(ELIMINATION, household.household_id)
    if existing is not None:
        return await read(session, existing), False
    decision = await MonitoringRepository(session).get(household.household_id)
    campaign = await campaign_on(session, org_code=household.org_code, day=data.started_on)
    open_cases = [kind for kind in MACHINES if await repository.open_case(kind, household.household_id)]
    # The causes identified: those of the household's latest identification approved (a rollback reopens it).
    identifications = [c for c in await repository.of_household(household.household_id)
                        if c.kind == IDENTIFICATION and c.outcome == "identified"]
    identified_causes = identifications[-1].risk_causes if identifications else []
    facts = facts_of(proposed_on=data.started_on, row=household,
                     category=category_of(household, decision.category if decision else None), decision=decision,
                     identified_causes=identified_causes,
                     income_months_required=campaign.elimination_income_months if campaign else None,
                     logged=await repository.source_events(household.household_id, ("income.assessed",
                                                                                      "visit.submitted")),
                     open_cases=open_cases, no_labour_on_protective_cover=await _no_labour_on_protective_cover(
                         session, household))
    if failed := unmet(facts):
        raise Conflict(f"the household does not meet {len(failed)} condition(s) of risk elimination: "
                       + ", ".join(code for code, _ in failed), conditions=failed)
    principal = session.principal
    evidence = {"key": f"{CaseSource.REQUEST.value}:{data.started_on}", "source": CaseSource.REQUEST.value,
                "observed_on": data.started_on.isoformat(), "detail": CaseSource.REQUEST.label,
                "refs": list(data.evidence_refs),
                "income_above_line_since": facts.above_line_since.isoformat()}
    case = Case(household_id=household.household_id, org_code=household.org_code, kind=ELIMINATION,
                state=MACHINES[ELIMINATION].initial, open_key=f"{ELIMINATION}:{household.household_id}",
                source=CaseSource.REQUEST.value, started_on=data.started_on,
                campaign_id=campaign.id if campaign else None, head_name=household.head_name,
                group_name=household.group_name, risk_causes=list(identified_causes), evidence=[evidence],
                opened_by=principal.user_id if principal else "system",
                opened_by_name=principal.name if principal else "system")
    winner = await _insert_open(session, case)
    if winner is not None:
        return await read(session, winner), False
    await _announce_opening(session, case, campaign)
    return await read(session, case), True


# --- steps ---------------------------------------------------------------------------------------------


def transition_of(machine: Machine, state: str, name: str) -> Transition:
    try:
        return machine.move(state, name)
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc)) from None


def check_dates(case: Case, on: date, today: date) -> None:
    """A step's date is not in the future, not before the start, not before the previous step (422)."""
    if on > today:
        raise InvalidInput("body.on", f"{on} is in the future (today is {today})")
    if on < case.started_on:
        raise InvalidInput("body.on", f"{on} is before the case started ({case.started_on})")
    if case.last_step_on is not None and on < case.last_step_on:
        raise InvalidInput("body.on", f"{on} is before the case's previous step ({case.last_step_on})")


def _check_required(transition: Transition, data: StepCreate) -> None:
    for name in transition.requires:
        if getattr(data, name) is None:
            raise InvalidInput(f"body.{name}", f"{transition.name} needs {name}")


def _check_guards(case: Case, transition: Transition, data: StepCreate, campaign: Campaign | None,
                  superseded: bool) -> None:
    for guard in transition.guards:
        if guard == "still_in_force" and superseded:
            raise Conflict("a later case of the household follows this one: roll back only the household's latest "
                           "decision")
        if guard == "notice_passed" and not (case.notice_ends_on and data.on > case.notice_ends_on):
            raise Conflict(f"the notice runs until {case.notice_ends_on}: {transition.name} can be recorded from "
                           f"{case.notice_ends_on + timedelta(days=1)}, not for {data.on}")
        if guard == "within_notice" and not (case.notice_ends_on and data.on <= case.notice_ends_on):
            raise Conflict(f"the notice ended on {case.notice_ends_on}: an objection dated {data.on} is outside it")
        if guard == "notice_clock_set" and _clock(campaign, "notice_min") is None:
            raise Conflict("the campaign of this case sets no minimum length of the notice (notice_min_days)")


def _notice_end(case: Case, data: StepCreate, campaign: Campaign, calendar: WorkdayCalendar) -> date:
    days, unit = _clock(campaign, "notice_min")
    # Counting the day it is posted: posted on the 9th, five calendar days run to the 13th.
    earliest = due_date(data.on - timedelta(days=1), days, unit, calendar)
    if data.notice_ends_on is None:
        return earliest
    if data.notice_ends_on < earliest:
        raise InvalidInput("body.notice_ends_on", f"the notice runs at least {days} {unit.value} from {data.on}, "
                                                  f"to {earliest} at the earliest")
    return data.notice_ends_on


def advance(case: Case, data: StepCreate, *, campaign: Campaign | None, calendar: WorkdayCalendar,
            today: date, superseded: bool = False) -> tuple[Transition, dict]:
    """Check one step against the table, the date rules and the guards, and move the case (no database).

    Raises 409 (a move the table does not allow, a guard that fails) or 422 (a date, a missing field)
    and leaves the case as it was. Returns the transition and the details the step records.
    ``superseded`` says the household has a case opened after this one (the ``still_in_force`` guard).
    """
    transition = transition_of(MACHINES[case.kind], case.state, data.transition)
    _check_required(transition, data)
    check_dates(case, data.on, today)
    _check_guards(case, transition, data, campaign, superseded)
    details = _apply_effects(case, transition, data, campaign, calendar)
    case.state, case.version, case.last_step_on = transition.target, case.version + 1, data.on
    return transition, details


async def record_step(session: AppSession, *, principal: Principal, case_id: uuid.UUID, data: StepCreate,
                      calendar: WorkdayCalendar) -> CaseRead:
    repository = CaseRepository(session)
    case = await repository.get(case_id, for_update=True)
    if case is None:
        raise NotFound(f"no case {case_id} in your scope")
    campaign = await session.get(Campaign, case.campaign_id) if case.campaign_id else None
    from_state = case.state
    superseded = await repository.opened_after(case)
    transition, details = advance(case, data, campaign=campaign, calendar=calendar, today=clock.today(),
                                  superseded=superseded)
    step = CaseStep(case_id=case.id, org_code=case.org_code, seq=case.version, transition=transition.name,
                    from_state=from_state, to_state=transition.target, happened_on=data.on, place=data.place,
                    evidence_refs=list(data.evidence_refs), note=data.note, details=details,
                    recorded_by=principal.user_id, recorded_by_name=principal.name,
                    recorded_by_role=principal.role.value)
    session.add(step)
    await session.flush()
    await publish(session, CaseStepRecorded(case_id=case.id, kind=case.kind, household_id=case.household_id,
                                            org_code=case.org_code, seq=step.seq, transition=step.transition,
                                            from_state=step.from_state, to_state=step.to_state,
                                            happened_on=step.happened_on, recorded_by=principal.user_id),
                  org_code=case.org_code, source=SOURCE)
    await _after_effects(session, case, transition, data, campaign, calendar)
    return await read(session, case)


def _apply_effects(case: Case, transition: Transition, data: StepCreate, campaign: Campaign | None,
                   calendar: WorkdayCalendar) -> dict:
    details: dict = {}
    for name in ("reason", "resolution", "explanation"):
        if getattr(data, name) is not None and name in transition.requires:
            details[name] = getattr(data, name)
    if data.monitoring_type is not None and "monitoring_type" in transition.requires:
        details["monitoring_type"] = case.monitoring_type = data.monitoring_type.value
    if "open_notice" in transition.effects:
        case.notice_starts_on, case.notice_ends_on = data.on, _notice_end(case, data, campaign, calendar)
        details |= {"notice_starts_on": case.notice_starts_on.isoformat(),
                    "notice_ends_on": case.notice_ends_on.isoformat()}
    if "open_objection" in transition.effects:
        case.objection_open = True
    if "resolve_objection" in transition.effects:
        case.objection_open = False
    return details


async def _after_effects(session: AppSession, case: Case, transition: Transition, data: StepCreate,
                         campaign: Campaign | None, calendar: WorkdayCalendar) -> None:
    late = case.due_on is not None and data.on > case.due_on
    if "meet_approval_clock" in transition.effects and case.due_on is not None:
        await publish(session, DeadlineMet(key=approval_key(case), met_on=data.on, late=late),
                      org_code=case.org_code, source=SOURCE)
    if "schedule_plan" in transition.effects and (plan := _clock(campaign, "plan")) is not None:
        days, unit = plan
        case.plan_due_on = due_date(data.on, days, unit, calendar)
        await publish(session, DeadlineScheduled(
            key=plan_key(case), kind="assistance_plan", subject=DeadlineSubject(type="case", id=case.id),
            org_code=case.org_code, due=case.plan_due_on, unit=unit.value, amount=days, counted_from=data.on,
            basis=f"campaign {campaign.code} plan_days", rule_code="assistance.plan_over_10_days"),
            org_code=case.org_code, source=SOURCE)
    if "close" in transition.effects:
        await _close(session, case, on=data.on, outcome=MACHINES[case.kind].state(transition.target).outcome,
                     reason=data.reason or data.explanation, late=late, campaign=campaign)


async def _close(session: AppSession, case: Case, *, on: date, outcome: str, reason: str | None, late: bool,
                 campaign: Campaign | None) -> None:
    case.outcome, case.closed_on, case.open_key = outcome, on, None
    await session.flush()
    await publish(session, CaseClosed(case_id=case.id, kind=case.kind, household_id=case.household_id,
                                      org_code=case.org_code, outcome=outcome, closed_on=on,
                                      started_on=case.started_on, due_on=case.due_on, overdue=late,
                                      monitoring_type=case.monitoring_type, reason=reason),
                  org_code=case.org_code, source=SOURCE)
    if late and outcome == "identified" and campaign is not None:
        await _file_overrun(session, case, on, campaign)


async def _file_overrun(session: AppSession, case: Case, on: date, campaign: Campaign) -> None:
    """The ledger rule of the 15-day limit: an identification approved after its due day is a village problem."""
    detail = (f"{case.started_on}发现风险，{on}批准纳入，超过{case.due_days}天"
              f"（{DeadlineUnit(case.due_unit).label}，应于{case.due_on}前）")
    firing = Firing(rule("identification.over_15_days"), "identification.over_15_days",
                    {"key": f"case:{case.id}", "observed_at": clock.now().isoformat(), "event_id": None,
                     "event_type": "case.closed", "detail": detail},
                    {"detail": detail}, campaign_day=case.started_on)
    context = Context(household_id=case.household_id, org_code=case.org_code, head_name=case.head_name,
                      group_name=case.group_name, category=None)
    await file_firing(session, firing=firing, context=context, campaign=campaign)


# --- reading -------------------------------------------------------------------------------------------


def days_over(case: Case, today: date) -> int:
    if case.due_on is None:
        return 0
    end = case.closed_on or today
    return max((end - case.due_on).days, 0)


def case_read(case: Case, steps=()) -> CaseRead:
    machine = MACHINES[case.kind]
    over = days_over(case, clock.today())
    stored = {name: getattr(case, name) for name in CaseRead.model_fields if hasattr(Case, name)}
    return CaseRead(**stored, state_label=machine.state(case.state).label, overdue=over > 0, days_over=over,
                    allowed_transitions=[t.name for t in machine.allowed_from(case.state)],
                    steps=[StepRead.model_validate(s, from_attributes=True) for s in steps])


async def read(session: AppSession, case: Case) -> CaseRead:
    return case_read(case, await CaseRepository(session).steps(case.id))


async def get(session: AppSession, *, case_id: uuid.UUID) -> CaseRead:
    case = await CaseRepository(session).get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id} in your scope")
    return await read(session, case)


async def list_cases(session: AppSession, *, criteria: CaseFilter, limit: int, offset: int) -> CasePage:
    rows, total = await CaseRepository(session).page(criteria, limit=limit, offset=offset)
    return CasePage(items=[case_read(row) for row in rows], total=total, limit=limit, offset=offset)


async def notice(session: AppSession, *, village: str) -> Notice:
    """The cases under notice in a village: head, group, the reason in general words, and the notice's dates."""
    entries = [NoticeEntry(case_id=c.id, kind=c.kind, procedure=MACHINES[c.kind].label, head_name=c.head_name,
                           group_name=c.group_name, reason=notice_reason(c), notice_starts_on=c.notice_starts_on,
                           notice_ends_on=c.notice_ends_on)
               for c in await CaseRepository(session).under_notice(village)]
    return Notice(village=village, as_of=clock.today(), entries=entries)
