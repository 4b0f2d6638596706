"""Field encryption and blind indexes."""

from __future__ import annotations

import pytest

from shared.security.crypto import (
    CryptoConfigError,
    FieldCipher,
    UndecryptableValue,
    generate_field_key,
)

NUMBER = "50015119720418031X"


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(generate_field_key(), "blind-index-key-for-tests-0123456789")


def test_encryption_round_trips_and_never_repeats_a_token(cipher):
    first, second = cipher.encrypt(NUMBER), cipher.encrypt(NUMBER)
    assert first != second and NUMBER not in first
    assert cipher.decrypt(first) == cipher.decrypt(second) == NUMBER


def test_the_blind_index_is_stable_normalised_and_separated_by_purpose(cipher):
    index = cipher.blind_index(NUMBER, purpose="id_number")
    assert index == cipher.blind_index(" 50015119720418031x ", purpose="id_number")
    assert index != cipher.blind_index(NUMBER, purpose="phone")
    assert len(index) == 64 and NUMBER not in index
    other_key = FieldCipher(generate_field_key(), "another-blind-index-key-0123456789")
    assert other_key.blind_index(NUMBER, purpose="id_number") != index


def test_one_phone_written_two_ways_has_one_blind_index(cipher):
    assert cipher.blind_index("0086 13987654321", purpose="phone") == cipher.blind_index("13987654321", purpose="phone")
    assert cipher.blind_index("+86 139-8765-4321", purpose="phone") == cipher.blind_index("13987654321", purpose="phone")


def test_rotated_keys_still_decrypt_old_tokens():
    old_key, new_key = generate_field_key(), generate_field_key()
    token = FieldCipher(old_key, "k").encrypt(NUMBER)
    rotated = FieldCipher(f"{new_key},{old_key}", "k")
    assert rotated.decrypt(token) == NUMBER
    with pytest.raises(UndecryptableValue):
        FieldCipher(new_key, "k").decrypt(token)


@pytest.mark.parametrize(("key", "index_key"), [("not-a-fernet-key", "k"), ("", "k"), (None, "")])
def test_unusable_keys_are_refused_clearly(key, index_key):
    with pytest.raises(CryptoConfigError):
        FieldCipher(key if key is not None else generate_field_key(), index_key)
