"""Routes of the computation and of stored assessments."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.income.assessments import service
from services.income.assessments.schemas import (
    AssessmentDetail,
    AssessmentRead,
    CalculationRead,
    CalculationRequest,
    DeclarationAssessmentCreate,
    HouseholdIncomeHistory,
    IncomeDropPage,
)
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session, Writer

router = APIRouter(tags=["assessments"])


@router.post("/calculate", summary="Per-capita net income by 附件5, explained; nothing is stored",
             response_model=CalculationRead, responses=error_responses(422))
async def calculate(session: Session, principal: AnyRole, body: CalculationRequest) -> CalculationRead:
    return await service.calculate_income(session, principal=principal, request=body)


@router.post("/households/{household_id}/assessments", status_code=status.HTTP_201_CREATED,
             summary="Store a household's assessment from a full 附件5 declaration; publishes income.assessed",
             description=("409 when another assessment of the same household and year was stored at the same "
                          "moment: nothing was stored, send it again."),
             response_model=AssessmentRead, responses=error_responses(403, 404, 409, 422))
async def create_assessment(session: Session, principal: Writer, household_id: uuid.UUID,
                            body: DeclarationAssessmentCreate) -> AssessmentRead:
    assessment = await service.assess_declaration(session, principal=principal, household_id=household_id,
                                                  body=body)
    return AssessmentRead.model_validate(assessment)


@router.get("/households/{household_id}/assessments",
            summary="A household's latest assessment per year with the change from the year before",
            response_model=HouseholdIncomeHistory, responses=error_responses(404))
async def household_history(session: Session, _: AnyRole, household_id: uuid.UUID,
                            include_all: Annotated[bool, Query(alias="all", description="also list every assessment")
                                                   ] = False,
                            ) -> HouseholdIncomeHistory:
    return await service.household_history(session, household_id=household_id, include_all=include_all)


@router.get("/assessments/{assessment_id}", summary="One assessment with its inputs and breakdown",
            response_model=AssessmentDetail, responses=error_responses(404))
async def get_assessment(session: Session, _: AnyRole, assessment_id: uuid.UUID) -> AssessmentDetail:
    return await service.get_assessment(session, assessment_id=assessment_id)


@router.get("/income-drops", summary="收入降幅较大: households whose per-capita income fell at least this much",
            response_model=IncomeDropPage, responses=error_responses(422))
async def income_drops(
    session: Session,
    _: AnyRole,
    year: Annotated[int, Query(ge=2001, le=2100)],
    min_drop_percent: Annotated[Decimal, Query(gt=0, le=100, decimal_places=2)],
    after: Annotated[uuid.UUID | None, Query(description="next_after of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> IncomeDropPage:
    return await service.income_drops(session, year=year, min_drop_percent=min_drop_percent, after=after,
                                      limit=limit)
