"""The intake service's own settings, read from ``FANGFAN_INTAKE_*`` (or the env file).

The database URL and pool come from the shared service settings; what is added here are the
deployment's choices for the campaign: where the org-unit file is, when the campaign started,
how much client clock skew is tolerated, and optional overrides of the limits behind the
data-quality findings (by default those come from the rule set of the visit's year and region,
``shared.domain.rulesets``, as the income service's do).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic import Field

from shared.domain.clock import SHANGHAI
from shared.runtime.settings import service_settings_class

DEMO_ORG_UNITS_FILE = Path(__file__).parent / "org_units" / "data" / "demo_org_units.csv"


class IntakeSettings(service_settings_class("intake")):
    """Intake settings; the defaults suit the 2024 campaign of the demo township."""

    # CSV of the 统计用区划代码 tree (code,name). The packaged file holds the demo township only.
    org_units_file: Path = DEMO_ORG_UNITS_FILE
    # 大走访 campaign: a visit dated before this day is refused; coverage counts visits from it on.
    campaign_starts_on: date = date(2024, 8, 23)
    # A client's visit time may run ahead of the server's clock by this much (phones drift).
    clock_skew_allowance_seconds: int = Field(default=600, ge=0)
    # Further ahead than the allowance, up to this, the visit is kept with a device_clock_ahead
    # finding (an offline phone with a wrong clock); beyond it, refused.
    clock_ahead_limit_seconds: int = Field(default=24 * 3600, ge=0)
    # Overrides of the rule set's figures for the data-quality findings; None (the default) takes
    # the figure from the rule set resolved for the visit's date and the household's org code.
    # GPS fix accuracy worse than this (metres) is a finding, not a refusal.
    gps_accuracy_limit_m: float | None = Field(default=None, gt=0)
    # A home visit's fix farther than this (metres) from the household's last known position is a finding.
    gps_max_distance_m: float | None = Field(default=None, gt=0)
    # The monitoring line used only to screen income contradictions (the rule sets, and the income
    # service, remain the authority for assessments).
    monitoring_line: Decimal | None = Field(default=None, ge=0)
    # At most this many not-yet-visited households are listed per village in a coverage report.
    coverage_unvisited_limit: int = Field(default=100, ge=0, le=10_000)
    # Upload size limit of a bulk import file.
    import_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # A dry run of a file up to this size answers at once; a larger one, and every real run, is a job.
    import_sync_dry_run_bytes: int = Field(default=256 * 1024, ge=0)
    # Bounds on what a file may make the server read, checked before and while it is read: a small
    # upload may declare a huge sheet or unpack to gigabytes (a zip bomb). Data rows of one file:
    import_max_rows: int = Field(default=100_000, gt=0)
    # Columns of a row (the known columns are 17; exports carry a few of their own besides):
    import_max_columns: int = Field(default=100, gt=0)
    # Characters of one cell (the longest register field, 备注, takes 500):
    import_max_cell_chars: int = Field(default=1_000, gt=0)
    # Bytes an XLSX workbook unpacks to, all its parts together, as its zip directory declares them:
    import_max_unpacked_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    # How many times larger than its packed size a part of a workbook may unpack (parts over 1 MiB;
    # spreadsheets pack 5 to 30 times, a zip bomb a thousand):
    import_max_compression_ratio: int = Field(default=200, gt=1)

    # ID numbers one user may look up in the register (registering people, correcting a number, a
    # visit's new members, a list filtered by number), per minute, in each process.
    id_number_lookups_per_minute: int = Field(default=60, gt=0)
    # ID numbers one user's imports (dry runs too) may check, per day, in each process: a township's
    # register at once, not the province's.
    import_id_number_lookups_per_day: int = Field(default=100_000, gt=0)

    def campaign_start(self) -> datetime:
        """The first instant of the campaign, in China time."""
        return datetime.combine(self.campaign_starts_on, time.min, tzinfo=SHANGHAI)


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()


def reset_intake_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_intake_settings.cache_clear()


async def _settings_dependency() -> IntakeSettings:
    return get_intake_settings()


# The intake settings as a route dependency (tests override it).
Settings = Annotated[IntakeSettings, Depends(_settings_dependency)]
