"""Risk elimination (风险消除): the conditions a household must meet before an elimination case opens.

The conditions are a list, each a code, what it requires, and a check of the household's facts that
answers what is unmet (None when met). Opening weighs every one and refuses with all that failed,
so adding a condition is adding one entry to :data:`CONDITIONS`.

The facts come from the ledger alone: its household view (the latest visit, the latest income), the
log of the source events it consumed (every income assessment and visit, with the day each is dated
by), the status the household's cases decided, and its open cases. An income assessment is dated by
the visit it came from when the ledger has that visit, else by the day the assessment was made:
never by when the ledger processed it.
"""

from __future__ import annotations

import calendar as months
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.ledger.cases.models import HouseholdMonitoring
from services.ledger.households.models import LedgerHousehold, LedgerSourceEvent
from shared.domain.clock import shanghai_date
from shared.domain.enums import LedgerHouseholdCategory
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.envelope import Envelope

INCOME, VISIT = "income.assessed", "visit.submitted"
# The three guarantees and drinking water (三保障和饮水安全), as a visit records a shortfall in each.
GUARANTEES = {"dropout": "义务教育有保障", "uninsured": "基本医疗有保障", "housing_unsafe": "住房安全有保障",
              "water_unsafe": "饮水安全有保障"}


def add_months(day: date, count: int) -> date:
    """The same day ``count`` calendar months later (the month's last day when it is shorter)."""
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RiskyVisit:
    visited_on: date
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EliminationFacts:
    """What the ledger knows of a household on the day an elimination is proposed."""

    proposed_on: date
    category: LedgerHouseholdCategory | None
    identified_on: date | None  # the day its cases last made it an unresolved monitoring object, if they did
    income_months_required: int | None  # from the campaign of the proposal's day
    latest_income_below_line: bool | None
    latest_income_year: int | None
    above_line_since: date | None  # first day of the latest unbroken run of assessments above the line
    latest_visit_on: date | None
    latest_visit_risk: bool = False  # the latest visit still judges a risk: the identified one is not gone
    shortfalls: tuple[str, ...] = ()  # the guarantees the latest visit found short
    new_risks: tuple[RiskyVisit, ...] = field(default=())  # causes judged since identification not identified then
    open_cases: tuple[str, ...] = ()  # kinds of the household's open cases
    # The whole household has no labour capacity and its current plan gives it protective cover (兜底保障).
    no_labour_on_protective_cover: bool = False


@dataclass(frozen=True)
class Condition:
    code: str
    requires: str
    unmet: Callable[[EliminationFacts], str | None]


def _unresolved(facts: EliminationFacts) -> str | None:
    if facts.category == LedgerHouseholdCategory.MONITORED_UNRESOLVED:
        return None
    shown = facts.category.label if facts.category else "unknown to the ledger"
    return f"the household is {shown}, not an unresolved monitoring object (监测户（未消除风险）)"


def _income(facts: EliminationFacts) -> str | None:
    months_required = facts.income_months_required
    if months_required is None:
        return f"the campaign of {facts.proposed_on} sets no elimination_income_months"
    if facts.latest_income_below_line is None:
        return "the ledger holds no income assessment of the household"
    if facts.latest_income_below_line or facts.above_line_since is None:
        return f"the latest income assessment ({facts.latest_income_year}) is below the monitoring line"
    latest_start = add_months(facts.proposed_on, -months_required)
    if facts.above_line_since > latest_start:
        return (f"income has been above the line since {facts.above_line_since}; {months_required} months before "
                f"{facts.proposed_on} it must have been since {latest_start} at the latest")
    return None


def _guarantees(facts: EliminationFacts) -> str | None:
    if facts.latest_visit_on is None:
        return "the ledger holds no visit of the household"
    if facts.shortfalls:
        return f"the latest visit ({facts.latest_visit_on}) found short: {'、'.join(facts.shortfalls)}"
    return None


def _no_new_risk(facts: EliminationFacts) -> str | None:
    found = [f"the latest visit ({facts.latest_visit_on}) still judges a risk"] if facts.latest_visit_risk else []
    found += [f"a new risk ({'、'.join(v.causes)}) judged on the visit of {v.visited_on}" for v in facts.new_risks]
    found += [f"an open {kind} case" for kind in facts.open_cases]
    return "; ".join(found) or None


