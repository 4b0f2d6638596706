"""Household size and per-capita net income by 附件5 (家庭人口数, 人均纯收入).

- Net income = wage + property + transfer + production income - production expense.
- Household size = the members' months in the household in the income year ÷ 12. A member who
  enlisted or entered a military academy and still shares the household's income and expenses
  counts for all 12 months, whatever months the register shows.
- Per-capita net income = net income ÷ household size, rounded once to the fen, half up. It is
  computed from the exact member-months (net × 12 ÷ member-months), never from a rounded size.

Intake screens a visit's amounts with these rules and income assesses them with the same ones, so
both name the same figure for the same household.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol

from shared.domain.money import to_fen

MONTHS_PER_YEAR = 12
# The most members one household declares, on a visit form or to the income calculator: a real
# household holds a handful; the bound keeps one request from costing seconds of everyone's time.
MAX_MEMBERS = 60
# 60 digits keep the quotient far closer to its true value than half a fen is to any non-half
# figure, so rounding it rounds exactly as the true fraction would.
_PRECISION = 60


class CountedMember(Protocol):
    """What household size needs of a member."""

    @property
    def months_in_household(self) -> int: ...

    @property
    def enlisted_sharing_income(self) -> bool: ...


@dataclass(frozen=True)
class MemberMonths:
    """A member as household size counts one, for callers that hold the two facts apart."""

    months_in_household: int = MONTHS_PER_YEAR
    enlisted_sharing_income: bool = False


class EmptyHousehold(ValueError):
    """No member was in the household in the income year, so no per-capita figure exists."""

    def __init__(self) -> None:
        super().__init__("household size is 0: no member was in the household in the income year")


def member_months(member: CountedMember) -> int:
    """The months one member counts for: 12 for an enlisted member sharing income, else their months."""
    return MONTHS_PER_YEAR if member.enlisted_sharing_income else member.months_in_household


def household_months(members: Iterable[CountedMember]) -> int:
    """The household's member-months: household size × 12, exact."""
    return sum(member_months(member) for member in members)


def household_size(members: Iterable[CountedMember]) -> Decimal:
    """家庭人口数: member-months ÷ 12 (exact to 60 digits; round it only to show it)."""
    with localcontext() as context:
        context.prec = _PRECISION
        return Decimal(household_months(members)) / MONTHS_PER_YEAR


def net_income(*, wage_income: Decimal, property_income: Decimal, transfer_income: Decimal,
               production_income: Decimal, production_expense: Decimal) -> Decimal:
    """家庭纯收入: the four incomes less the production expense (may be negative)."""
    return wage_income + property_income + transfer_income + production_income - production_expense


def per_capita_of_months(amount: Decimal, months: int) -> Decimal:
    """``amount`` per person-year for ``months`` member-months (amount × 12 ÷ months), to the fen."""
    if months <= 0:
        raise EmptyHousehold()
    with localcontext() as context:
        context.prec = _PRECISION
        return to_fen(amount * MONTHS_PER_YEAR / months)


def per_capita(net: Decimal, members: Iterable[CountedMember]) -> Decimal:
    """人均纯收入: ``net`` ÷ household size, rounded once to the fen, half up."""
    return per_capita_of_months(net, household_months(members))
