"""Income tables: rule-set versions, assessments and reassessment runs.

Revision ID: income_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, JSONDoc, Money

revision = "income_0001"
down_revision = None
branch_labels = ("income",)
depends_on = "platform_0001"

LATEST = sa.text("is_latest")


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rule_sets"),
        sa.UniqueConstraint("year", "region", "version", name="uq_rule_sets_year_region_version"),
    )
    op.create_table(
        "income_reassessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("org_prefix", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("requested_version", sa.String(20), nullable=True),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("started_at", AwareDateTime(), nullable=False),
        sa.Column("finished_at", AwareDateTime(), nullable=True),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("already_current", sa.Integer(), nullable=False),
        sa.Column("not_covered", sa.Integer(), nullable=False),
        sa.Column("reassessed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("needs_verification", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_income_reassessments"),
    )
    op.create_index("ix_income_reassessments_org_code", "income_reassessments", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})
    op.create_table(
        "income_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("ruleset_region", sa.String(12), nullable=False),
        sa.Column("ruleset_version", sa.String(20), nullable=False),
        sa.Column("observed_at", AwareDateTime(), nullable=False),
        sa.Column("assessed_at", AwareDateTime(), nullable=False),
        sa.Column("assessed_by", sa.String(120), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("source_visit_id", sa.Uuid(), nullable=True),
        sa.Column("previous_assessment_id", sa.Uuid(), nullable=True),
        sa.Column("reassessment_id", sa.Uuid(), nullable=True),
        sa.Column("member_months", sa.Integer(), nullable=True),
        sa.Column("net_income", Money(), nullable=True),
        sa.Column("compliant_expenses", Money(), nullable=True),
        sa.Column("per_capita_net_income", Money(), nullable=True),
        sa.Column("per_capita_after_compliant_expenses", Money(), nullable=True),
        sa.Column("bracket", sa.String(20), nullable=True),
        sa.Column("below_13000", sa.Boolean(), nullable=True),
        sa.Column("below_monitoring_line", sa.Boolean(), nullable=False),
        sa.Column("in_low_income_group", sa.Boolean(), nullable=False),
        sa.Column("classification_certain", sa.Boolean(), nullable=False),
        sa.Column("income_class", sa.String(40), nullable=False),
        sa.Column("previous_class", sa.String(40), nullable=True),
        sa.Column("explanation", sa.String(), nullable=True),
        sa.Column("inputs", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_income_assessments"),
        sa.ForeignKeyConstraint(["reassessment_id"], ["income_reassessments.id"],
                                name="fk_income_assessments_reassessment_id_income_reassessments"),
    )
    # Scope filters are `org_code LIKE '<prefix>%'`: on PostgreSQL only a pattern-ops index serves them.
    op.create_index("ix_income_assessments_org_code", "income_assessments", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})
    op.create_index("ix_income_assessments_household_id", "income_assessments", ["household_id"])
    # At most one latest assessment per household and year; also the household order (keyset) in
    # which reassessment and the income-drop list read a year's latest assessments.
    op.create_index("uq_income_assessments_household_id_year", "income_assessments", ["household_id", "year"],
                    unique=True, postgresql_where=LATEST, sqlite_where=LATEST)
    # One assessment per source visit, even if the inbox lost track of the event.
    visit = sa.text("source_visit_id IS NOT NULL")
    op.create_index("uq_income_assessments_source_visit_id", "income_assessments", ["source_visit_id"], unique=True,
                    postgresql_where=visit, sqlite_where=visit)
    # The households a reassessment moved to another class (only those rows are indexed).
    changed = sa.text("previous_class IS NOT NULL")
    op.create_index("ix_income_assessments_reassessment_id_household_id", "income_assessments",
                    ["reassessment_id", "household_id"], postgresql_where=changed, sqlite_where=changed)


def downgrade() -> None:
    for table in ("income_assessments", "income_reassessments", "rule_sets"):
        op.drop_table(table)
