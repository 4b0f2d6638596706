"""Suspected problems (疑似问题): recorded by hand or by a rule, verified, listed, counted, read with history.

A rule's problem is keyed by (campaign, rule, subject) in the table. Filing one looks for the open
row first; a new one is inserted in a savepoint, so that two deliveries racing to raise the same
problem end with one row: the loser's unique violation turns into adding its evidence to the
winner's. Evidence is keyed by the fact it cites (a visit, an assessment), so the same fact seen
again adds nothing; a problem verified as no problem is raised again only by evidence newer than
all it was verified on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.service import campaign_on, get_campaign
from services.ledger.households.repository import HouseholdViewRepository
from services.ledger.households.service import current_category
from services.ledger.problems.history import record_history
from services.ledger.problems.models import Problem
from services.ledger.problems.repository import ProblemFilter, ProblemRepository
from services.ledger.problems.schemas import (
    EvidenceRead,
    HistoryRead,
    ProblemCounts,
    ProblemCreate,
    ProblemDetail,
    ProblemPage,
    ProblemRead,
    TypeCount,
    VerificationCreate,
    VillageCount,
    type_label,
)
from services.ledger.rectifications import service as rectifications
from services.ledger.rules.evaluate import Context, Firing
from shared.data.database import AppSession, violates
from shared.domain.clock import clock
from shared.domain.enums import (
    HouseholdProblemType,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
    VerificationResult,
    VillageProblemType,
)
from shared.domain.workdays import WorkdayCalendar
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.ledger import ProblemRecorded, ProblemVerified
from shared.events.outbox import publish
from shared.security.auth import Principal, org_level

SOURCE = "ledger"
PROBLEM_KEY = "uq_ledger_problems_campaign_id_rule_code_subject_key"
PROBLEM_KEY_COLUMNS = ("ledger_problems.campaign_id", "ledger_problems.rule_code", "ledger_problems.subject_key")


async def _announce(session: AppSession, problem: Problem, campaign_code: str, *, reraised: bool = False) -> None:
    await publish(session, ProblemRecorded(
        problem_id=problem.id, campaign_code=campaign_code, org_code=problem.org_code, level=problem.level,
        problem_type=problem.problem_type, description=problem.description, source=problem.source,
        rule_code=problem.rule_code, household_id=problem.household_id, recorded_by=problem.recorded_by,
        recorded_at=problem.recorded_at, reraised=reraised), org_code=problem.org_code, source=SOURCE)


# --- rules ---------------------------------------------------------------------------------------------


async def file_firing(session: AppSession, *, firing: Firing, context: Context, campaign: Campaign) -> Problem:
    """The problem a rule raised for a household: a new row, or the existing one with this evidence added."""
    subject_key = f"household:{context.household_id}"
    repository = ProblemRepository(session)
    existing = await repository.by_key(campaign.id, firing.rule_code, subject_key)
    if existing is not None:
        return await _add_evidence(session, existing, firing, campaign)
    problem = _rule_problem(session, firing, context, campaign, subject_key)
    await session.flush()  # earlier pending work must not fail inside (and be blamed on) the savepoint
    try:
        async with session.begin_nested():
            session.add(problem)
            await session.flush()
    except IntegrityError as exc:
        if not violates(exc, PROBLEM_KEY, PROBLEM_KEY_COLUMNS):
            raise
        winner = await repository.by_key(campaign.id, firing.rule_code, subject_key)
        return await _add_evidence(session, winner, firing, campaign)
    record_history(session, problem_id=problem.id, org_code=problem.org_code, action="recorded",
                   note=f"rule {firing.rule_code}: {firing.evidence['detail']}")
    await _announce(session, problem, campaign.code)
    return problem


def _rule_problem(session: AppSession, firing: Firing, context: Context, campaign: Campaign,
                  subject_key: str) -> Problem:
    principal = session.principal
    category = context.category
    return Problem(
        campaign_id=campaign.id, org_code=context.org_code, level=firing.rule.level.value,
        problem_type=firing.rule.problem_type.value, description=firing.description(context),
        source=firing.rule.source.value, rule_code=firing.rule_code, subject_key=subject_key,
        household_id=context.household_id, group_name=context.group_name, head_name=context.head_name,
        category=category.value if category else None, status=ProblemStatus.SUSPECTED.value,
        evidence=[firing.evidence], recorded_by=principal.user_id if principal else "system",
        recorded_by_name=principal.name if principal else "system", recorded_at=clock.now())


def _observed(evidence: dict) -> datetime:
    return datetime.fromisoformat(evidence["observed_at"])


async def _add_evidence(session: AppSession, problem: Problem, firing: Firing, campaign: Campaign) -> Problem:
    evidence = firing.evidence
    if any(seen["key"] == evidence["key"] for seen in problem.evidence):
        return problem  # the same fact again: nothing new
    newest = max((_observed(seen) for seen in problem.evidence), default=None)
    problem.evidence = [*problem.evidence, evidence]
    reraise = (problem.status == ProblemStatus.NOT_A_PROBLEM and newest is not None
               and _observed(evidence) > newest)
    if reraise:
        record_history(session, problem_id=problem.id, org_code=problem.org_code, action="reraised",
                       changes={"status": (problem.status, ProblemStatus.SUSPECTED.value)},
                       note=f"new evidence after it was verified as no problem: {evidence['detail']}")
        problem.status = ProblemStatus.SUSPECTED.value
    else:
        record_history(session, problem_id=problem.id, org_code=problem.org_code, action="evidence_added",
                       note=evidence["detail"])
    await session.flush()
    if reraise:
        await _announce(session, problem, campaign.code, reraised=True)
    return problem


# --- by hand -------------------------------------------------------------------------------------------


def _check_type(level: ProblemLevel, problem_type: str) -> None:
    enum = HouseholdProblemType if level == ProblemLevel.HOUSEHOLD else VillageProblemType
    if problem_type not in enum.labels():
        allowed = ", ".join(enum.labels())
        raise InvalidInput("body.problem_type", f"{problem_type!r} is not a {level.value}-level type; one of {allowed}")


async def create_problem(session: AppSession, *, principal: Principal, data: ProblemCreate) -> ProblemDetail:
    """Record a suspected problem by hand; a household's details come from the ledger's view of it."""
    _check_type(data.level, data.problem_type)
    household = None
    if data.level == ProblemLevel.HOUSEHOLD:
        if data.household_id is None:
            raise InvalidInput("body.household_id", "a household-level problem names its household")
        household = await HouseholdViewRepository(session).get(data.household_id)
        if household is None:
            raise NotFound(f"the ledger has heard of no household {data.household_id} in your scope")
        org_code = household.org_code
    else:
        expected = "village" if data.level == ProblemLevel.VILLAGE else "township"
        if data.org_code is None or org_level(data.org_code) != expected:
            raise InvalidInput("body.org_code", f"a {data.level.value}-level problem names a {expected} code")
        org_code = data.org_code
    if data.campaign_id is not None:
        campaign = await get_campaign(session, campaign_id=data.campaign_id)
    else:
        campaign = await campaign_on(session, org_code=org_code, day=clock.today())
        if campaign is None:
            raise InvalidInput("body.campaign_id", f"no campaign has begun for {org_code}; name one")
    category = await current_category(session, household) if household is not None else None
    problem = Problem(
        campaign_id=campaign.id, org_code=org_code, level=data.level.value, problem_type=data.problem_type,
        description=data.description, remarks=data.remarks, source=ProblemSource.MANUAL.value,
        household_id=household.household_id if household else None,
        group_name=household.group_name if household else None, head_name=household.head_name if household else None,
        category=category.value if category else None, status=ProblemStatus.SUSPECTED.value, evidence=[],
        recorded_by=principal.user_id, recorded_by_name=principal.name, recorded_at=clock.now())
    session.add(problem)
    await session.flush()
    record_history(session, problem_id=problem.id, org_code=org_code, action="recorded", note="recorded by hand")
    await _announce(session, problem, campaign.code)
    return await get_problem(session, problem_id=problem.id)


async def verify(session: AppSession, *, principal: Principal, problem_id: uuid.UUID, data: VerificationCreate,
                 calendar: WorkdayCalendar) -> ProblemDetail:
    """核实: ① not a problem, with its reason; ② confirmed, opening its rectification in this transaction."""
    problem = await ProblemRepository(session).get(problem_id, for_update=True)
    if problem is None:
        raise NotFound(f"no problem {problem_id} in your scope")
    if problem.status != ProblemStatus.SUSPECTED:
        raise Conflict(f"the problem was already verified ({ProblemStatus(problem.status).label})")
    now = clock.now()
    old_status = problem.status
    problem.status = data.result.value
    problem.verification_result, problem.verification_reason = data.result.value, data.reason
    problem.verified_by, problem.verified_by_name, problem.verified_at = principal.user_id, principal.name, now
    record_history(session, problem_id=problem.id, org_code=problem.org_code, action="verified",
                   changes={"status": (old_status, problem.status)}, note=data.reason)
    item = None
    if data.result == VerificationResult.CONFIRMED:
        campaign = await session.get(Campaign, problem.campaign_id)
        item = await rectifications.open_for(session, problem=problem, campaign=campaign, calendar=calendar,
                                             immediate=data.immediate, measures=data.measures,
                                             responsible_unit=data.responsible_unit)
    await session.flush()
    await publish(session, ProblemVerified(
        problem_id=problem.id, org_code=problem.org_code, result=data.result.value, reason=data.reason,
        rectification_id=item.id if item else None, verified_by=principal.user_id, verified_at=now),
        org_code=problem.org_code, source=SOURCE)
    return await get_problem(session, problem_id=problem.id)


# --- reading -------------------------------------------------------------------------------------------


def _read_fields(problem: Problem) -> dict:
    return {"problem_type_label": type_label(problem.level, problem.problem_type),
            "evidence_count": len(problem.evidence)}


async def get_problem(session: AppSession, *, problem_id: uuid.UUID) -> ProblemDetail:
    repository = ProblemRepository(session)
    problem = await repository.get(problem_id)
    if problem is None:
        raise NotFound(f"no problem {problem_id} in your scope")
    rectification_ids = await repository.rectification_ids([problem.id])
    history = await repository.history(problem.id)
    return ProblemDetail.model_validate({
        **_columns(problem), **_read_fields(problem), "rectification_id": rectification_ids.get(problem.id),
        "evidence": [EvidenceRead.model_validate(e) for e in problem.evidence],
        "history": [HistoryRead.model_validate(h, from_attributes=True) for h in history]})


def _columns(problem: Problem) -> dict:
    return {column: getattr(problem, column) for column in Problem.model_fields}


async def list_problems(session: AppSession, *, criteria: ProblemFilter, limit: int, offset: int) -> ProblemPage:
    repository = ProblemRepository(session)
    rows, total = await repository.page(criteria, limit=limit, offset=offset)
    rectification_ids = await repository.rectification_ids([row.id for row in rows])
    items = [ProblemRead.model_validate({**_columns(row), **_read_fields(row),
                                         "rectification_id": rectification_ids.get(row.id)}) for row in rows]
    return ProblemPage(items=items, total=total, limit=limit, offset=offset)


async def count_problems(session: AppSession, *, criteria: ProblemFilter) -> ProblemCounts:
    repository = ProblemRepository(session)
    by_type = [TypeCount(level=level, problem_type=kind, label=type_label(level, kind), count=count)
               for level, kind, count in await repository.counts_by_type(criteria)]
    by_village = [VillageCount(org_code=org, count=count) for org, count in await repository.counts_by_village(criteria)]
    return ProblemCounts(total=sum(entry.count for entry in by_type), by_type=by_type, by_village=by_village)
