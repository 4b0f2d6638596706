"""Routes of campaigns: read them (every role), add or change one (district admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.ledger.campaigns import service
from services.ledger.campaigns.schemas import (
    CampaignCreate,
    CampaignRead,
    CampaignUpdate,
)
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, DistrictAdmin, Session

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("", summary="Every campaign with its phase dates (行动时间安排)")
async def list_campaigns(session: Session, _: AnyRole) -> list[CampaignRead]:
    return await service.list_campaigns(session)


@router.get("/{campaign_id}", summary="One campaign", responses=error_responses(404))
async def get_campaign(session: Session, _: AnyRole, campaign_id: uuid.UUID) -> CampaignRead:
    return service.campaign_read(await service.get_campaign(session, campaign_id=campaign_id))


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add the next campaign (district admin)",
             responses=error_responses(403, 409, 422))
async def create_campaign(session: Session, principal: DistrictAdmin, body: CampaignCreate) -> CampaignRead:
    return await service.create_campaign(session, principal=principal, data=body)


@router.patch("/{campaign_id}", summary="Change a campaign's dates or data (district admin)",
              responses=error_responses(403, 404, 422))
async def update_campaign(session: Session, principal: DistrictAdmin, campaign_id: uuid.UUID,
                          body: CampaignUpdate) -> CampaignRead:
    return await service.update_campaign(session, principal=principal, campaign_id=campaign_id, data=body)
