"""API models of the platform endpoints: audit entries, failed events, probes and jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from shared.data.platform_tables import JobRecord
from shared.runtime.service_runtime import ServiceRuntime


class JobProgress(BaseModel):
    done: int = Field(description="units done so far")
    total: int | None = Field(description="units in all, once the job knows")
    unit: str = Field(description="what is counted: households, members, rows…")


class JobRead(BaseModel):
    """A tracked job: what it is doing, how far it is, and at the end its report."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0f8e7a52-3c1d-4f59-9a55-2b7c9b8f6d10", "name": "reassessments.run", "state": "running",
        "org_code": "500151000000", "params": {"year": 2024, "org_prefix": "500151108"},
        "progress": {"done": 4000, "total": 12800, "unit": "households"}, "attempts": 1,
        "cancel_requested": False, "created_by": "u-500151-admin", "created_at": "2024-09-02T09:30:00+08:00",
        "started_at": "2024-09-02T09:30:01+08:00", "finished_at": None, "report": None, "error": None}]})

    id: uuid.UUID
    name: str
    state: str = Field(description="queued, running, succeeded, failed or cancelled")
    org_code: str
    params: dict[str, Any]
    progress: JobProgress
    attempts: int = Field(description="runs started: 2 means a worker died and the job was resumed")
    cancel_requested: bool
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report: dict[str, Any] | None = Field(description="the job's report once it succeeded; a job stopped part-way "
                                                                  "may keep one saying what it did")
    error: str | None

    @classmethod
    def of(cls, record: JobRecord) -> JobRead:
        return cls(id=record.id, name=record.name, state=record.state, org_code=record.org_code,
                   params=record.params, attempts=record.attempts, cancel_requested=record.cancel_requested,
                   progress=JobProgress(done=record.progress_done, total=record.progress_total,
                                        unit=record.progress_unit),
                   created_by=record.created_by, created_at=record.created_at, started_at=record.started_at,
                   finished_at=record.finished_at, report=record.report, error=record.error)


class JobAccepted(BaseModel):
    """The answer to a request that started long work: poll ``location`` for progress and the report."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "job_id": "0f8e7a52-3c1d-4f59-9a55-2b7c9b8f6d10", "state": "queued",
        "location": "/income/jobs/0f8e7a52-3c1d-4f59-9a55-2b7c9b8f6d10"}]})

    job_id: uuid.UUID
    state: str
    location: str


def accepted(response: Response | None, runtime: ServiceRuntime, record: JobRecord) -> JobAccepted:
    """The ``202`` answer to a request that queued ``record``: where to poll it, also as ``Location``."""
    location = f"/{runtime.name}/jobs/{record.id}"
    if response is not None:
        response.headers["Location"] = location
    return JobAccepted(job_id=record.id, state=record.state, location=location)
