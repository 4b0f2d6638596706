"""Valid resident ID numbers built with the GB 11643 check algorithm, written out independently
of the code under test so the tests check that code against the standard."""

from __future__ import annotations

from datetime import date
from typing import Literal

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11

TONGLIANG_DISTRICT = "500151"


def check_character(body: str) -> str:
    """The check character for a 17-digit body."""
    assert len(body) == 17 and body.isdigit(), body
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def with_check_character(body: str) -> str:
    """A 17-digit body completed into a valid 18-character number."""
    return body + check_character(body)


def valid_id_number(
    birth: date,
    sex: Literal["male", "female"] = "male",
    serial: int = 1,
    region: str = TONGLIANG_DISTRICT,
) -> str:
    """A valid number for someone born on ``birth`` in ``region``.

    ``serial`` (0-99) gives the first two digits of the order code and ``sex`` its last digit
    (odd for men, even for women); vary ``serial`` to get different people.
    """
    assert 0 <= serial <= 99, serial
    order_code = f"{serial:02d}{1 if sex == 'male' else 2}"
    return with_check_character(f"{region}{birth:%Y%m%d}{order_code}")


def with_wrong_check_character(number: str) -> str:
    """The same number with a check character that does not match its body."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong
