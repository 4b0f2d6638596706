"""Identification cases and their steps; the campaign's clocks of the procedure.

Revision ID: ledger_0002
Revises: ledger_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None

PATTERN_OPS = {"org_code": "varchar_pattern_ops"}
CLOCKS = ("identification", "notice_min", "plan")


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def upgrade() -> None:
    # Nullable: a stored campaign gets the packaged clocks at the next start-up (never overwriting a change).
    with op.batch_alter_table("ledger_campaigns") as batch:
        for clock in CLOCKS:
            batch.add_column(sa.Column(f"{clock}_days", sa.Integer(), nullable=True))
            batch.add_column(sa.Column(f"{clock}_unit", sa.String(20), nullable=True))
    op.create_table(
        "ledger_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("open_key", sa.String(60), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("head_name", sa.String(50), nullable=True),
        sa.Column("group_name", sa.String(40), nullable=True),
        sa.Column("risk_causes", CodeList(), nullable=False),
        sa.Column("green_channel", sa.Boolean(), nullable=False),
        sa.Column("green_channel_reason", sa.String(500), nullable=True),
        sa.Column("evidence", JSONDoc, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("due_unit", sa.String(20), nullable=True),
        sa.Column("notice_starts_on", sa.Date(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("objection_open", sa.Boolean(), nullable=False),
        sa.Column("last_step_on", sa.Date(), nullable=True),
        sa.Column("monitoring_type", sa.String(30), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("plan_due_on", sa.Date(), nullable=True),
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.Column("opened_by_name", sa.String(120), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_cases"),
        sa.ForeignKeyConstraint(["campaign_id"], ["ledger_campaigns.id"],
                                name="fk_ledger_cases_campaign_id_ledger_campaigns"),
        # One open case of a kind per household: the database decides, under concurrency too.
        sa.UniqueConstraint("open_key", name="uq_ledger_cases_open_key"),
    )
    _org_code_index("ledger_cases")
    op.create_index("ix_ledger_cases_household_id", "ledger_cases", ["household_id"])
    op.create_index("ix_ledger_cases_state", "ledger_cases", ["state"])
    op.create_index("ix_ledger_cases_started_on", "ledger_cases", ["started_on"])
    op.create_table(
        "ledger_case_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("transition", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=False),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("evidence_refs", JSONDoc, nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("details", JSONDoc, nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_by_name", sa.String(120), nullable=False),
        sa.Column("recorded_by_role", sa.String(40), nullable=True),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_case_steps"),
        sa.ForeignKeyConstraint(["case_id"], ["ledger_cases.id"], name="fk_ledger_case_steps_case_id_ledger_cases"),
        # A step is recorded once: two writers of the same version of a case collide here.
        sa.UniqueConstraint("case_id", "seq", name="uq_ledger_case_steps_case_id_seq"),
    )
    _org_code_index("ledger_case_steps")
    op.create_index("ix_ledger_case_steps_case_id", "ledger_case_steps", ["case_id"])


def downgrade() -> None:
    op.drop_table("ledger_case_steps")
    op.drop_table("ledger_cases")
    with op.batch_alter_table("ledger_campaigns") as batch:
        for clock in CLOCKS:
            batch.drop_column(f"{clock}_unit")
            batch.drop_column(f"{clock}_days")
