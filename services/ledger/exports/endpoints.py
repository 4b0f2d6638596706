"""Routes of the exports: 附件3 and 附件4 as XLSX workbooks, filtered like the lists."""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.service import campaign_on, get_campaign
from services.ledger.exports.names import org_names
from services.ledger.exports.service import write_problems, write_rectifications
from services.ledger.problems.endpoints import Filter as ProblemFilterParams
from services.ledger.rectifications.endpoints import Filter as RectificationFilterParams
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.errors import NotFound, error_responses
from shared.runtime.dependencies import AnyRole, Session
from shared.security.auth import Principal

router = APIRouter(tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK = {200: {"content": {XLSX: {}}, "description": "the workbook"}}


async def _campaign(session: AppSession, principal: Principal, campaign_id: uuid.UUID | None) -> Campaign:
    if campaign_id is not None:
        return await get_campaign(session, campaign_id=campaign_id)
    campaign = await campaign_on(session, org_code=principal.org_code, day=clock.today())
    if campaign is None:
        raise NotFound("no campaign has begun for your org unit")
    return campaign


def _workbook_response(path: str, filename: str) -> FileResponse:
    return FileResponse(path, media_type=XLSX, background=BackgroundTask(os.unlink, path),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


async def _export(writer, session: AppSession, principal: Principal, criteria, campaign: Campaign,
                  filename: str) -> FileResponse:
    names = await org_names(session, [principal.org_code])
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        await writer(session, criteria=criteria, campaign=campaign, names=names, target=Path(path))
    except BaseException:
        os.unlink(path)
        raise
    return _workbook_response(path, filename)


@router.get("/problems.xlsx", summary="The suspected-problem ledger (附件3) as a workbook, filtered like the list",
            description="Default campaign: the latest begun for your org unit. Streams: memory stays flat.",
            response_class=FileResponse, responses=WORKBOOK | error_responses(404, 422))
async def problems_workbook(session: Session, principal: AnyRole, criteria: ProblemFilterParams) -> FileResponse:
    campaign = await _campaign(session, principal, criteria.campaign_id)
    criteria = replace(criteria, campaign_id=campaign.id)
    return await _export(write_problems, session, principal, criteria, campaign, f"{campaign.year}年疑似问题核实台账.xlsx")


@router.get("/rectifications.xlsx", summary="The rectification ledger (附件4) as a workbook, filtered like the list",
            description="Default campaign: the latest begun for your org unit. Streams: memory stays flat.",
            response_class=FileResponse, responses=WORKBOOK | error_responses(404, 422))
async def rectifications_workbook(session: Session, principal: AnyRole,
                                  criteria: RectificationFilterParams) -> FileResponse:
    campaign = await _campaign(session, principal, criteria.campaign_id)
    criteria = replace(criteria, campaign_id=campaign.id)
    return await _export(write_rectifications, session, principal, criteria, campaign,
                         f"{campaign.year}年发现问题整改台账.xlsx")
