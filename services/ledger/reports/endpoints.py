"""Routes of the reports: progress (JSON, page, workbook), the checklist, the summary, the warnings list."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.background import BackgroundTask

from services.ledger.exports.names import OrgNames, org_names
from services.ledger.reports import checklist, links, service, warnings
from services.ledger.reports.page import render_progress
from services.ledger.reports.repository import WarningFilter
from services.ledger.reports.schemas import (
    AnswerCreate,
    AnswerRead,
    Checklist,
    PageLink,
    ProgressReport,
    ReportWarningPage,
)
from services.ledger.reports.summary import render_markdown, write_docx
from services.ledger.reports.workbooks import in_thread, write_checklist, write_progress
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.domain.enums import Role, WarningSignal
from shared.errors import NotAuthenticated, error_responses
from shared.runtime.dependencies import AnyRole, Runtime, Session, Writer, bearer
from shared.security.auth import decode_token

router = APIRouter(prefix="/reports", tags=["reports"])

OrgQuery = Annotated[str | None, Query(pattern=r"^[0-9]{12}$",
                                       description="a district, township or village code (default: your own)")]
CampaignQuery = Annotated[uuid.UUID | None, Query(description="default: the latest campaign begun for the unit")]


async def names(session, unit: str) -> OrgNames:
    """The names of the unit, its district and township, and every unit under it (the ledger's own table)."""
    return await org_names(session, [unit])


@router.get("/progress", summary="The campaign's progress per village, rolled up to township and district",
            description=("Every figure links to the list behind it (a GET returning exactly the rows counted) and, "
                         "where it has one, names the campaign date it is measured against. A unit outside your own "
                         "is a 403."),
            responses=error_responses(403, 404, 422))
async def progress(session: Session, principal: AnyRole, org: OrgQuery = None,
                   campaign: CampaignQuery = None) -> ProgressReport:
    return await service.progress(session, principal=principal, org_code=org or principal.org_code,
                                  campaign_id=campaign, today=clock.today(), names=await names(session, org or principal.org_code))


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


@router.post("/progress/page-link", summary="A short-lived link that opens the progress page in a browser",
             description=(f"The link works for {links.PAGE_LINK_MINUTES} minutes, for you and for the one unit "
                          "and campaign it names; open it in a browser (no header needed). The page also "
                          "accepts the usual bearer header."),
             responses=error_responses(403, 422))
async def page_link(request: Request, runtime: Runtime, principal: AnyRole, org: OrgQuery = None,
                    campaign: CampaignQuery = None) -> PageLink:
    unit = org or principal.org_code
    service.require_unit(principal, unit)
    value, expires = links.sign(runtime.platform, principal, org=unit, campaign=str(campaign) if campaign else None)
    page = request.url_for("progress_page")
    return PageLink(url=f"{page}?link={value}", path=f"{page.path}?link={value}", expires_at=expires)


PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                           "frame-ancestors 'none'"}


@router.get("/progress.html", name="progress_page", response_class=HTMLResponse,
            summary="The progress page: charts per village and the overdue lists (staff, in a browser)",
            description=("Opened with a link from `POST /ledger/reports/progress/page-link`, or with the bearer "
                         "header. Self-contained: no script, no external asset; nothing sensitive."),
            responses={200: {"content": {"text/html": {}}, "description": "the page"}} | error_responses(401, 403, 404),
            openapi_extra={"x-roles": [role.value for role in Role]})
async def progress_page(request: Request, runtime: Runtime,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                        link: Annotated[str | None, Query(max_length=2000,
                                                          description="from POST /ledger/reports/progress/page-link")
                                        ] = None,
                        org: OrgQuery = None, campaign: CampaignQuery = None) -> HTMLResponse:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = decode_token(runtime.platform, credentials.credentials)
        unit = org or principal.org_code
    elif link is not None:
        principal, unit, linked_campaign = links.verify(runtime.platform, link)
        campaign = uuid.UUID(linked_campaign) if linked_campaign else None
    else:
        raise NotAuthenticated("a bearer token or a page link is required")
    request.state.principal = principal
    today = clock.today()
    async with runtime.db.transaction(principal, request_id=getattr(request.state, "request_id", None)) as session:
        org_names_ = await names(session, unit)
        report = await service.progress(session, principal=principal, org_code=unit, campaign_id=campaign,
                                        today=today, names=org_names_)
        overdue = await service.overdue_lists(session, report=report, today=today, names=org_names_)
    return HTMLResponse(render_progress(report, overdue), headers=PAGE_HEADERS)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK = {200: {"content": {XLSX: {}}, "description": "the workbook"}}


