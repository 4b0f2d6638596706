"""Classifying a stored assessment again under another rule-set version; no database.

A computed assessment keeps its per-capita figure: 附件5's computation uses no figure of the rule
set, so only the bracket and the two classifications follow the new thresholds.

A bracket ticked on the visit form is a range, not a figure. Its range is read under the rule set
it was ticked under (the brackets may move with a new version), narrowed by the "below 13000?"
answer, and taken to the fen: (8300, 10000] is 8300.01 to 10000.00. Against each line of the new
version the range is wholly at/below it, wholly above it, or straddles it. The first two decide the
classification with certainty (a bracket wholly under a raised monitoring line now lies within the
monitoring range); a straddled line leaves the previous classification standing, marked uncertain,
and the household needs a visit that records its amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.income.calculation.calculator import (
    classify_bracket,
    is_below_monitoring_line,
    is_in_low_income_group,
)
from services.income.calculation.domain_model import IncomeClass
from shared.domain.enums import IncomeBracket
from shared.domain.household_income import per_capita_of_months
from shared.domain.money import FEN
from shared.domain.rulesets import RuleSet


@dataclass(frozen=True)
class Classification:
    """Where a household stands under one rule set."""

    bracket: IncomeBracket | None
    below_monitoring_line: bool
    in_low_income_group: bool
    certain: bool = True
    explanation: str | None = None

    @property
    def income_class(self) -> IncomeClass:
        return IncomeClass.of(self.below_monitoring_line, self.in_low_income_group)


@dataclass(frozen=True)
class Figures:
    """The per-capita figures of a computed assessment and their classification."""

    per_capita_net_income: Decimal
    per_capita_after_compliant_expenses: Decimal
    classification: Classification


def classify_figures(ruleset: RuleSet, *, net_income: Decimal, compliant_expenses: Decimal,
                     member_months: int) -> Figures:
    """The per-capita figures from a household's totals, classified under ``ruleset``."""
    per_capita = per_capita_of_months(net_income, member_months)
    return Figures(
        per_capita_net_income=per_capita,
        per_capita_after_compliant_expenses=per_capita_of_months(net_income - compliant_expenses, member_months),
        classification=Classification(
            bracket=classify_bracket(ruleset, per_capita),
            below_monitoring_line=is_below_monitoring_line(ruleset, per_capita),
            in_low_income_group=is_in_low_income_group(ruleset, per_capita),
        ),
    )


def bracket_range(ticked_under: RuleSet, bracket: IncomeBracket, below_13000: bool | None
                  ) -> tuple[Decimal, Decimal | None]:
    """The per-capita figures, to the fen and both ends included, that a ticked bracket allows."""
    bounds = ticked_under.bounds(IncomeBracket(bracket))
    low, high = bounds.lower_exclusive + FEN, bounds.upper_inclusive
    threshold = ticked_under.below_13000_threshold
    if below_13000 is True:
        high = threshold - FEN if high is None else min(high, threshold - FEN)
    elif below_13000 is False:
        low = max(low, threshold)
    return low, high


def _against(line: Decimal, low: Decimal, high: Decimal | None, *, strict: bool) -> bool | None:
    """Whether every figure in [low, high] is under ``line`` (``<`` if strict, else ``<=``); None if it depends."""
    def under(value: Decimal) -> bool:
        return value < line if strict else value <= line

    if high is not None and under(high):
        return True
    if not under(low):
        return False
    return None


def reclassify_bracket(ticked_under: RuleSet, ruleset: RuleSet, *, bracket: IncomeBracket,
                       below_13000: bool | None, previous_below: bool, previous_in_group: bool) -> Classification:
    """A ticked bracket classified under ``ruleset``; a line the range straddles keeps its previous answer."""
    low, high = bracket_range(ticked_under, bracket, below_13000)
    shown = f"{low} to {high if high is not None else 'no upper bound'}"
    below = _against(ruleset.monitoring_line, low, high, strict=False)
    in_group = _against(ruleset.low_income_line, low, high, strict=True)
    notes = [f"Bracket {IncomeBracket(bracket).label} (as ticked under rule set {ticked_under.version}) allows "
             f"per-capita figures from {shown}."]
    notes.append(_note("monitoring line", ruleset.monitoring_line, below, inclusive=True,
                       yes="within the monitoring range", no="above the monitoring range"))
    notes.append(_note("low-income line", ruleset.low_income_line, in_group, inclusive=False,
                       yes="in the low-income group", no="not in the low-income group"))
    certain = below is not None and in_group is not None
    if not certain:
        notes.append("Where the range straddles a line the previous classification stands; a visit recording "
                     "the amounts A-E is needed to settle it.")
    return Classification(
        bracket=IncomeBracket(bracket),
        below_monitoring_line=previous_below if below is None else below,
        in_low_income_group=previous_in_group if in_group is None else in_group,
        certain=certain,
        explanation=" ".join(notes),
    )


def _note(name: str, line: Decimal, verdict: bool | None, *, inclusive: bool, yes: str, no: str) -> str:
    if verdict is None:
        return f"The range straddles the {name} {line}: cannot tell."
    if verdict:
        where = "at or under" if inclusive else "under"
    else:
        where = "above" if inclusive else "at or above"
    return f"The whole range is {where} the {name} {line}: {yes if verdict else no}."
