"""Phone numbers: one rule for how a number is kept, compared and shown."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.domain.phones import Phone, mask_phone, normalise_phone, without_separators

PHONE = TypeAdapter(Phone)


@pytest.mark.parametrize(("written", "kept"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("(023) 4567-8901", "02345678901"),
    ("+86 138 1234 5678", "+8613812345678"),
])
def test_a_phone_is_kept_without_separators(written, kept):
    assert PHONE.validate_python(written) == kept == without_separators(written)


@pytest.mark.parametrize("written", ["123456", "1381234567890123", "138123456７8", "13８12345678", "phone 138"])
def test_a_phone_needs_7_to_15_ascii_digits(written):
    with pytest.raises(ValidationError):
        PHONE.validate_python(written)


def test_phones_compare_without_separators_or_the_country_prefix():
    assert normalise_phone("+86 139-8765-4321") == normalise_phone("0086 13987654321") == "13987654321"
    # A prefix followed by fewer than 8 digits is not a country prefix.
    assert normalise_phone("+861234567") == "+861234567"


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("023-45678901", "023****8901"),
    ("(023)45678901", "023****8901"),
    ("+8613812345678", "+86*******5678"),
    ("1234567", "*******"),
])
def test_mask_phone_keeps_first_three_and_last_four(phone, masked):
    assert mask_phone(phone) == masked
