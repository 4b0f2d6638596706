"""API models of departments and their secrets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.org_codes import OrgCode

DepartmentCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$",
                                      description="the department's code in the webhook URL (?department=…)",
                                      examples=["ybj-500151"])]


class DepartmentCreate(BaseModel):
    """A department of the caller's district (医保, 卫健, 民政, 教育, 住建, 水利, 人社, 残联, 应急, 公安, 农业农村…)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "ybj-500151", "name": "铜梁区医疗保障局"}]})

    code: DepartmentCode
    name: Annotated[str, Field(min_length=1, max_length=80, examples=["铜梁区医疗保障局"])]
    org_code: OrgCode | None = Field(default=None, description="the department's unit; the caller's by default")


class DepartmentRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                                                       "code": "ybj-500151",
                                                       "name": "铜梁区医疗保障局",
                                                       "org_code": "500151000000",
                                                       "created_by": "u-500151-001",
                                                       "created_at": "2026-02-10T10:00:00+08:00",
                                                       "webhook_path": "/alerts/webhooks/department-warnings?department=ybj-500151"}]})

    id: uuid.UUID
    code: str
    name: str
    org_code: str
    created_by: str
    created_at: datetime
    webhook_path: str


class DepartmentSecretIssued(DepartmentRead):
    """A new signing secret, shown this once and never again (it is stored encrypted)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                                                       "code": "ybj-500151",
                                                       "name": "铜梁区医疗保障局",
                                                       "org_code": "500151000000",
                                                       "created_by": "u-500151-001",
                                                       "created_at": "2026-02-10T10:00:00+08:00",
                                                       "webhook_path": "/alerts/webhooks/department-warnings?department=ybj-500151",
                                                       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                                       "previous_secrets_valid_until": None}]})

    secret: str = Field(description="Standard Webhooks secret (whsec_ + base64); shown once")
    previous_secrets_valid_until: datetime | None = Field(
        default=None, description="after a rotation: when the secrets it replaced stop working")
