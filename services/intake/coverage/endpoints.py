"""Routes of the coverage report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.intake.coverage.schemas import CoverageReport
from services.intake.coverage.service import coverage_report
from services.intake.settings import Settings
from shared.domain.org_codes import ORG_CODE_PATTERN
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session

router = APIRouter(prefix="/coverage", tags=["coverage"])


@router.get("", summary="Campaign coverage per village: visited, by method, key-target in person, not yet visited",
            responses=error_responses(401, 403, 422))
async def get_coverage(
    session: Session,
    principal: AnyRole,
    settings: Settings,
    org: Annotated[str | None, Query(pattern=ORG_CODE_PATTERN, description="org code; default: your own")] = None,
    unvisited_limit: Annotated[int | None, Query(ge=0, le=10_000, description="households listed per village")] = None,
) -> CoverageReport:
    limit = settings.coverage_unvisited_limit if unvisited_limit is None else unvisited_limit
    return await coverage_report(session, principal=principal, org_code=org or principal.org_code,
                                 unvisited_limit=limit, settings=settings)
