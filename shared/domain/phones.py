"""Phone numbers (联系电话): how one is taken, compared and shown.

A number is written with or without spaces, hyphens and parentheses (``138 1234 5678``,
``023-4567 8901``, ``(023)45678901``); it is kept without them. Two spellings of one number, with
or without the +86 / 0086 country prefix, are the same number for lookups. Responses show it
masked.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

_SEPARATORS = re.compile(r"[\s\-()]")
_COUNTRY_PREFIXES = ("+86", "0086")
# At least the 7 digits of a local number after a prefix, so "+861234" stays what it is.
_LOCAL_DIGITS = 7
PHONE_PATTERN = r"^\+?[0-9]{7,15}$"


def without_separators(value: str) -> str:
    """The number as kept: spaces, hyphens and parentheses removed."""
    return _SEPARATORS.sub("", value)


def normalise_phone(value: str) -> str:
    """The number as compared: without separators and without a +86 / 0086 country prefix."""
    digits = without_separators(value)
    for prefix in _COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) > len(prefix) + _LOCAL_DIGITS:
            return digits[len(prefix):]
    return digits


def mask_phone(phone: str) -> str:
    """Show only the first three and last four characters, e.g. ``138****5678``."""
    digits = without_separators(phone)
    if len(digits) <= 7:
        # Too short to hide anything while keeping seven characters; hide all of it.
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


# A mainland mobile number anywhere in free text, as a run of eleven digits of its own.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_mobiles_in_text(text: str) -> str:
    """Free text with every mobile number in it masked as :func:`mask_phone` masks one."""
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def _kept_form(value: Any) -> Any:
    return without_separators(value) if isinstance(value, str) else value


Phone = Annotated[str, BeforeValidator(_kept_form), StringConstraints(pattern=PHONE_PATTERN)]
"""A phone number in the API: 7 to 15 ASCII digits, optionally after +, separators dropped."""
