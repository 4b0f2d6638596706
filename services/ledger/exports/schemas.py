"""API models of the exports: asking for a workbook as a job."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.org_codes import LEADING_DIGITS_PATTERN


class ExportFilters(BaseModel):
    """The filters of ``GET /ledger/problems.xlsx`` or ``GET /ledger/rectifications.xlsx``, as a body.

    ``source``, ``recorded_from`` and ``recorded_to`` apply to problems only, ``due_from`` and ``due_to`` to
    rectifications only; ``status`` takes the statuses of the kind exported. A filter that does not apply
    is a 422 naming it.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"org": "500151108", "level": "household", "problem_type": "water", "status": "in_progress",
         "campaign_id": None, "due_to": "2024-09-20", "overdue": None}]})

    org: str | None = Field(default=None, pattern=LEADING_DIGITS_PATTERN, description="an org-code prefix")
    level: Literal["household", "village", "township"] | None = None
    problem_type: str | None = Field(default=None, max_length=40, description="a problem type code")
    status: str | None = Field(default=None, max_length=20,
                               description="problems: suspected, not_a_problem, confirmed; "
                                           "rectifications: in_progress, completed, closed")
    source: Literal["visit", "rule", "warning", "manual"] | None = None
    campaign_id: uuid.UUID | None = Field(default=None, description="default: the latest campaign begun for "
                                                                     "your org unit")
    recorded_from: date | None = None
    recorded_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool | None = None


class ExportCreate(BaseModel):
    """A workbook to write as a job: 附件3 (``problems``) or 附件4 (``rectifications``), with the list's filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "rectifications", "filters": {"org": "500151108", "status": "in_progress"}}]})

    kind: Literal["problems", "rectifications"]
    filters: ExportFilters = Field(default_factory=ExportFilters)
