"""Failed events carry their event's org code, so a caller reads and replays only those of its scope.

Revision ID: platform_0003
Revises: platform_0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0003"
down_revision = "platform_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("failed_events") as batch:
        batch.add_column(sa.Column("org_code", sa.String(12), nullable=True))
    # Filled from the envelope each row keeps (every envelope names its org code).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE failed_events SET org_code = COALESCE(envelope ->> 'org_code', '')")
    else:
        op.execute("UPDATE failed_events SET org_code = COALESCE(json_extract(envelope, '$.org_code'), '')")
    with op.batch_alter_table("failed_events") as batch:
        batch.alter_column("org_code", existing_type=sa.String(12), nullable=False)
    op.create_index("ix_failed_events_org_code", "failed_events", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})


def downgrade() -> None:
    op.drop_index("ix_failed_events_org_code", table_name="failed_events")
    with op.batch_alter_table("failed_events") as batch:
        batch.drop_column("org_code")
