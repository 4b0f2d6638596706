"""The org unit table."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from shared.data.platform_tables import OrgScoped, now_field


class OrgUnit(OrgScoped, table=True):
    """区县/乡镇/村: one node of the statistical division tree; its code is its org code.

    Being org-scoped, a caller sees exactly the units under its own prefix: its subtree.
    """

    __tablename__ = "org_units"

    org_code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=80)
    level: str = Field(max_length=12)  # district | township | village
    parent_code: str | None = Field(default=None, max_length=12)
    updated_at: datetime = now_field()
