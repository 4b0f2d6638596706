"""Routes of suspected problems: record by hand, list, count, read with history, verify."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.ledger.problems import service
from services.ledger.problems.repository import ProblemFilter
from services.ledger.problems.schemas import (
    ProblemCounts,
    ProblemCreate,
    ProblemDetail,
    ProblemPage,
    VerificationCreate,
)
from services.ledger.rectifications.service import workday_calendar
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.domain.enums import ProblemLevel, ProblemSource, ProblemStatus, Role
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Runtime, Session, Writer, caller_with

router = APIRouter(tags=["problems"])

# 核实 is organised by the township (由镇组织……集中研判); a district admin may do it too.
Verifier = caller_with(Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


async def problem_filter(
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")] = None,
    level: ProblemLevel | None = None,
    problem_type: Annotated[str | None, Query(max_length=40, description="a problem type code")] = None,
    status: ProblemStatus | None = None,
    source: ProblemSource | None = None,
    campaign_id: uuid.UUID | None = None,
    recorded_from: Annotated[date | None, Query(description="recorded on or after this day")] = None,
    recorded_to: Annotated[date | None, Query(description="recorded on or before this day")] = None,
    overdue: Annotated[bool | None, Query(description="true: its rectification is open past its deadline")] = None,
) -> ProblemFilter:
    return ProblemFilter(org=org, level=level.value if level else None, problem_type=problem_type,
                         status=status.value if status else None, source=source.value if source else None,
                         campaign_id=campaign_id, recorded_from=recorded_from, recorded_to=recorded_to,
                         overdue=overdue, today=clock.today())


Filter = Annotated[ProblemFilter, Depends(problem_filter)]


@router.post("/problems", status_code=201, summary="Record a suspected problem by hand (谁排查、谁录入、谁负责)",
             responses=error_responses(403, 404, 422))
async def create_problem(session: Session, principal: Writer, body: ProblemCreate) -> ProblemDetail:
    return await service.create_problem(session, principal=principal, data=body)


@router.get("/problems", summary="Suspected problems in your scope, filtered and paged",
            responses=error_responses(422))
async def list_problems(session: Session, _: AnyRole, criteria: Filter, page: PageParams) -> ProblemPage:
    return await service.list_problems(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.get("/problems/counts", summary="Counts of problems by type and by village", responses=error_responses(422))
async def count_problems(session: Session, _: AnyRole, criteria: Filter) -> ProblemCounts:
    return await service.count_problems(session, criteria=criteria)


@router.get("/problems/{problem_id}", summary="One problem with its evidence and full history",
            responses=error_responses(404))
async def get_problem(session: Session, _: AnyRole, problem_id: uuid.UUID) -> ProblemDetail:
    return await service.get_problem(session, problem_id=problem_id)


@router.post("/problems/{problem_id}/verification",
             summary="Verify a suspected problem (核实): ① not a problem, or ② confirmed with its rectification",
             responses=error_responses(403, 404, 409, 422))
async def verify(session: Session, principal: Verifier, runtime: Runtime, problem_id: uuid.UUID,
                 body: VerificationCreate) -> ProblemDetail:
    return await service.verify(session, principal=principal, problem_id=problem_id, data=body,
                                calendar=workday_calendar(runtime.platform.workday_calendar_file))
