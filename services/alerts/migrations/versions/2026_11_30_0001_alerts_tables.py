"""Alerts tables: departments and secrets, webhook messages and refusals, warnings, known households and
members' blind indexes, the deadline registry, alerts, subscriptions, deliveries and delivery attempts.

Revision ID: alerts_0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList

revision = "alerts_0001"
down_revision = None
branch_labels = ("alerts",)
depends_on = "platform_0002"

# Org-code prefix queries (LIKE '500151108%') use these indexes on PostgreSQL.
PATTERN_OPS = {"org_code": "varchar_pattern_ops"}
TABLES = ("alerts_delivery_attempts", "alerts_deliveries", "alerts_subscriptions", "alerts_alerts",
          "alerts_deadlines", "alerts_member_indexes", "alerts_households", "alerts_warnings",
          "alerts_webhook_refusals", "alerts_webhook_messages", "alerts_department_secrets", "alerts_departments")


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def upgrade() -> None:
    op.create_table("alerts_alerts",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(260), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("deadline_key", sa.String(200), nullable=False),
        sa.Column("deadline_kind", sa.String(60), nullable=False),
        sa.Column("subject_type", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("deadline_org_code", sa.String(12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("raised_at", AwareDateTime(), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("acknowledged_by", sa.String(120), nullable=True),
        sa.Column("acknowledged_by_name", sa.String(120), nullable=True),
        sa.Column("acknowledged_at", AwareDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_alerts"),
        sa.UniqueConstraint("dedupe_key", name="uq_alerts_alerts_dedupe_key")
    )
    op.create_index("ix_alerts_alerts_deadline_key", "alerts_alerts", ["deadline_key"])
    op.create_index("ix_alerts_alerts_due_on", "alerts_alerts", ["due_on"])
    op.create_index("ix_alerts_alerts_kind", "alerts_alerts", ["kind"])
    _org_code_index("alerts_alerts")
    op.create_table("alerts_deadlines",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("subject_type", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", AwareDateTime(), nullable=True),
        sa.Column("unit", sa.String(20), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("counted_from", sa.Date(), nullable=True),
        sa.Column("basis", sa.String(200), nullable=False),
        sa.Column("rule_code", sa.String(80), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("met_late", sa.Boolean(), nullable=True),
        sa.Column("scheduled_as_of", AwareDateTime(), nullable=True),
        sa.Column("met_as_of", AwareDateTime(), nullable=True),
        sa.Column("last_reminded_at", AwareDateTime(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_alerts_deadlines")
    )
    _org_code_index("alerts_deadlines")
    op.create_index("ix_alerts_deadlines_state_due_on", "alerts_deadlines", ["state", "due_on"])
    op.create_table("alerts_departments",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_departments"),
        sa.UniqueConstraint("code", name="uq_alerts_departments_code")
    )
    _org_code_index("alerts_departments")
    op.create_table("alerts_households",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("head_name", sa.String(50), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("as_of", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name="pk_alerts_households")
    )
    _org_code_index("alerts_households")
    op.create_table("alerts_member_indexes",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id_number_index", sa.String(64), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_number_index", name="pk_alerts_member_indexes")
    )
    op.create_index("ix_alerts_member_indexes_household_id", "alerts_member_indexes", ["household_id"])
    _org_code_index("alerts_member_indexes")
    op.create_table("alerts_subscriptions",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret_cipher", sa.Text(), nullable=False),
        sa.Column("kinds", CodeList(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_subscriptions")
    )
    _org_code_index("alerts_subscriptions")
    op.create_table("alerts_webhook_refusals",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("department_code", sa.String(40), nullable=True),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_webhook_refusals")
    )
    _org_code_index("alerts_webhook_refusals")
    op.create_index("ix_alerts_webhook_refusals_received_at", "alerts_webhook_refusals", ["received_at"])
    op.create_table("alerts_deliveries",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", AwareDateTime(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", AwareDateTime(), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts_alerts.id"], name="fk_alerts_deliveries_alert_id_alerts_alerts"),
        sa.ForeignKeyConstraint(["subscription_id"], ["alerts_subscriptions.id"],
            name="fk_alerts_deliveries_subscription_id_alerts_subscriptions"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_deliveries"),
        sa.UniqueConstraint("alert_id", "subscription_id", name="uq_alerts_deliveries_alert_subscription")
    )
    _org_code_index("alerts_deliveries")
    op.create_index("ix_alerts_deliveries_state_next_attempt_at", "alerts_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_alerts_deliveries_subscription_id", "alerts_deliveries", ["subscription_id"])
    op.create_table("alerts_department_secrets",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("secret_cipher", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("retires_at", AwareDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["alerts_departments.id"],
            name="fk_alerts_department_secrets_department_id_alerts_departments"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_department_secrets")
    )
    op.create_index("ix_alerts_department_secrets_department_id", "alerts_department_secrets", ["department_id"])
    _org_code_index("alerts_department_secrets")
    op.create_table("alerts_warnings",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("department_code", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("signal_type", sa.String(40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("details", sa.String(2000), nullable=True),
        sa.Column("id_number_cipher", sa.Text(), nullable=False),
        sa.Column("id_number_index", sa.String(64), nullable=False),
        sa.Column("id_number_masked", sa.String(18), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("matched_by", sa.String(120), nullable=True),
        sa.Column("matched_at", AwareDateTime(), nullable=True),
        sa.Column("grouped_into", sa.Uuid(), nullable=True),
        sa.Column("check_due_on", sa.Date(), nullable=True),
        sa.Column("check_result", sa.String(20), nullable=True),
        sa.Column("check_reason", sa.String(1000), nullable=True),
        sa.Column("checked_by", sa.String(120), nullable=True),
        sa.Column("checked_by_name", sa.String(120), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("checked_at", AwareDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["alerts_departments.id"],
            name="fk_alerts_warnings_department_id_alerts_departments"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_warnings"),
        sa.UniqueConstraint("department_id", "external_id", name="uq_alerts_warnings_department_external")
    )
    op.create_index("ix_alerts_warnings_household_id", "alerts_warnings", ["household_id"])
    op.create_index("ix_alerts_warnings_id_number_index", "alerts_warnings", ["id_number_index"])
    _org_code_index("alerts_warnings")
    op.create_index("ix_alerts_warnings_state", "alerts_warnings", ["state"])
    op.create_table("alerts_webhook_messages",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["alerts_departments.id"],
            name="fk_alerts_webhook_messages_department_id_alerts_departments"),
        sa.PrimaryKeyConstraint("department_id", "message_id", name="pk_alerts_webhook_messages")
    )
    _org_code_index("alerts_webhook_messages")
    op.create_table("alerts_delivery_attempts",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["alerts_deliveries.id"],
            name="fk_alerts_delivery_attempts_delivery_id_alerts_deliveries"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_delivery_attempts")
    )
    op.create_index("ix_alerts_delivery_attempts_delivery_id", "alerts_delivery_attempts", ["delivery_id"])
    _org_code_index("alerts_delivery_attempts")


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
