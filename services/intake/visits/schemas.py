"""API models of visits. The request body is the form itself (``shared.domain.visit_form.VisitForm``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.domain.enums import VerificationMethod
from shared.events.contracts.intake import Finding


class VisitRead(BaseModel):
    """A stored visit: the form as submitted (ID numbers and phones masked), the findings, the receipt."""

    id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    method: VerificationMethod
    visited_at: datetime = Field(description="the client's time of the visit")
    received_at: datetime = Field(description="the server's time of first receipt")
    submitted_by: str
    submitted_by_name: str
    findings: list[Finding]
    form: dict[str, Any] = Field(description="the submitted form, ID numbers and phones masked")


class VisitPage(BaseModel):
    items: list[VisitRead]
    total: int
    limit: int
    offset: int
