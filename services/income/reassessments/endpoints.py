"""Routes of reassessment: run one (district admin) and read what it changed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.income.reassessments import service
from services.income.reassessments.schemas import (
    ClassChangePage,
    ReassessmentCreate,
    ReassessmentRead,
)
from shared.domain.org_codes import code_of_prefix
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Runtime, Session
from shared.runtime.platform.schemas import JobAccepted, accepted

router = APIRouter(tags=["reassessment"])


@router.post("/reassess", status_code=202,
             summary="Recompute a year's latest assessments under a new rule-set version (district admin), as a job",
             description=("Checks the request, then answers `202` with a job id and a `Location` to poll "
                          "(`GET /income/jobs/{id}`): progress in households, and at the end the report "
                          "(`ReassessmentReport`: counts and the class changes). `income.assessed` is published "
                          "for class changes only. `DELETE /income/jobs/{id}` stops it between chunks; what "
                          "was done stays done, and a second run continues where it stopped."),
             responses=error_responses(403, 422))
async def reassess(session: Session, principal: DistrictAdmin, body: ReassessmentCreate, runtime: Runtime,
                   response: Response) -> JobAccepted:
    prefix = await service.check_reassessment(session, principal=principal, request=body)
    record = await runtime.jobs.submit(
        session, name="reassessments.run", org_code=code_of_prefix(prefix),
        params={"request": body.model_dump(mode="json"),
                "requested_by": {**principal.as_actor(), "org_code": principal.org_code}})
    return accepted(response, runtime, record)


@router.get("/reassessments/{reassessment_id}", summary="What one reassessment did",
            response_model=ReassessmentRead, responses=error_responses(404))
async def get_reassessment(session: Session, _: AnyRole, reassessment_id: uuid.UUID) -> ReassessmentRead:
    return await service.get_reassessment(session, reassessment_id=reassessment_id)


@router.get("/reassessments/{reassessment_id}/changes", summary="Households a reassessment moved to another class",
            response_model=ClassChangePage, responses=error_responses(404))
async def class_changes(session: Session, _: AnyRole, reassessment_id: uuid.UUID,
                        after: uuid.UUID | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> ClassChangePage:
    return await service.class_changes(session, reassessment_id=reassessment_id, after=after, limit=limit)
