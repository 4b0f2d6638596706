"""Ledger tables: campaigns, the household view and its source events, problems, rectifications.

Revision ID: ledger_0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc, Money

revision = "ledger_0001"
down_revision = None
branch_labels = ("ledger",)
depends_on = "platform_0002"

# Org-code prefix queries (LIKE '500151108%') use these indexes on PostgreSQL.
PATTERN_OPS = {"org_code": "varchar_pattern_ops"}


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def upgrade() -> None:
    op.create_table(
        "ledger_campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("income_year", sa.Integer(), nullable=False),
        sa.Column("ruleset_version", sa.String(20), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("mobilisation_by", sa.Date(), nullable=False),
        sa.Column("visits_confirmed_by", sa.Date(), nullable=False),
        sa.Column("visits_checked_by", sa.Date(), nullable=False),
        sa.Column("rectification_by", sa.Date(), nullable=False),
        sa.Column("rectification_final_by", sa.Date(), nullable=False),
        sa.Column("immediate_fix_days", sa.Integer(), nullable=False),
        sa.Column("immediate_fix_unit", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_campaigns"),
        sa.UniqueConstraint("code", "region", name="uq_ledger_campaigns_code_region"),
    )
    op.create_table(
        "ledger_households",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_number", sa.String(40), nullable=True),
        sa.Column("group_name", sa.String(40), nullable=True),
        sa.Column("head_name", sa.String(50), nullable=True),
        sa.Column("household_kinds", CodeList(), nullable=False),
        sa.Column("risk_status", sa.String(20), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("register_as_of", AwareDateTime(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("visited_at", AwareDateTime(), nullable=True),
        sa.Column("visit_received_at", AwareDateTime(), nullable=True),
        sa.Column("visit_method", sa.String(20), nullable=True),
        sa.Column("visit_has_risk", sa.Boolean(), nullable=True),
        sa.Column("visit_risk_causes", CodeList(), nullable=False),
        sa.Column("visit_guarantees", JSONDoc, nullable=True),
        sa.Column("income_assessment_id", sa.Uuid(), nullable=True),
        sa.Column("income_year", sa.Integer(), nullable=True),
        sa.Column("income_as_of", AwareDateTime(), nullable=True),
        sa.Column("income_class", sa.String(40), nullable=True),
        sa.Column("income_below_line", sa.Boolean(), nullable=True),
        sa.Column("income_per_capita", Money(), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name="pk_ledger_households"),
    )
    _org_code_index("ledger_households")
    op.create_table(
        "ledger_source_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", AwareDateTime(), nullable=False),
        sa.Column("envelope", JSONDoc, nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_ledger_source_events"),
    )
    _org_code_index("ledger_source_events")
    op.create_index("ix_ledger_source_events_household_id", "ledger_source_events", ["household_id"])
    op.create_index("ix_ledger_source_events_occurred_at", "ledger_source_events", ["occurred_at"])
    op.create_table(
        "ledger_problems",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("problem_type", sa.String(40), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("remarks", sa.String(500), nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("rule_code", sa.String(80), nullable=True),
        sa.Column("subject_key", sa.String(80), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("group_name", sa.String(40), nullable=True),
        sa.Column("head_name", sa.String(50), nullable=True),
        sa.Column("category", sa.String(30), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("evidence", JSONDoc, nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_by_name", sa.String(120), nullable=False),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.Column("verification_result", sa.String(20), nullable=True),
        sa.Column("verification_reason", sa.String(500), nullable=True),
        sa.Column("verified_by", sa.String(120), nullable=True),
        sa.Column("verified_by_name", sa.String(120), nullable=True),
        sa.Column("verified_at", AwareDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_problems"),
        sa.ForeignKeyConstraint(["campaign_id"], ["ledger_campaigns.id"],
                                name="fk_ledger_problems_campaign_id_ledger_campaigns"),
        # One problem per rule and subject in a campaign: the database decides, under concurrency too.
        sa.UniqueConstraint("campaign_id", "rule_code", "subject_key",
                            name="uq_ledger_problems_campaign_id_rule_code_subject_key"),
    )
    _org_code_index("ledger_problems")
    op.create_index("ix_ledger_problems_household_id", "ledger_problems", ["household_id"])
    op.create_table(
        "ledger_problem_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("changes", JSONDoc, nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_problem_history"),
        sa.ForeignKeyConstraint(["problem_id"], ["ledger_problems.id"],
                                name="fk_ledger_problem_history_problem_id_ledger_problems"),
    )
    _org_code_index("ledger_problem_history")
    op.create_index("ix_ledger_problem_history_problem_id", "ledger_problem_history", ["problem_id"])
    op.create_table(
        "ledger_rectifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("measures", sa.String(1000), nullable=True),
        sa.Column("responsible_unit", sa.String(100), nullable=True),
        sa.Column("immediate", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_basis", sa.String(80), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.String(500), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.String(1000), nullable=True),
        sa.Column("evidence_refs", JSONDoc, nullable=False),
        sa.Column("completed_by", sa.String(120), nullable=True),
        sa.Column("completed_by_name", sa.String(120), nullable=True),
        sa.Column("completed_at", AwareDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=True),
        sa.Column("closed_by_name", sa.String(120), nullable=True),
        sa.Column("closed_at", AwareDateTime(), nullable=True),
        sa.Column("remarks", sa.String(500), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_rectifications"),
        sa.ForeignKeyConstraint(["problem_id"], ["ledger_problems.id"],
                                name="fk_ledger_rectifications_problem_id_ledger_problems"),
        sa.ForeignKeyConstraint(["campaign_id"], ["ledger_campaigns.id"],
                                name="fk_ledger_rectifications_campaign_id_ledger_campaigns"),
        sa.UniqueConstraint("problem_id", name="uq_ledger_rectifications_problem_id"),
    )
    _org_code_index("ledger_rectifications")
    op.create_index("ix_ledger_rectifications_due_on", "ledger_rectifications", ["due_on"])
    op.create_index("ix_ledger_rectifications_status", "ledger_rectifications", ["status"])
    op.create_table(
        "ledger_progress_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("rectification_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("written_by", sa.String(120), nullable=False),
        sa.Column("written_by_name", sa.String(120), nullable=False),
        sa.Column("written_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_progress_notes"),
        sa.ForeignKeyConstraint(["rectification_id"], ["ledger_rectifications.id"],
                                name="fk_ledger_progress_notes_rectification_id_ledger_rectifications"),
    )
    _org_code_index("ledger_progress_notes")
    op.create_index("ix_ledger_progress_notes_rectification_id", "ledger_progress_notes", ["rectification_id"])


def downgrade() -> None:
    for table in ("ledger_progress_notes", "ledger_rectifications", "ledger_problem_history", "ledger_problems",
                  "ledger_source_events", "ledger_households", "ledger_campaigns"):
        op.drop_table(table)
