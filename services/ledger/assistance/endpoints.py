"""Routes of assistance plans, risk assessments and the follow-up (flagged 2-year reviews) of identified cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.ledger.assistance import service
from services.ledger.assistance.repository import FollowUpFilter, PlanFilter
from services.ledger.assistance.schemas import (
    AssessmentCreate,
    AssessmentPage,
    AssessmentRead,
    FollowUpPage,
    PlanCreate,
    PlanPage,
    PlanRead,
    PlanRevise,
)
from services.ledger.rectifications.service import workday_calendar
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Runtime, Session, Writer

router = APIRouter(tags=["assistance"])

OrgPrefix = Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")]


async def plan_filter(
    org: OrgPrefix = None,
    household_id: uuid.UUID | None = None,
    flagged: Annotated[bool | None, Query(description="true: the current revision breaks the labour-capacity "
                                                      "rule")] = None,
    late: Annotated[bool | None, Query(description="true: drawn up after its due day")] = None,
    labour: Annotated[str | None, Query(pattern="^(has_labour|weak_labour|no_labour|unknown)$",
                                        description="the household's labour capacity the plan was weighed on")
                      ] = None,
    flag: Annotated[str | None, Query(pattern="^(no_development_measure|no_protective_cover)$",
                                      description="the current revision carries this flag")] = None,
) -> PlanFilter:
    return PlanFilter(org=org, household_id=household_id, flagged=flagged, late=late, labour=labour, flag=flag)


@router.post("/plans", status_code=status.HTTP_201_CREATED,
             summary="Record the assistance plan (一户一策) of an identified case",
             description=("Meets the plan deadline announced at approval (`deadline.met`, late or not). A plan "
                          "drawn up after its due day files the village rule `assistance.plan_over_10_days`; a "
                          "plan that breaks the labour-capacity rule is accepted, flagged, and files its household "
                          "rule. A second plan for the same case is a 409: revise the first."),
             responses=error_responses(403, 404, 409, 422))
async def record_plan(session: Session, runtime: Runtime, _: Writer, body: PlanCreate) -> PlanRead:
    return await service.record_plan(session, data=body,
                                     calendar=workday_calendar(runtime.platform.workday_calendar_file))


@router.get("/plans", summary="Assistance plans in your scope, filtered and paged", responses=error_responses(422))
async def list_plans(session: Session, _: AnyRole, criteria: Annotated[PlanFilter, Depends(plan_filter)],
                     page: PageParams) -> PlanPage:
    return await service.list_plans(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.get("/plans/{plan_id}", summary="One assistance plan with every revision", responses=error_responses(404))
async def get_plan(session: Session, _: AnyRole, plan_id: uuid.UUID) -> PlanRead:
    return await service.get_plan(session, plan_id=plan_id)


@router.post("/plans/{plan_id}/revisions", summary="Revise a plan: the whole plan as it now stands, and why",
             responses=error_responses(403, 404, 409, 422))
async def revise_plan(session: Session, _: Writer, plan_id: uuid.UUID, body: PlanRevise) -> PlanRead:
    return await service.revise_plan(session, plan_id=plan_id, data=body)


@router.post("/assessments", status_code=status.HTTP_201_CREATED,
             summary="Record a risk assessment (风险评估) of an identified case, or its 2-year review",
             description=("Meets the assessment deadline owed (`deadline.met`) and announces the next one; a "
                          "`review` meets the 2-year review as well."),
             responses=error_responses(403, 404, 409, 422))
async def record_assessment(session: Session, runtime: Runtime, _: Writer, body: AssessmentCreate) -> AssessmentRead:
    return await service.record_assessment(session, data=body,
                                           calendar=workday_calendar(runtime.platform.workday_calendar_file))


@router.get("/assessments", summary="Risk assessments in your scope, in the order they were carried out",
            responses=error_responses(422))
async def list_assessments(session: Session, _: AnyRole, page: PageParams, org: OrgPrefix = None,
                           case_id: uuid.UUID | None = None, household_id: uuid.UUID | None = None) -> AssessmentPage:
    return await service.list_assessments(session, org=org, case_id=case_id, household_id=household_id,
                                          limit=page.limit, offset=page.offset)


@router.get("/follow-ups", summary="What identified cases owe: the next assessment, and the flagged 2-year reviews",
            description=("`flagged=true`: unresolved past the 2-year mark and not reviewed yet (户户过筛). "
                         "`assessment_owed=true`: a yearly assessment announced and not yet made, the case "
                         "unresolved; `assessment_overdue=true`: owed past its due day."),
            responses=error_responses(422))
async def list_follow_ups(session: Session, _: AnyRole, page: PageParams, org: OrgPrefix = None,
                          flagged: bool | None = None, assessment_owed: bool | None = None,
                          assessment_overdue: bool | None = None) -> FollowUpPage:
    criteria = FollowUpFilter(org=org, flagged=flagged, assessment_owed=assessment_owed,
                              assessment_overdue=assessment_overdue, today=clock.today())
    return await service.list_follow_ups(session, criteria=criteria, limit=page.limit, offset=page.offset)
