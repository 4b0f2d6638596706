"""Risk elimination: the campaign's months of income above the line, and the households' monitoring status.

Revision ID: ledger_0004
Revises: ledger_0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime

revision = "ledger_0004"
down_revision = "ledger_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a stored campaign gets the packaged figure at the next start-up (never overwriting a change).
    with op.batch_alter_table("ledger_campaigns") as batch:
        batch.add_column(sa.Column("elimination_income_months", sa.Integer(), nullable=True))
    op.create_table(
        "ledger_household_monitoring",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("event_at", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name="pk_ledger_household_monitoring"),
    )
    op.create_index("ix_ledger_household_monitoring_org_code", "ledger_household_monitoring", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})


def downgrade() -> None:
    op.drop_table("ledger_household_monitoring")
    with op.batch_alter_table("ledger_campaigns") as batch:
        batch.drop_column("elimination_income_months")
