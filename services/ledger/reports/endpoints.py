"""Routes of the reports: progress (JSON, page, workbook), the checklist, the summary, the warnings list."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.ledger.exports.names import OrgNames, org_names
from services.ledger.reports import service, warnings
from services.ledger.reports.repository import WarningFilter
from services.ledger.reports.schemas import ProgressReport, ReportWarningPage
from services.ledger.settings import get_ledger_settings
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.domain.enums import WarningSignal
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session

router = APIRouter(prefix="/reports", tags=["reports"])

OrgQuery = Annotated[str | None, Query(pattern=r"^[0-9]{12}$",
                                       description="a district, township or village code (default: your own)")]
CampaignQuery = Annotated[uuid.UUID | None, Query(description="default: the latest campaign begun for the unit")]


def names() -> OrgNames:
    return OrgNames(org_names(get_ledger_settings().org_units_file))


@router.get("/progress", summary="The campaign's progress per village, rolled up to township and district",
            description=("Every figure links to the list behind it (a GET returning exactly the rows counted) and, "
                         "where it has one, names the campaign date it is measured against. A unit outside your own "
                         "is a 403."),
            responses=error_responses(403, 404, 422))
async def progress(session: Session, principal: AnyRole, org: OrgQuery = None,
                   campaign: CampaignQuery = None) -> ProgressReport:
    return await service.progress(session, principal=principal, org_code=org or principal.org_code,
                                  campaign_id=campaign, today=clock.today(), names=names())


async def warning_filter(
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")] = None,
    signal_type: WarningSignal | None = None,
    check: Annotated[Literal["on_time", "late", "unchecked"] | None,
                     Query(description="checked within its due day, after it, or not yet")] = None,
) -> WarningFilter:
    return WarningFilter(org=org, signal_type=signal_type.value if signal_type else None, check=check)


@router.get("/warnings", summary="Department warnings as the ledger heard of them (received, checked)",
            responses=error_responses(422))
async def list_warnings(session: Session, _: AnyRole, page: PageParams,
                        criteria: Annotated[WarningFilter, Depends(warning_filter)]) -> ReportWarningPage:
    return await warnings.list_warnings(session, criteria=criteria, limit=page.limit, offset=page.offset)
