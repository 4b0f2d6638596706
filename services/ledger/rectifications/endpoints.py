"""Routes of rectification items: list, read, change, extend, note progress, complete, close (销号), reopen."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.ledger.rectifications import service
from services.ledger.rectifications.repository import RectificationFilter
from services.ledger.rectifications.schemas import (
    CompletionCreate,
    ExtensionCreate,
    ProgressNoteCreate,
    RectificationPage,
    RectificationRead,
    RectificationUpdate,
    ReopeningCreate,
)
from shared.data.pagination import PageParams
from shared.domain.clock import clock
from shared.domain.enums import ProblemLevel, RectificationStatus, Role
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session, Writer, caller_with

router = APIRouter(prefix="/rectifications", tags=["rectifications"])

# 销号 is the township's (the second person of maker-checker); the service refuses the completer.
TownStaff = caller_with(Role.TOWN_STAFF)
Reopener = caller_with(Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


async def rectification_filter(
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="an org-code prefix")] = None,
    status: RectificationStatus | None = None,
    level: ProblemLevel | None = None,
    problem_type: Annotated[str | None, Query(max_length=40)] = None,
    campaign_id: uuid.UUID | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    overdue: Annotated[bool | None, Query(description="true: open past its deadline")] = None,
) -> RectificationFilter:
    return RectificationFilter(org=org, status=status.value if status else None, level=level.value if level else None,
                               problem_type=problem_type, campaign_id=campaign_id, due_from=due_from, due_to=due_to,
                               overdue=overdue, today=clock.today())


Filter = Annotated[RectificationFilter, Depends(rectification_filter)]


@router.get("", summary="Rectification items in your scope, filtered and paged", responses=error_responses(422))
async def list_items(session: Session, _: AnyRole, criteria: Filter, page: PageParams) -> RectificationPage:
    return await service.list_items(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.get("/{rectification_id}", summary="One rectification item with its progress notes",
            responses=error_responses(404))
async def get_item(session: Session, _: AnyRole, rectification_id: uuid.UUID) -> RectificationRead:
    return await service.get(session, rectification_id=rectification_id)


@router.patch("/{rectification_id}", summary="Set the measures, responsible unit or remarks",
              responses=error_responses(403, 404, 409, 422))
async def update_item(session: Session, _: Writer, rectification_id: uuid.UUID,
                      body: RectificationUpdate) -> RectificationRead:
    return await service.update(session, rectification_id=rectification_id, data=body)


@router.post("/{rectification_id}/extension",
             summary="Extend the deadline once, with a reason, up to the campaign's final rectification date",
             responses=error_responses(403, 404, 409, 422))
async def extend(session: Session, _: Writer, rectification_id: uuid.UUID, body: ExtensionCreate) -> RectificationRead:
    campaign = await service.campaign_of(session, rectification_id)
    return await service.extend(session, rectification_id=rectification_id, campaign=campaign, data=body)


@router.post("/{rectification_id}/progress", summary="Add a progress note (整改推进情况; append-only)",
             responses=error_responses(403, 404, 409, 422))
async def add_progress(session: Session, principal: Writer, rectification_id: uuid.UUID,
                       body: ProgressNoteCreate) -> RectificationRead:
    return await service.add_progress(session, principal=principal, rectification_id=rectification_id,
                                      note=body.note)


@router.post("/{rectification_id}/completion", summary="Record the completion: result and evidence references",
             responses=error_responses(403, 404, 409, 422))
async def complete(session: Session, principal: Writer, rectification_id: uuid.UUID,
                   body: CompletionCreate) -> RectificationRead:
    return await service.complete(session, principal=principal, rectification_id=rectification_id, data=body)


@router.post("/{rectification_id}/closure",
             summary="Close the item (销号): township staff other than who recorded the completion",
             responses=error_responses(403, 404, 409))
async def close(session: Session, principal: TownStaff, rectification_id: uuid.UUID) -> RectificationRead:
    return await service.close(session, principal=principal, rectification_id=rectification_id)


@router.post("/{rectification_id}/reopening", summary="Reopen a closed item, with the reason",
             responses=error_responses(403, 404, 409, 422))
async def reopen(session: Session, _: Reopener, rectification_id: uuid.UUID,
                 body: ReopeningCreate) -> RectificationRead:
    return await service.reopen(session, rectification_id=rectification_id, reason=body.reason)
