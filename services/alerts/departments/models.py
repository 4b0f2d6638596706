"""Tables of departments and their signing secrets."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class Department(OrgScoped, table=True):
    """部门: a department of a district (医保, 民政, …) that pushes warnings by signed webhook."""

    __tablename__ = "alerts_departments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    created_by: str = Field(max_length=120)
    created_at: datetime = now_field()


class DepartmentSecret(OrgScoped, table=True):
    """One signing secret of a department, encrypted; a rotated-out one works until ``retires_at``."""

    __tablename__ = "alerts_department_secrets"
    __sensitive__ = {"secret_cipher"}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department_id: uuid.UUID = Field(foreign_key="alerts_departments.id", index=True)
    secret_cipher: str = Field(sa_type=sa.Text)
    created_at: datetime = now_field()
    retires_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
