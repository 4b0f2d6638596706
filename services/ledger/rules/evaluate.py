"""Which rules fire on what the ledger knows of a household: pure functions of facts, no database.

Facts come from an event as it arrives (a visit, an assessment) and, again, from the view's latest
visit and income each time the household's context changes, so a rule that needs the register (an
assessment heard before its household) still fires once the register is known. Each firing carries
its evidence with a key naming the fact (``visit:<id>``, ``assessment:<id>``): the same fact seen
again is the same evidence, never a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from services.ledger.households.service import ABLE
from services.ledger.rules.catalogue import Rule, rule, rule_for_finding
from shared.domain.clock import shanghai_date
from shared.domain.enums import LedgerHouseholdCategory, RiskCause

CATEGORY = LedgerHouseholdCategory
WORKING = ABLE  # who counts as able to work is the household view's one rule
GUARANTEE_RULES = {"dropout": "guarantee.dropout", "uninsured": "guarantee.uninsured",
                   "housing_unsafe": "guarantee.housing_unsafe", "water_unsafe": "guarantee.water_unsafe"}


@dataclass(frozen=True)
class Context:
    """The household as the view knows it when a rule is weighed."""

    household_id: uuid.UUID
    org_code: str
    head_name: str | None
    group_name: str | None
    category: LedgerHouseholdCategory | None
    development_covered: bool = False  # its current assistance plan has a development measure


@dataclass(frozen=True)
class VisitFacts:
    visit_id: uuid.UUID
    visited_at: datetime
    event_id: uuid.UUID | None
    has_risk: bool
    causes: list[str]
    guarantees: dict[str, bool]
    members: list[tuple[str, str]] | None = None  # (name, labour capacity), when the event itself is at hand
    findings: list[dict] | None = None


@dataclass(frozen=True)
class IncomeFacts:
    assessment_id: uuid.UUID
    year: int
    assessed_at: datetime
    event_id: uuid.UUID | None
    below_line: bool
    per_capita: Decimal | None


@dataclass(frozen=True)
class Firing:
    """A rule that fired for a household, on one piece of evidence, in the campaign of a day or income year."""

    rule: Rule
    rule_code: str
    evidence: dict
    params: dict = field(default_factory=dict)
    campaign_day: date | None = None
    income_year: int | None = None

    def description(self, context: Context) -> str:
        values = {"head": context.head_name or "（未知）", "group": context.group_name or "未分社"} | self.params
        return self.rule.message.format(**values)[:1000]


def _visit_evidence(facts: VisitFacts, detail: str) -> dict:
    return {"key": f"visit:{facts.visit_id}", "observed_at": facts.visited_at.isoformat(),
            "event_id": str(facts.event_id) if facts.event_id else None, "event_type": "visit.submitted",
            "detail": detail}


def _income_evidence(facts: IncomeFacts, detail: str) -> dict:
    return {"key": f"assessment:{facts.assessment_id}", "observed_at": facts.assessed_at.isoformat(),
            "event_id": str(facts.event_id) if facts.event_id else None, "event_type": "income.assessed",
            "detail": detail}


def _not_monitored(category: LedgerHouseholdCategory | None) -> bool:
    return category is not None and category != CATEGORY.MONITORED_UNRESOLVED


def _causes(codes: list[str]) -> str:
    labels = []
    for code in codes:
        try:
            labels.append(RiskCause(code).label)
        except ValueError:
            labels.append(code)
    return "、".join(labels) or "未注明原因"


def visit_firings(facts: VisitFacts, context: Context) -> list[Firing]:
    """Rules a visit fires: guarantees, a risk outside monitoring, elimination, development, findings."""
    day = shanghai_date(facts.visited_at)
    fired: list[Firing] = []

    def fire(code: str, detail: str, *, rule_code: str | None = None, **params) -> None:
        fired.append(Firing(rule(code), rule_code or code, _visit_evidence(facts, detail),
                            {"day": day.isoformat()} | params, campaign_day=day))

    for name, code in GUARANTEE_RULES.items():
        if facts.guarantees.get(name):
            fire(code, f"{day} 走访：{name}")
    if facts.has_risk and _not_monitored(context.category):
        reason = f"{day}走访研判存在返贫致贫风险（{_causes(facts.causes)}）"
        fire("identification.should_be_monitored", reason, reason=reason)
    if facts.has_risk and context.category == CATEGORY.MONITORED_RESOLVED:
        reason = f"{day}走访研判出现新增风险（{_causes(facts.causes)}）"
        fire("elimination.unstable", reason, reason=reason)
    if facts.members is not None and context.category == CATEGORY.MONITORED_UNRESOLVED \
            and not context.development_covered:
        able = [name for name, capacity in facts.members if capacity in WORKING]
        if able:
            fire("development.no_measure", f"{day} 走访：有劳动能力 {'、'.join(able)}", members="、".join(able))
    for finding in facts.findings or []:
        matched = rule_for_finding(finding["code"])
        if matched is None:
            continue
        params = {"message": finding.get("message", ""), "field": finding.get("field", ""),
                  "finding_code": finding["code"]}
        fired.append(Firing(matched, f"finding.{finding['code']}",
                            _visit_evidence(facts, f"{finding['code']}: {params['message']}"),
                            {"day": day.isoformat()} | params, campaign_day=day))
    return fired


def income_firings(facts: IncomeFacts, context: Context) -> list[Firing]:
    """Rules an assessment below the monitoring line fires, depending on whom it concerns."""
    if not facts.below_line:
        return []
    amount = f"{facts.per_capita}元" if facts.per_capita is not None else "（按收入区间）"
    detail = f"{facts.year}收入年度人均纯收入{amount}低于监测范围"
    fired: list[Firing] = []

    def fire(code: str, **params) -> None:
        fired.append(Firing(rule(code), code, _income_evidence(facts, detail), params, income_year=facts.year))

    if _not_monitored(context.category):
        fire("income.below_line_not_monitored", year=facts.year, amount=amount)
        fire("identification.should_be_monitored", reason=detail)
    if context.category == CATEGORY.MONITORED_RESOLVED:
        fire("elimination.unstable", reason=f"{detail}（新收入低于监测范围）")
    return fired
