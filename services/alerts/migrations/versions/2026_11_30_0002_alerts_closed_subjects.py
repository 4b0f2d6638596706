"""Cases closed without approval (their open deadlines are cancelled), an index on a deadline's subject, and
a partial index of the open deadlines by unit and due day for the scan.

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime

revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts_closed_subjects",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("subject_type", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("as_of", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subject_type", "subject_id", name="pk_alerts_closed_subjects"),
    )
    op.create_index("ix_alerts_closed_subjects_org_code", "alerts_closed_subjects", ["org_code"],
                    postgresql_ops={"org_code": "varchar_pattern_ops"})
    op.create_index("ix_alerts_deadlines_subject", "alerts_deadlines", ["subject_type", "subject_id"])
    op.create_index("ix_alerts_deadlines_open_org_code_due_on", "alerts_deadlines", ["org_code", "due_on"],
                    postgresql_where=sa.text("state = 'open'"))


def downgrade() -> None:
    op.drop_index("ix_alerts_deadlines_open_org_code_due_on", table_name="alerts_deadlines")
    op.drop_index("ix_alerts_deadlines_subject", table_name="alerts_deadlines")
    op.drop_table("alerts_closed_subjects")
