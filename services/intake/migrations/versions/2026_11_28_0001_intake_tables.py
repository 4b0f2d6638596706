"""Intake tables: org units, households, members and visits.

Revision ID: intake_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc

revision = "intake_0001"
down_revision = None
branch_labels = ("intake",)
depends_on = "platform_0001"

# Org-code prefix queries (LIKE '500151108%') use these indexes on PostgreSQL.
PATTERN_OPS = {"org_code": "varchar_pattern_ops"}


def _org_code_index(table: str) -> None:
    op.create_index(f"ix_{table}_org_code", table, ["org_code"], postgresql_ops=PATTERN_OPS)


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("org_code", name="pk_org_units"),
    )
    _org_code_index("org_units")
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_number", sa.String(40), nullable=False),
        sa.Column("group_name", sa.String(40), nullable=True),
        sa.Column("head_name", sa.String(50), nullable=False),
        sa.Column("household_kinds", CodeList(), nullable=False),
        sa.Column("risk_status", sa.String(20), nullable=True),
        sa.Column("key_target_groups", CodeList(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_households"),
        sa.UniqueConstraint("org_code", "household_number", name="uq_households_org_code_household_number"),
    )
    _org_code_index("households")
    op.create_table(
        "members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("id_number_cipher", sa.Text(), nullable=False),
        sa.Column("id_number_index", sa.String(64), nullable=False),
        sa.Column("id_number_masked", sa.String(18), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("labour_capacity", sa.String(20), nullable=False),
        sa.Column("skilled_trade", sa.String(20), nullable=True),
        sa.Column("trade_note", sa.String(500), nullable=True),
        sa.Column("weak_reason", sa.String(20), nullable=True),
        sa.Column("remarks", sa.String(500), nullable=True),
        sa.Column("months_in_household", sa.Integer(), nullable=False),
        sa.Column("enlisted_sharing_income", sa.Boolean(), nullable=False),
        sa.Column("phone_cipher", sa.Text(), nullable=True),
        sa.Column("phone_index", sa.String(64), nullable=True),
        sa.Column("phone_masked", sa.String(20), nullable=True),
        sa.Column("removed_at", AwareDateTime(), nullable=True),
        sa.Column("removal_reason", sa.String(200), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name="fk_members_household_id_households"),
    )
    _org_code_index("members")
    op.create_index("ix_members_household_id", "members", ["household_id"])
    op.create_index("ix_members_phone_index", "members", ["phone_index"])
    # One live member per person in the whole deployment: the database, not the code, decides.
    op.create_index("uq_members_id_number_index", "members", ["id_number_index"], unique=True,
                    postgresql_where=sa.text("removed_at IS NULL"), sqlite_where=sa.text("removed_at IS NULL"))
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("visited_at", AwareDateTime(), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("remote_reason", sa.String(40), nullable=True),
        sa.Column("key_target_groups", CodeList(), nullable=False),
        sa.Column("income_bracket", sa.String(20), nullable=True),
        sa.Column("income_amounts", JSONDoc, nullable=True),
        sa.Column("has_risk", sa.Boolean(), nullable=False),
        sa.Column("gps_latitude", sa.Float(), nullable=True),
        sa.Column("gps_longitude", sa.Float(), nullable=True),
        sa.Column("gps_accuracy_m", sa.Float(), nullable=True),
        sa.Column("gps_mock_location", sa.Boolean(), nullable=True),
        sa.Column("findings", JSONDoc, nullable=False),
        sa.Column("content", JSONDoc, nullable=False),
        sa.Column("form_cipher", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(120), nullable=False),
        sa.Column("submitted_by_name", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_visits"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name="fk_visits_household_id_households"),
    )
    _org_code_index("visits")
    op.create_index("ix_visits_visited_at", "visits", ["visited_at"])
    op.create_index("ix_visits_household_id_visited_at", "visits", ["household_id", "visited_at"])


def downgrade() -> None:
    for table in ("visits", "members", "households", "org_units"):
        op.drop_table(table)
