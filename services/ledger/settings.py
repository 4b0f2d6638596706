"""The ledger service's own settings, read from ``FANGFAN_LEDGER_*`` (or the env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from shared.runtime.settings import service_settings_class

# The demo township's division codes, the file intake loads by default: the ledger reads the same
# deployment file for the names its exports print (区县, 乡镇, 村), never intake's tables.
DEMO_ORG_UNITS_FILE = Path(__file__).parents[1] / "intake" / "org_units" / "data" / "demo_org_units.csv"


class LedgerSettings(service_settings_class("ledger")):
    # CSV of the 统计用区划代码 (code,name), as FANGFAN_INTAKE_ORG_UNITS_FILE: set both to the same file.
    org_units_file: Path = DEMO_ORG_UNITS_FILE


@lru_cache
def get_ledger_settings() -> LedgerSettings:
    return LedgerSettings()
