"""The ledger's org-unit table."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class LedgerOrgUnit(OrgScoped, table=True):
    """One unit as the latest ``org_unit.changed`` described it; ``as_of`` is when that event occurred.

    Reference data, not a protected record: a village cadre's workbook prints its district's and
    township's names too, so reads skip the org scope.
    """

    __tablename__ = "ledger_org_units"

    org_code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=80)
    level: str = Field(max_length=12)  # district | township | village
    parent_code: str | None = Field(default=None, max_length=12)
    removed: bool = False
    as_of: datetime = Field(sa_type=AwareDateTime)
    updated_at: datetime = now_field()
