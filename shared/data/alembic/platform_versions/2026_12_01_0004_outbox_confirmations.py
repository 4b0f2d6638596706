"""Outbox rows remember when their delivery was confirmed, so the relay can send again what Redis lost.

Rows published before this revision count as confirmed: they were delivered under the old rule, and
sending a day of them again at the upgrade would only load every consumer.

Revision ID: platform_0004
Revises: platform_0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime

revision = "platform_0004"
down_revision = "platform_0003"
branch_labels = None
depends_on = None

UNCONFIRMED = sa.text("published_at IS NOT NULL AND confirmed_at IS NULL")


def upgrade() -> None:
    op.add_column("outbox_events", sa.Column("confirmed_at", AwareDateTime(), nullable=True))
    op.execute("UPDATE outbox_events SET confirmed_at = published_at WHERE published_at IS NOT NULL")
    op.create_index("ix_outbox_events_unconfirmed", "outbox_events", ["published_at"],
                    postgresql_where=UNCONFIRMED, sqlite_where=UNCONFIRMED)


def downgrade() -> None:
    op.drop_index("ix_outbox_events_unconfirmed", table_name="outbox_events")
    op.drop_column("outbox_events", "confirmed_at")
