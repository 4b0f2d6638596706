"""Intake keeps the rule-set versions income announces (ruleset.published) to screen visits with.

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, JSONDoc

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_rule_sets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("heard_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_rule_sets"),
        sa.UniqueConstraint("year", "region", "version", name="uq_intake_rule_sets_year_region_version"),
    )


def downgrade() -> None:
    op.drop_table("intake_rule_sets")
