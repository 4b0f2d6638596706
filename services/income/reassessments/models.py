"""The ``income_reassessments`` table: one row per reassessment run, who asked and what it found."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class Reassessment(OrgScoped, table=True):
    """重新测算: the latest assessments of one year under a prefix, recomputed under another version.

    ``org_code`` is the org unit of ``org_prefix`` (padded with zeros), so the run is visible and
    audited where it applies. The new assessments carry this row's id.
    """

    __tablename__ = "income_reassessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_prefix: str = Field(max_length=12)
    year: int
    requested_version: str | None = Field(default=None, max_length=20)
    requested_by: str = Field(max_length=120)
    started_at: datetime = now_field()
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    examined: int = 0
    already_current: int = 0
    not_covered: int = 0
    reassessed: int = 0
    changed: int = 0
    needs_verification: int = 0
