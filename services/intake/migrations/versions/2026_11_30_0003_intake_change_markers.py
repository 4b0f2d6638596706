"""Households and members carry a change marker, so a phone can sync only what changed (sync tokens).

Existing rows get the marker of this migration's transaction (PostgreSQL) or 1 (SQLite): no token
was issued before, so every phone starts with a full download that includes them.

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None

TABLES = ("households", "members")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False))
    marker = "pg_current_xact_id()::text::bigint" if op.get_bind().dialect.name == "postgresql" else "1"
    for table in TABLES:
        op.execute(f"UPDATE {table} SET change_seq = {marker}")
    for table in TABLES:
        op.create_index(f"ix_{table}_org_code_change_seq", table, ["org_code", "change_seq"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_code_change_seq", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("change_seq")
