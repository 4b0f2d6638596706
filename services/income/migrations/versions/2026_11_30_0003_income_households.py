"""Households income knows of (from intake's events), so declarations name only real households in scope.

The households whose visits income already assessed or keeps pending are known from those rows.

Revision ID: income_0003
Revises: income_0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime

revision = "income_0003"
down_revision = "income_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "income_households",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("heard_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name="pk_income_households"),
    )
    op.create_index("ix_income_households_org_code", "income_households", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})
    # Visits come from intake, which owns the register: their households are real, under their org code.
    op.execute(
        "INSERT INTO income_households (household_id, org_code, heard_at) "
        "SELECT household_id, MIN(org_code), MAX(heard_at) FROM ("
        " SELECT household_id, org_code, assessed_at AS heard_at FROM income_assessments"
        " WHERE source_visit_id IS NOT NULL"
        " UNION ALL SELECT household_id, org_code, pending_since FROM income_pending_visits"
        ") AS visited GROUP BY household_id"
    )


def downgrade() -> None:
    op.drop_table("income_households")
