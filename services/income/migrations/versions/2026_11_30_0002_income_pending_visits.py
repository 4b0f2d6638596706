"""Visits no rule set covers yet wait in income_pending_visits instead of failing their event.

Revision ID: income_0002
Revises: income_0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, JSONDoc

revision = "income_0002"
down_revision = "income_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "income_pending_visits",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", AwareDateTime(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visit", JSONDoc, nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("pending_since", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name="pk_income_pending_visits"),
    )
    op.create_index("ix_income_pending_visits_org_code", "income_pending_visits", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})
    op.create_index("ix_income_pending_visits_visited_on", "income_pending_visits", ["visited_on"])


def downgrade() -> None:
    op.drop_table("income_pending_visits")
