"""Routes of the ledger's household view, and its rebuild (district admin) as a job."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.ledger.households import service
from services.ledger.households.schemas import LedgerHouseholdPage, LedgerHouseholdRead
from shared.data.pagination import PageParams
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Runtime, Session
from shared.runtime.platform.schemas import JobAccepted, accepted

router = APIRouter(prefix="/households", tags=["households"])


@router.get("", summary="Households as the ledger knows them (from intake's and income's events)",
            responses=error_responses(422))
async def list_households(session: Session, _: AnyRole, page: PageParams,
                          org: Annotated[str | None, Query(pattern=r"^\d{1,12}$",
                                                           description="an org-code prefix")] = None,
                          ) -> LedgerHouseholdPage:
    return await service.list_households(session, org=org, limit=page.limit, offset=page.offset)


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