def _not_on_protective_cover(facts: EliminationFacts) -> str | None:
    if facts.no_labour_on_protective_cover:
        return ("the whole household has no labour capacity and its assistance plan gives it protective cover "
                "(保障性帮扶): its risk stays marked while the cover lasts")
    return None


CONDITIONS: tuple[Condition, ...] = (
    Condition("household.unresolved_monitoring_object", "an identified, unresolved monitoring object", _unresolved),
    Condition("income.above_line_long_enough",
              "the latest income above the monitoring line, and above it for at least the campaign's months",
              _income),
    Condition("guarantees.secured", "the latest visit finds the three guarantees and drinking water secured",
              _guarantees),
    Condition("risk.none_new", "the latest visit judges no risk, no visit since identification judged a risk of "
              "another cause than those identified, and no case is open", _no_new_risk),
    Condition("protection.no_labour_covered", "not a whole household without labour capacity on protective "
              "cover", _not_on_protective_cover),
)


def unmet(facts: EliminationFacts) -> list[tuple[str, str]]:
    """Every condition the facts do not meet, as (code, what is unmet), in the list's order."""
    return [(c.code, message) for c in CONDITIONS if (message := c.unmet(facts)) is not None]


def facts_of(*, proposed_on: date, row: LedgerHousehold, category: LedgerHouseholdCategory | None,
             decision: HouseholdMonitoring | None, identified_causes: Sequence[str],
             income_months_required: int | None, logged: Sequence[LedgerSourceEvent],
             open_cases: Sequence[str], no_labour_on_protective_cover: bool = False) -> EliminationFacts:
    """The facts of one household from its view row, its logged source events and its cases."""
    visits: dict = {}
    for stored in logged:
        if stored.event_type == VISIT:
            visit = Envelope.model_validate(stored.envelope).read(VisitSubmitted)
            visits[visit.visit_id] = visit
    assessments = []
    for stored in logged:
        if stored.event_type != INCOME:
            continue
        envelope = Envelope.model_validate(stored.envelope)
        income = envelope.read(IncomeAssessed)
        if income.is_latest is False:
            continue  # a late visit's assessment never became the current one
        source = visits.get(income.source_visit_id)
        dated = shanghai_date(source.visited_at) if source is not None else shanghai_date(envelope.occurred_at)
        assessments.append(((income.year, envelope.occurred_at), dated, income.below_monitoring_line))
    assessments.sort(key=lambda a: a[0])
    since = None
    for _, dated, below in reversed(assessments):
        if below:
            break
        since = dated if since is None else min(since, dated)
    identified_on = decision.decided_on if decision is not None and category == decision.category and (
        decision.category == LedgerHouseholdCategory.MONITORED_UNRESOLVED) else None
    latest_visit_on = shanghai_date(row.visited_at) if row.visited_at is not None else None
    # A risk of a cause the identification did not name, judged since it (when the ledger knows its day).
    since_identified = [v for v in visits.values() if identified_on and shanghai_date(v.visited_at) > identified_on]
    new_risks = tuple(sorted((RiskyVisit(shanghai_date(v.visited_at), tuple(c for c in v.risk.causes
                                                                            if c not in identified_causes))
                              for v in since_identified if v.risk.has_risk
                              and set(v.risk.causes) - set(identified_causes)), key=lambda v: v.visited_on))
    shortfalls = tuple(label for name, label in GUARANTEES.items() if (row.visit_guarantees or {}).get(name))
    return EliminationFacts(
        proposed_on=proposed_on, category=category, identified_on=identified_on,
        income_months_required=income_months_required, latest_income_below_line=row.income_below_line,
        latest_income_year=row.income_year, above_line_since=since, latest_visit_on=latest_visit_on,
        latest_visit_risk=bool(row.visit_has_risk), shortfalls=shortfalls, new_risks=new_risks,
        open_cases=tuple(open_cases), no_labour_on_protective_cover=no_labour_on_protective_cover)
