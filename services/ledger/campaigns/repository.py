"""Queries on campaigns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from services.ledger.campaigns.models import Campaign
from shared.data.database import AppSession


class CampaignRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def all(self) -> Sequence[Campaign]:
        return (await self.session.scalars(select(Campaign).order_by(Campaign.starts_on, Campaign.region))).all()

    async def get(self, campaign_id: uuid.UUID) -> Campaign | None:
        return await self.session.get(Campaign, campaign_id)

    async def find(self, code: str, region: str) -> Campaign | None:
        query = select(Campaign).where(Campaign.code == code, Campaign.region == region)
        return (await self.session.scalars(query)).first()

    def add(self, campaign: Campaign) -> None:
        self.session.add(campaign)
