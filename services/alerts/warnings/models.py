"""The table of department warnings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class DepartmentWarning(OrgScoped, table=True):
    """部门预警信息: one warning about one person, its match to a household and its household check.

    The ID number is stored as a Fernet token, a blind index (to match) and a mask (to show). The org code
    is the department's district (or the narrower unit the department named) until the warning is matched,
    then the household's village.
    """

    __tablename__ = "alerts_warnings"
    __sensitive__ = {"id_number_cipher", "id_number_index"}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department_id: uuid.UUID = Field(foreign_key="alerts_departments.id")
    department_code: str = Field(max_length=40)
    external_id: str = Field(max_length=100)
    signal_type: str = Field(max_length=40)
    occurred_on: date
    details: str | None = Field(default=None, max_length=2000)
    id_number_cipher: str = Field(sa_type=sa.Text)
    id_number_index: str = Field(max_length=64, index=True)
    id_number_masked: str = Field(max_length=18)
    message_id: str = Field(max_length=200)
    received_at: datetime = now_field()
    received_on: date
    state: str = Field(max_length=20, index=True)
    household_id: uuid.UUID | None = Field(default=None, index=True)
    matched_by: str | None = Field(default=None, max_length=120)
    matched_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    grouped_into: uuid.UUID | None = Field(default=None)
    check_due_on: date | None = None
    check_result: str | None = Field(default=None, max_length=20)
    check_reason: str | None = Field(default=None, max_length=1000)
    checked_by: str | None = Field(default=None, max_length=120)
    checked_by_name: str | None = Field(default=None, max_length=120)
    checked_on: date | None = None
    checked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    __table_args__ = (
        sa.UniqueConstraint("department_id", "external_id", name="uq_alerts_warnings_department_external"),
    )
