"""Tables of households and members.

ID numbers and phones are never stored in clear: each has a Fernet token (``*_cipher``), a blind
index for exact lookup and uniqueness (``*_index``) and the masked form every response shows
(``*_masked``). The audit log redacts the token and the index.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, CodeList
from shared.data.platform_tables import OrgScoped, now_field


class Household(OrgScoped, table=True):
    """农户: one household of a village (its org code), known by its 户编号 within the village."""

    __tablename__ = "households"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_number: str = Field(max_length=40)
    group_name: str | None = Field(default=None, max_length=40)  # 村民小组/社
    head_name: str = Field(max_length=50)
    household_kinds: list[str] = Field(sa_type=CodeList)  # 户类型
    risk_status: str | None = Field(default=None, max_length=20)
    key_target_groups: list[str] = Field(default_factory=list, sa_type=CodeList)  # 10类重点对象
    # The household's recorded position (WGS-84), the reference for a home visit's fix.
    latitude: float | None = None
    longitude: float | None = None
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    # Change marker of the last write of the household or of any of its members (see ``sync``).
    change_seq: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})

    __table_args__ = (
        sa.UniqueConstraint("org_code", "household_number", name="uq_households_org_code_household_number"),
        sa.Index("ix_households_org_code_change_seq", "org_code", "change_seq"),
    )


class Member(OrgScoped, table=True):
    """家庭成员: a person of a household; ``removed_at`` set when they left it (a live member has none)."""

    __tablename__ = "members"
    __sensitive__ = {"id_number_cipher", "id_number_index", "phone_cipher", "phone_index"}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    name: str = Field(max_length=50)
    relation: str = Field(max_length=20)
    id_number_cipher: str = Field(sa_type=sa.Text)
    id_number_index: str = Field(max_length=64)
    id_number_masked: str = Field(max_length=18)
    birth_date: date
    sex: str = Field(max_length=6)
    labour_capacity: str = Field(max_length=20)
    skilled_trade: str | None = Field(default=None, max_length=20)
    trade_note: str | None = Field(default=None, max_length=500)
    weak_reason: str | None = Field(default=None, max_length=20)
    remarks: str | None = Field(default=None, max_length=500)
    months_in_household: int = 12
    enlisted_sharing_income: bool = False
    phone_cipher: str | None = Field(default=None, sa_type=sa.Text)
    phone_index: str | None = Field(default=None, max_length=64, index=True)
    phone_masked: str | None = Field(default=None, max_length=20)
    removed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    removal_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    # Change marker of the member's last write, a removal included (see ``sync``).
    change_seq: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})

    __table_args__ = (
        # One live member per person in the whole deployment; a removed member keeps the number.
        sa.Index("uq_members_id_number_index", "id_number_index", unique=True,
                 postgresql_where=sa.text("removed_at IS NULL"), sqlite_where=sa.text("removed_at IS NULL")),
        sa.Index("ix_members_org_code_change_seq", "org_code", "change_seq"),
    )
