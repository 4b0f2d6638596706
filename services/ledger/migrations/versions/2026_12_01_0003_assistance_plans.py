"""Assistance plans and their revisions, risk assessments, the follow-up of identified cases; the household
view's labour capacity; the campaign's follow-up clocks.

Revision ID: ledger_0003
Revises: ledger_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc

revision = "ledger_0003"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None

PATTERN_OPS = {"org_code": "varchar_pattern_ops"}
CLOCKS = ("assessment_from", "assessment", "review_after")


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def _recorded_by() -> list[sa.Column]:
    return [sa.Column("recorded_by", sa.String(120), nullable=False),
            sa.Column("recorded_by_name", sa.String(120), nullable=False)]


def upgrade() -> None:
    # Nullable: a stored campaign gets the packaged clocks at the next start-up (never overwriting a change).
    with op.batch_alter_table("ledger_campaigns") as batch:
        for clock in CLOCKS:
            batch.add_column(sa.Column(f"{clock}_days", sa.Integer(), nullable=True))
            batch.add_column(sa.Column(f"{clock}_unit", sa.String(20), nullable=True))
    # Filled by the next visit, or at once by a rebuild of the view from the logged events.
    with op.batch_alter_table("ledger_households") as batch:
        batch.add_column(sa.Column("labour", sa.String(20), nullable=True))
        batch.add_column(sa.Column("labour_members", JSONDoc, nullable=False, server_default="[]"))
    with op.batch_alter_table("ledger_households") as batch:  # SQLite alters a column only in batch mode
        batch.alter_column("labour_members", server_default=None)

    op.create_table(
        "ledger_assistance_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("head_name", sa.String(50), nullable=True),
        sa.Column("group_name", sa.String(40), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("due_unit", sa.String(20), nullable=True),
        sa.Column("drawn_up_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current_drawn_up_on", sa.Date(), nullable=False),
        sa.Column("helper_name", sa.String(50), nullable=False),
        sa.Column("helper_unit", sa.String(100), nullable=False),
        sa.Column("measures", JSONDoc, nullable=False),
        sa.Column("labour", sa.String(20), nullable=True),
        sa.Column("flags", CodeList(), nullable=False),
        *_recorded_by(),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_assistance_plans"),
        sa.ForeignKeyConstraint(["case_id"], ["ledger_cases.id"],
                                name="fk_ledger_assistance_plans_case_id_ledger_cases"),
        # One plan per case: a change is a revision of it.
        sa.UniqueConstraint("case_id", name="uq_ledger_assistance_plans_case_id"),
    )
    _org_code_index("ledger_assistance_plans")
    op.create_index("ix_ledger_assistance_plans_household_id", "ledger_assistance_plans", ["household_id"])

    op.create_table(
        "ledger_plan_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("drawn_up_on", sa.Date(), nullable=False),
        sa.Column("helper_name", sa.String(50), nullable=False),
        sa.Column("helper_unit", sa.String(100), nullable=False),
        sa.Column("measures", JSONDoc, nullable=False),
        sa.Column("labour", sa.String(20), nullable=True),
        sa.Column("flags", CodeList(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        *_recorded_by(),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_plan_revisions"),
        sa.ForeignKeyConstraint(["plan_id"], ["ledger_assistance_plans.id"],
                                name="fk_ledger_plan_revisions_plan_id_ledger_assistance_plans"),
        sa.UniqueConstraint("plan_id", "revision", name="uq_ledger_plan_revisions_plan_id_revision"),
    )
    _org_code_index("ledger_plan_revisions")
    op.create_index("ix_ledger_plan_revisions_plan_id", "ledger_plan_revisions", ["plan_id"])

    op.create_table(
        "ledger_risk_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("risk_present", sa.Boolean(), nullable=False),
        sa.Column("conclusion", sa.String(1000), nullable=False),
        sa.Column("assessor_name", sa.String(50), nullable=False),
        sa.Column("assessor_unit", sa.String(100), nullable=False),
        sa.Column("evidence_refs", JSONDoc, nullable=False),
        sa.Column("deadline_key", sa.String(80), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        *_recorded_by(),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_risk_assessments"),
        sa.ForeignKeyConstraint(["case_id"], ["ledger_cases.id"], name="fk_ledger_risk_assessments_case_id_ledger_cases"),
    )
    _org_code_index("ledger_risk_assessments")
    op.create_index("ix_ledger_risk_assessments_case_id", "ledger_risk_assessments", ["case_id"])
    op.create_index("ix_ledger_risk_assessments_household_id", "ledger_risk_assessments", ["household_id"])

    op.create_table(
        "ledger_case_follow_ups",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("assessments", sa.Integer(), nullable=False),
        sa.Column("last_assessed_on", sa.Date(), nullable=True),
        sa.Column("assessment_key", sa.String(80), nullable=True),
        sa.Column("assessment_due_on", sa.Date(), nullable=True),
        sa.Column("review_key", sa.String(80), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("review_flagged_on", sa.Date(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_ledger_case_follow_ups"),
        sa.ForeignKeyConstraint(["case_id"], ["ledger_cases.id"], name="fk_ledger_case_follow_ups_case_id_ledger_cases"),
    )
    _org_code_index("ledger_case_follow_ups")
    op.create_index("ix_ledger_case_follow_ups_household_id", "ledger_case_follow_ups", ["household_id"])


def downgrade() -> None:
    op.drop_table("ledger_case_follow_ups")
    op.drop_table("ledger_risk_assessments")
    op.drop_table("ledger_plan_revisions")
    op.drop_table("ledger_assistance_plans")
    with op.batch_alter_table("ledger_households") as batch:
        batch.drop_column("labour_members")
        batch.drop_column("labour")
    with op.batch_alter_table("ledger_campaigns") as batch:
        for clock in CLOCKS:
            batch.drop_column(f"{clock}_unit")
            batch.drop_column(f"{clock}_days")