async def file_response(writer, *args, suffix: str, media_type: str, filename: str) -> FileResponse:
    """Write the document into a temporary file in a thread, then send it and remove it."""
    descriptor, path = tempfile.mkstemp(suffix=suffix)
    os.close(descriptor)
    try:
        await in_thread(writer, *args, Path(path))
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=media_type, background=BackgroundTask(os.unlink, path),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/progress.xlsx", summary="The progress as a workbook: a summary sheet, then one sheet per village",
            response_class=FileResponse, responses=WORKBOOK | error_responses(403, 404, 422))
async def progress_workbook(session: Session, principal: AnyRole, org: OrgQuery = None,
                            campaign: CampaignQuery = None) -> FileResponse:
    report = await service.progress(session, principal=principal, org_code=org or principal.org_code,
                                    campaign_id=campaign, today=clock.today(), names=await names(session, org or principal.org_code))
    return await file_response(write_progress, report, suffix=".xlsx", media_type=XLSX,
                               filename=f"{report.org_name}{report.year}年行动进度.xlsx")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown; charset=utf-8"


@router.get("/summary", summary="The summary report (总结报告) as a Word document to edit, or as Markdown",
            description=("Word by default; Markdown with `format=md` or `Accept: text/markdown`. The campaign's "
                         "figures, its dates, a table and a chart of progress per village, the overdue lists and "
                         "the problems still open."),
            response_class=FileResponse,
            responses={200: {"content": {DOCX: {}, "text/markdown": {}}, "description": "the report"}}
            | error_responses(403, 404, 422))
async def summary_report(request: Request, session: Session, principal: AnyRole, org: OrgQuery = None,
                         campaign: CampaignQuery = None,
                         format: Annotated[Literal["docx", "md"] | None,
                                           Query(description="default: docx, or md when Accept asks for it")] = None,
                         ) -> Response:
    content = await service.summary(session, principal=principal, org_code=org or principal.org_code,
                                    campaign_id=campaign, today=clock.today(), names=await names(session, org or principal.org_code))
    wants_markdown = format == "md" or (format is None and "text/markdown" in request.headers.get("accept", ""))
    report = content.report
    if wants_markdown:
        return Response(render_markdown(content), media_type=MARKDOWN)
    return await file_response(write_docx, content, suffix=".docx", media_type=DOCX,
                               filename=f"{report.org_name}{report.year}年行动总结报告.docx")


@router.get("/checklist", summary="附件2 of a village or township: basic information and the questions",
            description=("Each question is answered from the data (`source: data`: figures with the lists behind "
                         "them, `note` says what the data cannot tell) or by the village (`source: village`, "
                         "recorded with `POST /ledger/reports/checklist/answers`)."),
            responses=error_responses(403, 404, 422))
async def get_checklist(session: Session, principal: AnyRole, org: OrgQuery = None,
                        campaign: CampaignQuery = None) -> Checklist:
    return await checklist.checklist(session, principal=principal, org_code=org or principal.org_code,
                                     campaign_id=campaign, today=clock.today(), names=await names(session, org or principal.org_code))


@router.post("/checklist/answers", summary="Record what the village knows: resident figures or an answer",
             description=("`resident_households` and `resident_population` (digits), or the code of a question "
                          "answered by the village. Recording it again replaces the answer; who and when are kept."),
             responses=error_responses(403, 404, 409, 422))
async def record_answer(session: Session, principal: Writer, body: AnswerCreate) -> AnswerRead:
    return await checklist.record_answer(session, principal=principal, data=body, today=clock.today())


@router.get("/checklist.xlsx", summary="附件2 as a workbook: a summary sheet, then one sheet per unit",
            description="For a township: the township's own checklist, then each village's.",
            response_class=FileResponse, responses=WORKBOOK | error_responses(403, 404, 422))
async def checklist_workbook(session: Session, principal: AnyRole, org: OrgQuery = None,
                             campaign: CampaignQuery = None) -> FileResponse:
    unit = org or principal.org_code
    level = checklist.require_checklist_unit(principal, unit)
    today = clock.today()
    chosen = await service.campaign_for(session, org_code=unit, campaign_id=campaign, today=today)
    books = await checklist.checklists(session, org_code=unit, level=level, campaign=chosen, today=today,
                                       names=await names(session, unit), with_villages=True)
    name = books[0].village or books[0].township
    return await file_response(write_checklist, books, suffix=".xlsx", media_type=XLSX,
                               filename=f"{name}基础信息表及应知应会清单.xlsx")
