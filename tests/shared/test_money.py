"""Money: exact yuan to the fen, and the one rounding rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.domain.money import SignedYuan, Yuan, to_fen

D = Decimal
YUAN = TypeAdapter(Yuan)
SIGNED = TypeAdapter(SignedYuan)


@pytest.mark.parametrize(("amount", "fen"), [
    (D("1"), "1.00"), (D("1.5"), "1.50"), (D("1E+3"), "1000.00"), (D("0.005"), "0.01"), (D("0.015"), "0.02"),
    (D("2.675"), "2.68"), (D("-2.675"), "-2.68"), (D("0.004"), "0.00"), (D("-0.004"), "0.00"), (D("-0"), "0.00"),
])
def test_to_fen_rounds_half_up_and_writes_every_amount_alike(amount, fen):
    assert str(to_fen(amount)) == fen


@pytest.mark.parametrize(("given", "kept"), [
    ("7", "7.00"), ("7.5", "7.50"), ("1E+3", "1000.00"), (12, "12.00"), ("0.00", "0.00"), ("-0.00", "0.00"),
    ("9999999999.99", "9999999999.99"),
])
def test_an_amount_is_kept_to_the_fen(given, kept):
    assert str(YUAN.validate_python(given)) == kept


@pytest.mark.parametrize(("given", "error"), [
    ("-0.01", "greater_than_equal"),
    ("1200.005", "decimal_max_places"),
    ("10000000000.00", "decimal_whole_digits"),
    ("1E+20", "decimal_max_digits"),
    ("NaN", "finite_number"),
])
def test_an_amount_that_is_not_yuan_to_the_fen_is_refused_never_rounded(given, error):
    with pytest.raises(ValidationError) as caught:
        YUAN.validate_python(given)
    assert caught.value.errors()[0]["type"] == error


def test_a_signed_amount_may_be_a_loss():
    assert SIGNED.validate_python("-1250.5") == D("-1250.50")
    with pytest.raises(ValidationError):
        SIGNED.validate_python("-0.001")
