"""Field encryption and blind indexes for sensitive values (ID numbers, phones).

A sensitive value is stored twice, never in clear: a Fernet token (AES-128-CBC with HMAC, random
IV, so equal values encrypt differently) that only holders of ``field_encryption_key`` can read,
and a blind index, HMAC-SHA256 of the normalised value under ``blind_index_key``, that supports
exact lookup and unique constraints without revealing the value. The index is keyed by purpose
(``id_number``, ``phone``) so that equal digits in two kinds of field never share an index.

Key rotation: ``field_encryption_key`` may list several Fernet keys separated by commas; the
first encrypts, every one decrypts. The blind index key cannot rotate without rebuilding the
indexes, so it is a single secret.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from shared.domain.idnumber import normalise_id_number
from shared.domain.phones import normalise_phone
from shared.runtime.settings import PlatformSettings, field_keys


class CryptoConfigError(ValueError):
    """The deployment's encryption settings cannot be used."""


class UndecryptableValue(ValueError):
    """A stored token that none of the configured keys opens (wrong key or damaged data)."""


_NORMALISERS = {"id_number": normalise_id_number, "phone": normalise_phone}


class FieldCipher:
    """Encrypts, decrypts and blind-indexes sensitive field values with the deployment's keys."""

    def __init__(self, encryption_keys: str, blind_index_key: str) -> None:
        keys = field_keys(encryption_keys)
        if not keys:
            raise CryptoConfigError("field_encryption_key is empty")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError) as exc:
            raise CryptoConfigError(
                "field_encryption_key must be one or more url-safe base64 Fernet keys (32 bytes each), "
                "comma-separated; generate one with cryptography.fernet.Fernet.generate_key()"
            ) from exc
        if not blind_index_key:
            raise CryptoConfigError("blind_index_key is empty")
        self._index_key = blind_index_key.encode("utf-8")

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise UndecryptableValue("stored value cannot be decrypted with the configured keys") from exc

    def blind_index(self, value: str, *, purpose: str) -> str:
        """HMAC-SHA256 (hex) of the normalised value, separated by purpose."""
        normalise = _NORMALISERS.get(purpose, str.strip)
        message = f"{purpose}:{normalise(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _cipher(encryption_keys: str, blind_index_key: str) -> FieldCipher:
    return FieldCipher(encryption_keys, blind_index_key)


def field_cipher(settings: PlatformSettings) -> FieldCipher:
    """The cipher of this deployment's settings (built once per pair of keys)."""
    return _cipher(settings.field_encryption_key.get_secret_value(), settings.blind_index_key.get_secret_value())


def generate_field_key() -> str:
    """A new random Fernet key, for operators configuring ``FANGFAN_FIELD_ENCRYPTION_KEY``."""
    return Fernet.generate_key().decode("ascii")


__all__ = ["CryptoConfigError", "FieldCipher", "UndecryptableValue", "field_cipher", "generate_field_key"]
