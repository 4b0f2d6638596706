"""Queries on departments and their secrets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select

from services.alerts.departments.models import Department, DepartmentSecret
from shared.data.database import AppSession


class DepartmentRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, department_id: uuid.UUID) -> Department | None:
        return (await self.session.scalars(select(Department).where(Department.id == department_id))).first()

    async def by_code(self, code: str, *, anywhere: bool = False) -> Department | None:
        """``anywhere``: also outside the caller's scope (codes are unique in the whole deployment)."""
        query = select(Department).where(Department.code == code)
        if anywhere:
            query = query.execution_options(skip_scope=True)
        return (await self.session.scalars(query)).first()

    async def all(self) -> Sequence[Department]:
        return (await self.session.scalars(select(Department).order_by(Department.code))).all()

    async def valid_secrets(self, department_id: uuid.UUID, now: datetime) -> Sequence[DepartmentSecret]:
        """The secrets that sign this department's messages now: the newest first."""
        query = (select(DepartmentSecret).where(DepartmentSecret.department_id == department_id)
                 .where(or_(DepartmentSecret.retires_at.is_(None), DepartmentSecret.retires_at > now))
                 .order_by(DepartmentSecret.created_at.desc()))
        return (await self.session.scalars(query)).all()
