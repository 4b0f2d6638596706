"""The ledger's copy of the org-unit tree, fed by intake's org_unit.changed (the names its workbooks print).

Revision ID: ledger_0005
Revises: ledger_0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime

revision = "ledger_0005"
down_revision = "ledger_0004"
branch_labels = None
depends_on = None

PATTERN_OPS = {"org_code": "varchar_pattern_ops"}


def upgrade() -> None:
    op.create_table(
        "ledger_org_units",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("as_of", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("org_code", name="pk_ledger_org_units"),
    )
    op.create_index("ix_ledger_org_units_org_code", "ledger_org_units", ["org_code"], postgresql_ops=PATTERN_OPS)


def downgrade() -> None:
    op.drop_index("ix_ledger_org_units_org_code", table_name="ledger_org_units")
    op.drop_table("ledger_org_units")
