"""The ``rule_sets`` table: every rule-set version the service knows, packaged or added by an admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.data.column_types import JSONDoc
from shared.data.platform_tables import now_field
from shared.domain.org_codes import ORG_CODE_LENGTH


class RuleSetOrigin(StrEnum):
    PACKAGED = "packaged"  # shipped in shared/domain/rulesets.json, copied into the table at start-up
    ADMIN = "admin"  # created by a district admin through the API


class RuleSetRecord(SQLModel, table=True):
    """One immutable rule-set version. Not org-scoped: every role reads the rules of every region.

    ``document`` is the rule set exactly as :class:`~shared.domain.rulesets.RuleSet` validates it;
    year, region and version are copied out to key and sort it. ``org_code`` is the region's own org
    unit, so the audit entry of a creation lands in the creating district's audit log.
    """

    __tablename__ = "rule_sets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year: int
    region: str = Field(max_length=ORG_CODE_LENGTH)
    version: str = Field(max_length=20)
    org_code: str = Field(max_length=ORG_CODE_LENGTH)
    origin: str = Field(max_length=20)
    document: dict = Field(sa_type=JSONDoc)
    created_by: str = Field(max_length=120)
    created_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("year", "region", "version", name="uq_rule_sets_year_region_version"),)
