"""Routes of the ledger's household view, and its rebuild (district admin) as a job."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.ledger.households import service
from services.ledger.households.repository import HouseholdFilter
from services.ledger.households.schemas import LedgerHouseholdPage, LedgerHouseholdRead
from shared.data.pagination import PageParams
from shared.domain.enums import (
    HouseholdKind,
    LedgerHouseholdCategory,
    RiskCause,
    RiskStatus,
    VerificationMethod,
)
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Runtime, Session
from shared.runtime.platform.schemas import JobAccepted, accepted

router = APIRouter(prefix="/households", tags=["households"])


async def household_filter(
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")] = None,
    removed: Annotated[bool | None, Query(description="false: households still on the register")] = None,
    kind: Annotated[HouseholdKind | None, Query(description="户类型 the household has (among others)")] = None,
    risk_status: RiskStatus | None = None,
    income_class: Annotated[str | None, Query(max_length=40, description="the latest income class")] = None,
    visited_from: Annotated[date | None, Query(description="latest visit on or after this day")] = None,
    visited_to: Annotated[date | None, Query(description="latest visit on or before this day")] = None,
    method: Annotated[VerificationMethod | None, Query(description="the latest visit's method")] = None,
    key_target: Annotated[bool | None, Query(description="true: the latest visit named one of the 10类重点对象")
                          ] = None,
    risk_cause: Annotated[RiskCause | None, Query(description="a risk cause the latest visit found")] = None,
    category: Annotated[list[LedgerHouseholdCategory] | None, Query(
        description="农户类型 now, any of those named (repeat the parameter): the status the household's cases "
                    "decided, else the register's, as each item's `category`")] = None,
    labour: Annotated[str | None, Query(pattern="^(has_labour|weak_labour|no_labour|unknown)$",
                                        description="the labour capacity of the latest visit's members")] = None,
    without_labour: Annotated[bool | None, Query(
        description="true: a whole household without labour capacity; false: every other household (those "
                    "not visited yet too)")] = None,
) -> HouseholdFilter:
    return HouseholdFilter(org=org, removed=removed, kind=kind.value if kind else None,
                           risk_status=risk_status.value if risk_status else None, income_class=income_class,
                           visited_from=visited_from, visited_to=visited_to, method=method.value if method else None,
                           key_target=key_target, risk_cause=risk_cause.value if risk_cause else None,
                           category=tuple(c.value for c in category) if category else None, labour=labour,
                           without_labour=without_labour)


@router.get("", summary="Households as the ledger knows them (from intake's and income's events)",
            responses=error_responses(422))
async def list_households(session: Session, _: AnyRole, page: PageParams,
                          criteria: Annotated[HouseholdFilter, Depends(household_filter)]) -> LedgerHouseholdPage:
    return await service.list_households(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.get("/{household_id}", summary="One household as the ledger knows it", responses=error_responses(404))
async def get_household(session: Session, _: AnyRole, household_id: uuid.UUID) -> LedgerHouseholdRead:
    return await service.get_household(session, household_id=household_id)


@router.post("/rebuild", status_code=202, summary="Rebuild the household view from the logged events (district admin)",
             description=("Empties the view and replays every source event the ledger has consumed, in order of "
                          "occurrence, as the job `households.rebuild` (`GET /ledger/jobs/{id}`; progress in "
                          "events). Problems and rectifications are records people made and are left as they are."),
             responses=error_responses(403))
async def rebuild(session: Session, principal: DistrictAdmin, runtime: Runtime, response: Response) -> JobAccepted:
    record = await runtime.jobs.submit(session, name="households.rebuild", params={}, org_code=principal.org_code)
    return accepted(response, runtime, record)
