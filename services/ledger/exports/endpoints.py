"""Routes of the exports: 附件3 and 附件4 as XLSX workbooks, filtered like the lists.

A small workbook is written inside the request (``GET …xlsx``); a larger one is a job
(``POST /ledger/exports``), so no request runs for more than a few seconds.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from services.ledger.exports.names import org_names
from services.ledger.exports.schemas import ExportCreate
from services.ledger.exports.service import (
    PROBLEMS,
    RECTIFICATIONS,
    XLSX,
    check_direct,
    criteria_of,
    export_campaign,
    export_params,
    workbook_name,
    write_workbook,
)
from services.ledger.problems.endpoints import Filter as ProblemFilterParams
from services.ledger.rectifications.endpoints import Filter as RectificationFilterParams
from services.ledger.settings import get_ledger_settings
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.errors import Forbidden, error_responses
from shared.runtime.dependencies import AnyRole, Runtime, Session, Writer
from shared.runtime.platform.schemas import JobAccepted, accepted
from shared.security.auth import Principal

router = APIRouter(tags=["exports"])

WORKBOOK = {200: {"content": {XLSX: {}}, "description": "the workbook"}}
DIRECT = ("Default campaign: the latest begun for your org unit. Written inside the request when it has at most "
          "`FANGFAN_LEDGER_EXPORT_DIRECT_MAX_ROWS` rows (default 5000); a larger one is a 409 whose message "
          "points to `POST /ledger/exports`, the same workbook as a job.")


def _workbook_response(path: str, filename: str) -> FileResponse:
    return FileResponse(path, media_type=XLSX, background=BackgroundTask(os.unlink, path),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


async def _export(kind: str, session: AppSession, principal: Principal, criteria) -> FileResponse:
    campaign = await export_campaign(session, principal=principal, campaign_id=criteria.campaign_id)
    criteria = replace(criteria, campaign_id=campaign.id)
    await check_direct(session, kind=kind, criteria=criteria, limit=get_ledger_settings().export_direct_max_rows)
    names = await org_names(session, [principal.org_code])
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        await write_workbook(session, kind=kind, criteria=criteria, campaign=campaign, names=names, target=Path(path))
    except BaseException:
        os.unlink(path)
        raise
    return _workbook_response(path, workbook_name(kind, campaign))


@router.get("/problems.xlsx", summary="The suspected-problem ledger (附件3) as a workbook, filtered like the list",
            description=DIRECT, response_class=FileResponse, responses=WORKBOOK | error_responses(404, 409, 422))
async def problems_workbook(session: Session, principal: AnyRole, criteria: ProblemFilterParams) -> FileResponse:
    return await _export(PROBLEMS, session, principal, criteria)


@router.get("/rectifications.xlsx", summary="The rectification ledger (附件4) as a workbook, filtered like the list",
            description=DIRECT, response_class=FileResponse, responses=WORKBOOK | error_responses(404, 409, 422))
async def rectifications_workbook(session: Session, principal: AnyRole,
                                  criteria: RectificationFilterParams) -> FileResponse:
    return await _export(RECTIFICATIONS, session, principal, criteria)


@router.post("/exports", status_code=202, summary="Write 附件3 or 附件4 as a job, whatever its size",
             description=("The job `exports.write` reads as you (your role and org unit) and writes the workbook; "
                          "poll `GET /ledger/jobs/{id}` (progress in rows), then download "
                          "`GET /ledger/jobs/{id}/file` (only you may). The report names the rows and the file. "
                          "Default campaign: the latest begun for your org unit, fixed when you ask. Starting a "
                          "job records it, so an auditor, who never writes, cannot (403): an auditor's workbook is "
                          "a GET, up to the direct limit."),
             responses=error_responses(403, 404, 422))
async def create_export(session: Session, principal: Writer, runtime: Runtime, response: Response,
                        body: ExportCreate) -> JobAccepted:
    org, scope = body.filters.org, principal.scope_prefix
    if org is not None and not (org.startswith(scope) or scope.startswith(org)):
        raise Forbidden(f"org {org} is outside your scope ({scope})")
    campaign = await export_campaign(session, principal=principal, campaign_id=body.filters.campaign_id)
    today = clock.today()
    criteria_of(body.kind, body.filters, campaign_id=campaign.id, today=today)  # a filter that does not apply: 422
    record = await runtime.jobs.submit(session, name="exports.write", org_code=principal.org_code,
                                       params=export_params(kind=body.kind, filters=body.filters, campaign=campaign,
                                                            principal=principal, today=today))
    return accepted(response, runtime, record)
