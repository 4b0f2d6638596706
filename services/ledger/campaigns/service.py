"""Campaigns: seeded from the packaged file, changed or added by a district admin, and looked up by date.

No code knows a campaign's dates: every deadline and limit of the ledger reads them from here. The
packaged ``campaigns.json`` holds the 2024 campaign as the work plan dates it; start-up copies what
is missing into the table, and an admin's change stays (start-up never overwrites a stored row).

Every campaign seeded, added or changed is announced as ``campaign.changed`` in the same transaction
(the alerts service keeps its phase dates in the deadline registry); ``announce_all`` announces every
stored campaign again, for campaigns stored before the event existed.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.repository import CampaignRepository
from services.ledger.campaigns.schemas import (
    PROCEDURE_CLOCKS,
    CampaignCreate,
    CampaignDates,
    CampaignRead,
    CampaignUpdate,
)
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.contracts.ledger import CampaignChanged
from shared.events.outbox import publish, publish_all
from shared.security.auth import Principal

PACKAGED_FILE = Path(__file__).parent / "campaigns.json"
ORG_CODE_LENGTH = 12
SOURCE = "ledger"


def packaged_campaigns() -> list[CampaignCreate]:
    return [CampaignCreate.model_validate(entry) for entry in json.loads(PACKAGED_FILE.read_text("utf-8"))]


def campaign_read(campaign: Campaign) -> CampaignRead:
    return CampaignRead.model_validate(campaign, from_attributes=True)


def _row(data: CampaignCreate, *, origin: str, by: str) -> Campaign:
    return Campaign(**data.model_dump(), org_code=data.region.ljust(ORG_CODE_LENGTH, "0"), origin=origin,
                    updated_by=by)


def campaign_changed(campaign: Campaign, *, change: str) -> CampaignChanged:
    return CampaignChanged(campaign_id=campaign.id, code=campaign.code, name=campaign.name, year=campaign.year,
                           region=campaign.region, org_code=campaign.org_code, starts_on=campaign.starts_on,
                           mobilisation_by=campaign.mobilisation_by, visits_confirmed_by=campaign.visits_confirmed_by,
                           visits_checked_by=campaign.visits_checked_by, rectification_by=campaign.rectification_by,
                           rectification_final_by=campaign.rectification_final_by, change=change)


async def announce(session: AppSession, campaign: Campaign, *, change: str) -> None:
    await publish(session, campaign_changed(campaign, change=change), org_code=campaign.org_code, source=SOURCE)


async def announce_all(session: AppSession) -> int:
    """Announce every stored campaign as it stands (idempotent for consumers: the latest event holds)."""
    campaigns = await CampaignRepository(session).all()
    await publish_all(session, [(campaign_changed(c, change="announced"), c.org_code) for c in campaigns],
                      source=SOURCE)
    return len(campaigns)

async def seed_packaged(session: AppSession) -> int:
    """Copy packaged campaigns missing from the table; returns how many were added. Safe to rerun.

    A stored campaign that predates the procedure's clocks gets the packaged ones, clock by clock,
    where it has none (the elimination's income months too); a clock an admin set is never overwritten.
    """
    repository = CampaignRepository(session)
    added = 0
    for data in packaged_campaigns():
        stored = await repository.find(data.code, data.region)
        if stored is None:
            campaign = _row(data, origin="packaged", by="system:ledger.seed_campaigns")
            repository.add(campaign)
            await session.flush()
            await announce(session, campaign, change="seeded")
            added += 1
            continue
        for clock_name in PROCEDURE_CLOCKS:
            days, unit = f"{clock_name}_days", f"{clock_name}_unit"
            if getattr(stored, days) is None and getattr(data, days) is not None:
                setattr(stored, days, getattr(data, days))
                setattr(stored, unit, getattr(data, unit).value)
        if stored.elimination_income_months is None:
            stored.elimination_income_months = data.elimination_income_months
    await session.flush()
    return added


async def list_campaigns(session: AppSession) -> list[CampaignRead]:
    return [campaign_read(c) for c in await CampaignRepository(session).all()]


async def get_campaign(session: AppSession, *, campaign_id: uuid.UUID) -> Campaign:
    campaign = await CampaignRepository(session).get(campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


async def create_campaign(session: AppSession, *, principal: Principal, data: CampaignCreate) -> CampaignRead:
    """Add the next campaign (a district admin, for a region inside the district)."""
    principal.require_covers(data.region, "region")
    repository = CampaignRepository(session)
    if await repository.find(data.code, data.region) is not None:
        raise Conflict(f"campaign {data.code} already exists for region {data.region}")
    campaign = _row(data, origin="admin", by=principal.user_id)
    repository.add(campaign)
    await session.flush()
    await announce(session, campaign, change="created")
    return campaign_read(campaign)


async def update_campaign(session: AppSession, *, principal: Principal, campaign_id: uuid.UUID,
                          data: CampaignUpdate) -> CampaignRead:
    """Change a campaign's data; its dates must still run in order (422 naming the first out of order)."""
    campaign = await get_campaign(session, campaign_id=campaign_id)
    if not principal.covers(campaign.region):
        raise Forbidden(f"campaign {campaign.code} governs {campaign.region}, outside your scope")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    merged = {name: getattr(campaign, name) for name in CampaignDates.model_fields} | changes
    try:
        CampaignDates.model_validate(merged)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"body.{message.split(' ', 1)[0]}", message) from None
    for name, value in changes.items():
        setattr(campaign, name, getattr(value, "value", value))
    campaign.updated_by, campaign.updated_at = principal.user_id, clock.now()
    await session.flush()
    await announce(session, campaign, change="updated")
    return campaign_read(campaign)


def _governs(campaign: Campaign, org_code: str) -> bool:
    return org_code.startswith(campaign.region)


def _most_specific(candidates: list[Campaign]) -> Campaign | None:
    return max(candidates, key=lambda c: (len(c.region), c.starts_on), default=None)


async def campaign_on(session: AppSession, *, org_code: str, day: date) -> Campaign | None:
    """The campaign an event of ``day`` in ``org_code`` belongs to: the latest begun by then, most specific region."""
    campaigns = [c for c in await CampaignRepository(session).all() if _governs(c, org_code) and c.starts_on <= day]
    latest = max((c.starts_on for c in campaigns), default=None)
    return _most_specific([c for c in campaigns if c.starts_on == latest])


async def campaign_of_income_year(session: AppSession, *, org_code: str, year: int) -> Campaign | None:
    """The campaign that examines income year ``year`` in ``org_code``."""
    campaigns = [c for c in await CampaignRepository(session).all() if _governs(c, org_code) and c.income_year == year]
    return _most_specific(campaigns)
