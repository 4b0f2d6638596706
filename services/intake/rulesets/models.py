"""The ``intake_rule_sets`` table: every rule-set version announced by income, as announced."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.data.column_types import JSONDoc
from shared.data.platform_tables import now_field


class HeardRuleSet(SQLModel, table=True):
    """One version heard in ``ruleset.published``; never changed afterwards, as versions are immutable.

    Not org-scoped: every visit screens against the rule sets of its region, whoever submits it.
    ``document`` is the rule set as :class:`~shared.domain.rulesets.RuleSet` validates it; ``org_code``
    is the region's own org unit (the announcing envelope's), so the audit entry lands in that
    district's audit log.
    """

    __tablename__ = "intake_rule_sets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year: int
    region: str = Field(max_length=12)
    version: str = Field(max_length=20)
    org_code: str = Field(max_length=12)
    document: dict = Field(sa_type=JSONDoc)
    event_id: uuid.UUID
    heard_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("year", "region", "version", name="uq_intake_rule_sets_year_region_version"),)
