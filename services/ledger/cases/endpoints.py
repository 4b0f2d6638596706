"""Routes of cases: the procedure, opening a case, recording steps, reading cases, and the village notice."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse

from services.ledger.cases import service
from services.ledger.cases.elimination import CONDITIONS
from services.ledger.cases.machine import (
    EFFECTS,
    GUARDS,
    MACHINES,
    REQUIRED_FIELDS,
    roles_of,
)
from services.ledger.cases.printable import render_notice
from services.ledger.cases.repository import CaseFilter
from services.ledger.cases.schemas import (
    CaseCreate,
    CasePage,
    CaseRead,
    EliminationCreate,
    Notice,
    StepCreate,
)
from services.ledger.exports.names import org_names
from services.ledger.rectifications.service import workday_calendar
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Runtime, Session, Writer

router = APIRouter(tags=["cases"])

VillageCode = Annotated[str, Query(pattern=r"^\d{9}[1-9]\d{2}$|^\d{9}\d[1-9]\d$|^\d{9}\d{2}[1-9]$",
                                   description="a village's 12-digit org code")]

DATE_RULES = ["a step's date is not in the future", "not before the day the case started",
              "not before the case's previous step"]


# An excerpt of what /cases/procedure answers: one machine, two of its states, one transition.
PROCEDURE_EXAMPLE = {
    "machines": [{"kind": "identification", "label": "监测对象识别认定", "initial": "opened",
                  "states": [{"code": "opened", "label": "已发现风险", "terminal": False, "outcome": None},
                             {"code": "applied", "label": "已申请和授权承诺", "terminal": False, "outcome": None}],
                  "transitions": [{"name": "apply", "label": "农户申请和授权承诺", "from": ["opened"], "to": "applied",
                                   "roles": ["village_cadre", "town_staff", "district_admin"], "guards": [],
                                   "effects": [], "requires": []}]}],
    "guards": {"within_notice": "an objection is dated within the notice (its last day included)"},
    "effects": {"resolve_objection": "the objection's resolution is recorded"},
    "required_fields": {"reason": "why (rejection, withdrawal, objection)"},
    "date_rules": ["a step's date is not in the future"],
    "elimination_conditions": [{"code": "guarantees.secured",
                                "requires": "the latest visit finds the three guarantees and drinking water secured"}],
}


@router.get("/cases/procedure", summary="The procedure as data: states, transitions, guards, effects",
            responses={200: {"content": {"application/json": {"example": PROCEDURE_EXAMPLE}}}})
async def procedure(_: AnyRole) -> dict:
    return {"machines": [m.as_data() for m in MACHINES.values()], "guards": GUARDS, "effects": EFFECTS,
            "required_fields": REQUIRED_FIELDS, "date_rules": DATE_RULES,
            "elimination_conditions": [{"code": c.code, "requires": c.requires} for c in CONDITIONS]}


async def case_filter(
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")] = None,
    kind: Annotated[str | None, Query(pattern="^(identification|elimination)$")] = None,
    state: Annotated[str | None, Query(max_length=30)] = None,
    household_id: uuid.UUID | None = None,
    green_channel: Annotated[bool | None, Query(description="true: the cases using the green channel")] = None,
    overdue: Annotated[bool | None, Query(description="true: open past the due day, or closed after it")] = None,
    has_plan: Annotated[bool | None, Query(description="identified cases with (true) or without (false) an "
                                                       "assistance plan (一户一策)")] = None,
    plan_overdue: Annotated[bool | None, Query(description="true: identified cases with no plan past the plan's "
                                                           "due day")] = None,
) -> CaseFilter:
    return CaseFilter(org=org, kind=kind, state=state, household_id=household_id, green_channel=green_channel,
                      overdue=overdue, today=clock.today(), has_plan=has_plan, plan_overdue=plan_overdue)


@router.get("/cases", summary="Cases in your scope, filtered and paged", responses=error_responses(422))
async def list_cases(session: Session, _: AnyRole, criteria: Annotated[CaseFilter, Depends(case_filter)],
                     page: PageParams) -> CasePage:
    return await service.list_cases(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.post("/cases", status_code=status.HTTP_201_CREATED,
             summary="Open an identification case: an application, or a new 低保/特困 applicant (同步研判)",
             responses=error_responses(403, 404, 422) | {200: {"description": "the household's open case, with "
                                                                              "this evidence added"}})
async def open_case(session: Session, runtime: Runtime, _: Writer, body: CaseCreate,
                    response: Response) -> CaseRead:
    case, created = await service.open_by_hand(session, data=body,
                                               calendar=workday_calendar(runtime.platform.workday_calendar_file))
    if not created:
        response.status_code = status.HTTP_200_OK
    return case


@router.post("/cases/eliminations", status_code=status.HTTP_201_CREATED,
             summary="Propose a risk elimination (风险消除) for an unresolved monitoring object meeting every condition",
             responses=error_responses(403, 404, 409, 422) | {200: {"description": "the household's open "
                                                                                   "elimination case"}})
async def open_elimination(session: Session, _: Writer, body: EliminationCreate, response: Response) -> CaseRead:
    case, created = await service.open_elimination(session, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return case


@router.get("/cases/{case_id}", summary="One case with every step", responses=error_responses(404))
async def get_case(session: Session, _: AnyRole, case_id: uuid.UUID) -> CaseRead:
    return await service.get(session, case_id=case_id)


@router.post("/cases/{case_id}/steps", summary="Record one step of the procedure, with its date, place and evidence",
             responses=error_responses(403, 404, 409, 422))
async def record_step(session: Session, runtime: Runtime, principal: Writer, case_id: uuid.UUID,
                      body: StepCreate) -> CaseRead:
    roles = roles_of(body.transition)
    if roles is not None:
        principal.require_role(*roles)
    return await service.record_step(session, principal=principal, case_id=case_id, data=body,
                                     calendar=workday_calendar(runtime.platform.workday_calendar_file))


@router.get("/notices", summary="The cases under notice (公示) in a village, with the dates it runs",
            responses=error_responses(422))
async def notices(session: Session, _: AnyRole, village: VillageCode) -> Notice:
    return await service.notice(session, village=village)


@router.get("/notices/printable", response_class=HTMLResponse, summary="The village's notice as a page to print",
            responses=error_responses(422))
async def printable_notice(session: Session, _: AnyRole, village: VillageCode) -> HTMLResponse:
    notice = await service.notice(session, village=village)
    names = await org_names(session, [village])
    return HTMLResponse(render_notice(notice, village_name=names.village(village)))
