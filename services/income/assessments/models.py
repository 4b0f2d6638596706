"""The ``income_assessments`` table: one row per assessment of a household's income year."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, JSONDoc, Money
from shared.data.platform_tables import OrgScoped, now_field
from shared.domain.enums import LabeledEnum


class AssessmentBasis(LabeledEnum):
    """What the figures rest on (the ``basis`` of ``income.assessed``)."""

    AMOUNTS = "amounts", "走访表收入明细（A–E）"
    BRACKET = "bracket", "走访表收入区间"
    DECLARATION = "declaration", "附件5逐项申报"


class AssessmentOrigin(StrEnum):
    VISIT = "visit"  # computed from a visit.submitted event
    DECLARATION = "declaration"  # posted to the API by a cadre
    REASSESSMENT = "reassessment"  # recomputed under a newer rule-set version


class Assessment(OrgScoped, table=True):
    """收入测算结果 of one household for one monitoring year, under one rule-set version.

    Rows are never updated except ``is_latest``: a later visit, declaration or reassessment adds a
    row and takes the flag over (at most one latest row per household and year, enforced by a
    partial unique index). ``inputs`` keeps what the figures were computed from (the A–E amounts
    and members' months, the full declaration, or the ticked bracket with the rule set it was
    ticked under), and ``net_income``, ``compliant_expenses`` and ``member_months`` the totals the
    per-capita figures follow from, so any row can be recomputed under another version.
    """

    __tablename__ = "income_assessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID
    year: int
    basis: str = Field(max_length=20)
    origin: str = Field(max_length=20)
    ruleset_region: str = Field(max_length=12)
    ruleset_version: str = Field(max_length=20)
    observed_at: datetime = Field(sa_type=AwareDateTime)
    assessed_at: datetime = now_field()
    assessed_by: str = Field(max_length=120)
    is_latest: bool = True
    source_visit_id: uuid.UUID | None = None
    previous_assessment_id: uuid.UUID | None = None
    reassessment_id: uuid.UUID | None = Field(default=None, foreign_key="income_reassessments.id")
    member_months: int | None = None
    net_income: Decimal | None = Field(default=None, sa_type=Money)
    compliant_expenses: Decimal | None = Field(default=None, sa_type=Money)
    per_capita_net_income: Decimal | None = Field(default=None, sa_type=Money)
    per_capita_after_compliant_expenses: Decimal | None = Field(default=None, sa_type=Money)
    bracket: str | None = Field(default=None, max_length=20)
    below_13000: bool | None = None
    below_monitoring_line: bool
    in_low_income_group: bool
    classification_certain: bool = True
    income_class: str = Field(max_length=40)
    previous_class: str | None = Field(default=None, max_length=40)
    explanation: str | None = None
    inputs: dict = Field(sa_type=JSONDoc)

    # The same indexes as the migration (which is what builds the schema); partial where they can be,
    # so a reassessed row, which has no source visit and mostly no change of class, touches few.
    __table_args__ = (
        sa.Index("uq_income_assessments_household_id_year", "household_id", "year", unique=True,
                 postgresql_where=sa.text("is_latest"), sqlite_where=sa.text("is_latest")),
        sa.Index("ix_income_assessments_household_id", "household_id"),
        sa.Index("uq_income_assessments_source_visit_id", "source_visit_id", unique=True,
                 postgresql_where=sa.text("source_visit_id IS NOT NULL"),
                 sqlite_where=sa.text("source_visit_id IS NOT NULL")),
        sa.Index("ix_income_assessments_reassessment_id_household_id", "reassessment_id", "household_id",
                 postgresql_where=sa.text("previous_class IS NOT NULL"),
                 sqlite_where=sa.text("previous_class IS NOT NULL")),
    )
