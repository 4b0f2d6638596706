"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999): parsing, ages and masking.

An 18-character number reads: 6-digit region code, 8-digit birth date (YYYYMMDD), 3-digit order
code whose last digit is odd for men and even for women, and a check character (0-9 or X).
Error messages never repeat the number itself, because they may end up in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, StringConstraints
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from shared.domain.clock import clock
from shared.domain.phones import mask_mobiles_in_text
from shared.domain.plausible import EARLIEST_DATE

ID_NUMBER_LENGTH = 18

_FORMAT = re.compile(r"[0-9]{17}[0-9X]")

Sex = Literal["male", "female"]


class InvalidIdNumber(ValueError):
    """An ID number that breaks one of the GB 11643 rules; the message names the rule."""


@dataclass(frozen=True, slots=True)
class IdNumberInfo:
    """What an 18-character ID number tells about its holder."""

    number: str
    region_code: str
    birth_date: date
    sex: Sex


def normalise_id_number(value: str) -> str:
    """Drop whitespace and upper-case an x check character: harmless slips in a valid number."""
    return "".join(value.split()).upper()


def parse_id_number(value: str, *, today: date | None = None) -> IdNumberInfo:
    """Validate an ID number and return its normalised form with birth date, sex and region code.

    Rules are checked in order (length, format, birth date, check character) so the message
    names the first rule that fails. ``today`` defaults to the service clock's date (China).
    """
    number = normalise_id_number(value)
    if len(number) != ID_NUMBER_LENGTH:
        raise InvalidIdNumber(f"ID number must be 18 characters, got {len(number)}")
    if not _FORMAT.fullmatch(number):
        raise InvalidIdNumber("ID number must be 17 digits followed by a digit or X")
    birth_date = _birth_date(number, today or clock.today())
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidIdNumber(
            f"ID number check character should be {expected!r}, got {number[-1]!r}"
        )
    sex: Sex = "male" if int(number[16]) % 2 else "female"
    return IdNumberInfo(number=number, region_code=number[:6], birth_date=birth_date, sex=sex)


def _birth_date(number: str, today: date) -> date:
    try:
        birth_date = ric.get_birth_date(number)
    except InvalidComponent:
        message = "ID number birth date (characters 7-14) is not a valid date"
        raise InvalidIdNumber(message) from None
    if birth_date > today:
        raise InvalidIdNumber("ID number birth date is in the future")
    if birth_date < EARLIEST_DATE:
        raise InvalidIdNumber(f"ID number birth date is before {EARLIEST_DATE.isoformat()}")
    return birth_date


def age_on(birth_date: date, on_date: date) -> int:
    """Completed years of age on ``on_date`` (the birthday itself counts as a completed year)."""
    if on_date < birth_date:
        raise ValueError("on_date is before birth_date")
    had_birthday = (on_date.month, on_date.day) >= (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - (0 if had_birthday else 1)


def mask_id_number(number: str) -> str:
    """Show only the region code and the last four characters, e.g. ``500151********1234``."""
    number = normalise_id_number(number)
    if len(number) != ID_NUMBER_LENGTH:
        # A malformed stored value says nothing about where its parts are; hide all of it.
        return "*" * len(number)
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


# An ID number (18 characters) anywhere in free text, as a run of its own.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_LONG_DIGIT_RUN = re.compile(r"\d{11}")


def mask_sensitive_text(text: str) -> str:
    """Free text with every ID number and mobile number in it masked as :func:`mask_id_number` and
    ``mask_phone`` would (remarks, notes, log lines: wherever a person may have typed one)."""
    if _LONG_DIGIT_RUN.search(text) is None:
        return text  # both need eleven digits in a row; most text has none
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return mask_mobiles_in_text(text)


def mask_sensitive_values(value: Any) -> Any:
    """The same data with :func:`mask_sensitive_text` applied to every string in it (dicts and lists too)."""
    if isinstance(value, str):
        return mask_sensitive_text(value)
    if isinstance(value, dict):
        return {key: mask_sensitive_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_sensitive_values(item) for item in value]
    return value


def free_text(max_length: int = 500) -> Any:
    """The type of text a person typed (remarks, notes, measures, reasons): stripped, 1 to ``max_length``
    characters, and any ID number or mobile number in it masked on receipt, so the clear value is never
    stored (the fields made for those numbers hold them, encrypted)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
                     AfterValidator(mask_sensitive_text)]
