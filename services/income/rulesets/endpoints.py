"""Routes of rule sets: list, read one version, and (district admins) add a version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.income.rulesets import service
from services.income.rulesets.schemas import RuleSetCreate, RuleSetRead, RuleSetSummary
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Session

router = APIRouter(prefix="/rulesets", tags=["rule sets"])


@router.get("", summary="Every rule-set version, packaged or added", response_model=list[RuleSetSummary])
async def list_rulesets(session: Session, _: AnyRole,
                        year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[RuleSetSummary]:
    return await service.list_rulesets(session, year=year)


@router.get("/{year}/{version}", summary="One rule-set version in full", response_model=RuleSetRead,
            responses=error_responses(404))
async def get_ruleset(session: Session, principal: AnyRole, year: int, version: str,
                      region: Annotated[str | None, Query(pattern=r"^[0-9]*$", max_length=12,
                                                          description="default: the region over your org unit")] = None,
                      ) -> RuleSetRead:
    return await service.get_ruleset(session, principal=principal, year=year, version=version, region=region)


@router.post("", summary="Add a rule-set version (district admin, region within your district)",
             status_code=status.HTTP_201_CREATED, response_model=RuleSetRead,
             responses=error_responses(403, 409, 422))
async def create_ruleset(session: Session, principal: DistrictAdmin, body: RuleSetCreate) -> RuleSetRead:
    return await service.create_ruleset(session, principal=principal, ruleset=body)
