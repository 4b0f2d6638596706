"""Weighing the rules for a household after an event, and filing what fires into the problem ledger."""

from __future__ import annotations

import structlog

from services.ledger.assistance.repository import AssistanceRepository
from services.ledger.assistance.service import has_development_measure
from services.ledger.campaigns.service import campaign_of_income_year, campaign_on
from services.ledger.households.models import LedgerHousehold
from services.ledger.households.service import current_category
from services.ledger.problems.models import Problem
from services.ledger.problems.service import file_firing
from services.ledger.rules.catalogue import RULES
from services.ledger.rules.evaluate import (
    Context,
    Firing,
    IncomeFacts,
    VisitFacts,
    income_firings,
    visit_firings,
)
from services.ledger.rules.schemas import RuleRead
from shared.data.database import AppSession
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted

log = structlog.get_logger(__name__)


def visit_facts(visit: VisitSubmitted, event_id) -> VisitFacts:
    return VisitFacts(visit_id=visit.visit_id, visited_at=visit.visited_at, event_id=event_id,
                      has_risk=visit.risk.has_risk, causes=list(visit.risk.causes),
                      guarantees=visit.guarantees.model_dump(),
                      members=[(m.name, m.labour_capacity) for m in visit.members],
                      findings=[f.model_dump() for f in visit.findings])


def income_facts(income: IncomeAssessed, occurred_at, event_id) -> IncomeFacts:
    return IncomeFacts(assessment_id=income.assessment_id, year=income.year, assessed_at=occurred_at,
                       event_id=event_id, below_line=income.below_monitoring_line,
                       per_capita=income.per_capita_net_income)


def _latest_visit(row: LedgerHousehold) -> VisitFacts | None:
    if row.visit_id is None or row.visited_at is None:
        return None
    return VisitFacts(visit_id=row.visit_id, visited_at=row.visited_at, event_id=None,
                      has_risk=bool(row.visit_has_risk), causes=list(row.visit_risk_causes),
                      guarantees=dict(row.visit_guarantees or {}))


def _latest_income(row: LedgerHousehold) -> IncomeFacts | None:
    if row.income_assessment_id is None or row.income_year is None or row.income_as_of is None:
        return None
    return IncomeFacts(assessment_id=row.income_assessment_id, year=row.income_year, assessed_at=row.income_as_of,
                       event_id=None, below_line=bool(row.income_below_line), per_capita=row.income_per_capita)


async def context_of(session: AppSession, row: LedgerHousehold, *, development_covered: bool = False) -> Context:
    return Context(household_id=row.household_id, org_code=row.org_code, head_name=row.head_name,
                   group_name=row.group_name, category=await current_category(session, row),
                   development_covered=development_covered)


async def weigh(session: AppSession, row: LedgerHousehold, *, visit: VisitFacts | None = None,
                income: IncomeFacts | None = None) -> list[Problem]:
    """Weigh the rules on the event's own facts and on the view's latest visit and income, and file what fires.

    The view's latest facts are weighed again because the household's context may have just become
    known or changed; what they fire was filed before is only the same evidence again.
    """
    if row.removed:
        return []
    plan = await AssistanceRepository(session).current_plan_of_household(row.household_id)
    context = await context_of(session, row, development_covered=has_development_measure(plan))
    firings: list[Firing] = []
    visits = [visit] if visit is not None else []
    latest_visit = _latest_visit(row)
    if latest_visit is not None and (visit is None or latest_visit.visit_id != visit.visit_id):
        visits.append(latest_visit)
    incomes = [income] if income is not None else []
    latest_income = _latest_income(row)
    if latest_income is not None and (income is None or latest_income.assessment_id != income.assessment_id):
        incomes.append(latest_income)
    for facts in visits:
        firings += visit_firings(facts, context)
    for facts in incomes:
        firings += income_firings(facts, context)
    filed = []
    for firing in firings:
        if firing.campaign_day is not None:
            campaign = await campaign_on(session, org_code=context.org_code, day=firing.campaign_day)
        else:
            campaign = await campaign_of_income_year(session, org_code=context.org_code, year=firing.income_year)
        if campaign is None:
            log.warning("no_campaign_for_rule", rule=firing.rule_code, household_id=str(context.household_id),
                        day=str(firing.campaign_day), income_year=firing.income_year)
            continue
        filed.append(await file_firing(session, firing=firing, context=context, campaign=campaign))
    return filed


def list_rules() -> list[RuleRead]:
    return [RuleRead(code=r.code, level=r.level, problem_type=r.problem_type.value,
                     problem_type_label=r.problem_type.label, source=r.source, clause=r.clause, message=r.message,
                     triggers=list(r.triggers), finding_code=r.finding_code, active=r.active, note=r.note)
            for r in RULES]
