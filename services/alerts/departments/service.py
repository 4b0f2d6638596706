"""Departments: registered by a district admin, each with a signing secret shown once.

A rotation issues a new secret and keeps the ones it replaces working for
``FANGFAN_ALERTS_SECRET_OVERLAP_HOURS``, so a department can switch without losing a message. Secrets
are stored with the deployment's field encryption (Fernet), as ID numbers are.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime, timedelta

from services.alerts.departments.models import Department, DepartmentSecret
from services.alerts.departments.repository import DepartmentRepository
from services.alerts.departments.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentSecretIssued,
)
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.errors import Conflict, NotFound
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

WEBHOOK_PATH = "/alerts/webhooks/department-warnings"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def department_read(department: Department) -> DepartmentRead:
    return DepartmentRead(
        id=department.id, code=department.code, name=department.name, org_code=department.org_code,
        created_by=department.created_by, created_at=department.created_at,
        webhook_path=f"{WEBHOOK_PATH}?department={department.code}")


def _issue(session: AppSession, department: Department, cipher: FieldCipher) -> str:
    secret = new_secret()
    session.add(DepartmentSecret(department_id=department.id, org_code=department.org_code,
                                 secret_cipher=cipher.encrypt(secret)))
    return secret


async def register(session: AppSession, *, principal: Principal, data: DepartmentCreate,
                   cipher: FieldCipher) -> DepartmentSecretIssued:
    repository = DepartmentRepository(session)
    if await repository.by_code(data.code, anywhere=True) is not None:
        raise Conflict(f"a department with code {data.code!r} is already registered")
    department = Department(code=data.code, name=data.name, org_code=data.org_code or principal.org_code,
                            created_by=principal.user_id)
    session.add(department)
    await session.flush()
    secret = _issue(session, department, cipher)
    await session.flush()
    return DepartmentSecretIssued(**department_read(department).model_dump(), secret=secret)


async def rotate_secret(session: AppSession, *, department_id: uuid.UUID, cipher: FieldCipher,
                        overlap: timedelta) -> DepartmentSecretIssued:
    """A new secret; the ones still valid keep working until the overlap ends (two valid at once)."""
    repository = DepartmentRepository(session)
    department = await repository.get(department_id)
    if department is None:
        raise NotFound(f"no department {department_id} in your scope")
    now = clock.now()
    until = now + overlap
    for old in await repository.valid_secrets(department.id, now):
        old.retires_at = min(old.retires_at, until) if old.retires_at else until
    secret = _issue(session, department, cipher)
    await session.flush()
    return DepartmentSecretIssued(**department_read(department).model_dump(), secret=secret,
                                  previous_secrets_valid_until=until)


async def list_departments(session: AppSession) -> list[DepartmentRead]:
    return [department_read(d) for d in await DepartmentRepository(session).all()]


async def signing_secrets(session: AppSession, department: Department, cipher: FieldCipher,
                          now: datetime) -> list[str]:
    return [cipher.decrypt(s.secret_cipher) for s in await DepartmentRepository(session).valid_secrets(department.id,
                                                                                                      now)]
