"""Campaign reports: the visit's key-target groups in the household view, the warnings the ledger has
heard of, and what a village records for its checklist (附件2).

Revision ID: ledger_0006
Revises: ledger_0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList

revision = "ledger_0006"
down_revision = "ledger_0005"
branch_labels = None
depends_on = None

PATTERN_OPS = {"org_code": "varchar_pattern_ops"}


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def upgrade() -> None:
    with op.batch_alter_table("ledger_households") as batch:
        batch.add_column(sa.Column("visit_key_target_groups", CodeList(), nullable=False, server_default=""))
    op.create_table(
        "ledger_report_warnings",
        sa.Column("warning_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("signal_type", sa.String(40), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("check_due_on", sa.Date(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("check_result", sa.String(20), nullable=True),
        sa.Column("checked_late", sa.Boolean(), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("warning_id", name="pk_ledger_report_warnings"),
    )
    _org_code_index("ledger_report_warnings")
    op.create_table(
        "ledger_checklist_answers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("answer", sa.String(2000), nullable=False),
        sa.Column("answered_by", sa.String(120), nullable=False),
        sa.Column("answered_by_name", sa.String(120), nullable=False),
        sa.Column("answered_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_checklist_answers"),
        sa.ForeignKeyConstraint(["campaign_id"], ["ledger_campaigns.id"],
                                name="fk_ledger_checklist_answers_campaign_id_ledger_campaigns"),
        sa.UniqueConstraint("org_code", "campaign_id", "item",
                            name="uq_ledger_checklist_answers_org_code_campaign_id_item"),
    )
    _org_code_index("ledger_checklist_answers")


def downgrade() -> None:
    op.drop_table("ledger_checklist_answers")
    op.drop_table("ledger_report_warnings")
    with op.batch_alter_table("ledger_households") as batch:
        batch.drop_column("visit_key_target_groups")
