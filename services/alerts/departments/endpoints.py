"""Routes of departments: register one (its secret shown once), list them, rotate a secret."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, status

from services.alerts.departments import service
from services.alerts.departments.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentSecretIssued,
)
from services.alerts.settings import get_alerts_settings
from shared.errors import error_responses
from shared.runtime.dependencies import AuditReader, Cipher, DistrictAdmin, Session

router = APIRouter(prefix="/departments", tags=["departments"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 409, 422),
             summary="Register a department; its webhook signing secret is in this answer only")
async def register(session: Session, principal: DistrictAdmin, cipher: Cipher,
                   body: DepartmentCreate) -> DepartmentSecretIssued:
    return await service.register(session, principal=principal, data=body, cipher=cipher)


@router.get("", summary="The departments of your scope")
async def list_departments(session: Session, _: AuditReader) -> list[DepartmentRead]:
    return await service.list_departments(session)


@router.post("/{department_id}/secret-rotation", responses=error_responses(403, 404),
             summary="Issue a new secret; the previous ones keep working for the configured overlap")
async def rotate(session: Session, _: DistrictAdmin, cipher: Cipher,
                 department_id: uuid.UUID) -> DepartmentSecretIssued:
    overlap = timedelta(hours=get_alerts_settings().secret_overlap_hours)
    return await service.rotate_secret(session, department_id=department_id, cipher=cipher, overlap=overlap)
