"""Income rule sets: the thresholds of one monitoring year in one region, versioned data.

``catalog`` holds the pure model and resolution (no database); ``models``, ``repository``,
``service`` and ``endpoints`` keep the versions a district admin adds in the ``rule_sets`` table.
"""

from services.income.rulesets.catalog import (
    BracketBounds,
    DuplicateRuleSetVersion,
    IncomeYearNotFound,
    RuleSet,
    RuleSetCatalog,
    RuleSetNotFound,
    default_catalog,
)

__all__ = [
    "BracketBounds",
    "DuplicateRuleSetVersion",
    "IncomeYearNotFound",
    "RuleSet",
    "RuleSetCatalog",
    "RuleSetNotFound",
    "default_catalog",
]
