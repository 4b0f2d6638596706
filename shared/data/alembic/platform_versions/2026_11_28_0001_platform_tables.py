"""Platform tables every service database has: outbox, inbox, failed events, audit log, bus probes.

Revision ID: platform_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, JSONDoc

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("envelope", JSONDoc, nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("published_at", AwareDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )
    op.create_index("ix_outbox_events_unpublished", "outbox_events", ["created_at"],
                    postgresql_where=sa.text("published_at IS NULL"), sqlite_where=sa.text("published_at IS NULL"))
    op.create_table(
        "inbox_records",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("handled_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name="pk_inbox_records"),
    )
    op.create_table(
        "failed_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("envelope", JSONDoc, nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", AwareDateTime(), nullable=False),
        sa.Column("replayed_at", AwareDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_failed_events"),
    )
    op.create_index("ix_failed_events_event_id", "failed_events", ["event_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(80), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("changes", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_org_code", "audit_entries", ["org_code"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_entity_id", "audit_entries", ["entity_id"])
    op.create_table(
        "probe_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("received_by", sa.String(20), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_probe_receipts"),
    )
    op.create_index("ix_probe_receipts_org_code", "probe_receipts", ["org_code"])
    op.create_index("ix_probe_receipts_event_id", "probe_receipts", ["event_id"])


def downgrade() -> None:
    for table in ("probe_receipts", "audit_entries", "failed_events", "inbox_records", "outbox_events"):
        op.drop_table(table)
