"""Routes of reassessment: run one (district admin) and read what it changed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.income.reassessments import service
from services.income.reassessments.schemas import (
    ClassChangePage,
    ReassessmentCreate,
    ReassessmentRead,
    ReassessmentReport,
)
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Session

router = APIRouter(tags=["reassessment"])


@router.post("/reassess", summary="Recompute a year's latest assessments under a new rule-set version "
                                  "(district admin); publishes income.assessed for class changes only",
             response_model=ReassessmentReport, responses=error_responses(403, 422))
async def reassess(session: Session, principal: DistrictAdmin, body: ReassessmentCreate) -> ReassessmentReport:
    return await service.reassess(session, principal=principal, request=body)


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
