"""The ledger service's own settings, read from ``FANGFAN_LEDGER_*`` (or the env file)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from shared.runtime.settings import service_settings_class


class LedgerSettings(service_settings_class("ledger")):
    # A workbook of at most this many rows is written inside the request (GET …xlsx); a larger one is a
    # job (POST /ledger/exports), so no request runs for more than a few seconds.
    export_direct_max_rows: int = Field(default=5000, ge=0)


@lru_cache
def get_ledger_settings() -> LedgerSettings:
    return LedgerSettings()
