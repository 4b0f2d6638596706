"""Bounds every input model shares: dates in a plausible range, names a person can read, ASCII amounts.

Each rule is defined once here and used wherever such a value is taken (the visit form, the
household register, the income declaration), so the services cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from shared.domain.clock import clock

# No record of this programme concerns a day before this one (a birth date of 1900 is already a
# person of over 120).
EARLIEST_DATE = date(1900, 1, 1)

# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def latest_date() -> date:
    """The last plausible day of any record: the end of next year, by the service clock."""
    return date(clock.today().year + 1, 12, 31)


def date_problem(day: date) -> str | None:
    """Why ``day`` is out of the plausible range, or None."""
    latest = latest_date()
    if not EARLIEST_DATE <= day <= latest:
        return f"must be between {EARLIEST_DATE.isoformat()} and {latest.isoformat()}"
    return None


def _plausible_date(day: date) -> date:
    problem = date_problem(day)
    if problem is not None:
        raise PydanticCustomError("date_out_of_range", problem)
    return day


def _plausible_datetime(moment: datetime) -> datetime:
    _plausible_date(moment.date())  # the date as written, before any conversion could overflow
    return moment


def _readable_name(name: str) -> str:
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in name):
        raise PydanticCustomError("unreadable_name", "must not contain control or bidirectional-override characters")
    if not any(ch.isprintable() and not ch.isspace() for ch in name):
        raise PydanticCustomError("unreadable_name", "must contain a visible character")
    return name


# "12,000" and "1,234,567.5": commas only between groups of three digits of the integer part.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def _ascii_amount(value: Any) -> Any:
    # Decimal("１２３") reads full-width digits; an amount is refused instead of guessed at.
    if isinstance(value, str) and not value.isascii():
        raise PydanticCustomError("ascii_amount", "write amounts with ASCII digits (0-9), not full-width ones")
    # Phones and spreadsheets write thousands separators; a comma anywhere else is a typo, not a guess.
    if isinstance(value, str) and "," in value:
        if not _GROUPED.fullmatch(value.strip()):
            raise PydanticCustomError("amount_format", "commas may only separate thousands, as in 12,000.50")
        return value.replace(",", "")
    return value


PlausibleDate = Annotated[date, AfterValidator(_plausible_date)]
"""A date from 1900-01-01 to the end of next year."""

PlausibleDatetime = Annotated[AwareDatetime, AfterValidator(_plausible_datetime)]
"""An aware datetime whose date lies from 1900-01-01 to the end of next year."""

PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(_readable_name)
]
"""A person's name (members, the head, assessors, contact and proxy persons): visible, no control characters."""

def ascii_decimal(**constraints: Any) -> Any:
    """A decimal written as a JSON number or a string of ASCII characters (thousands separators, as in
    12,000, are dropped; full-width digits refused), held to ``constraints`` (``ge``, ``max_digits``,
    ``decimal_places``...).

    The constraints sit inside the check of the text, so pydantic-core applies them to the decimal
    itself; placed after it, pydantic would count the digits in Python, at more than twice the cost
    of the whole field (a visit form holds a dozen amounts and areas).
    """
    return Annotated[Decimal, Field(**constraints), BeforeValidator(_ascii_amount)]
