"""Routes of warnings: list and read (ID numbers masked), match by hand, record the household check."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.alerts.warnings import service
from services.alerts.warnings.repository import WarningFilter
from services.alerts.warnings.schemas import (
    CheckCreate,
    ManualMatch,
    WarningPage,
    WarningRead,
    WarningState,
)
from shared.data.pagination import PageParams
from shared.domain.enums import Role, WarningSignal
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session, Writer, caller_with

router = APIRouter(prefix="/warnings", tags=["warnings"])

Matcher = caller_with(Role.TOWN_STAFF, Role.DISTRICT_ADMIN)


async def warning_filter(
    state: WarningState | None = None,
    signal_type: WarningSignal | None = None,
    household_id: uuid.UUID | None = None,
    department: Annotated[str | None, Query(max_length=40)] = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> WarningFilter:
    return WarningFilter(state=state, signal_type=signal_type.value if signal_type else None,
                         household_id=household_id, department_code=department, received_from=received_from,
                         received_to=received_to)


@router.get("", summary="Warnings of your scope (state=unmatched: the queue to match by hand)",
            responses=error_responses(422))
async def list_warnings(session: Session, _: AnyRole, page: PageParams,
                        criteria: Annotated[WarningFilter, Depends(warning_filter)]) -> WarningPage:
    return await service.list_warnings(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.get("/{warning_id}", summary="One warning, its match and its check", responses=error_responses(404))
async def get_warning(session: Session, _: AnyRole, warning_id: uuid.UUID) -> WarningRead:
    return await service.get(session, warning_id=warning_id)


@router.post("/{warning_id}/match", summary="Match a waiting warning to a household by hand",
             responses=error_responses(403, 404, 409, 422))
async def match(session: Session, principal: Matcher, warning_id: uuid.UUID, body: ManualMatch) -> WarningRead:
    return await service.match_by_hand(session, principal=principal, warning_id=warning_id,
                                       household_id=body.household_id)


@router.post("/{warning_id}/check", summary="Record the household check: no risk (with the reason) or risk found",
             responses=error_responses(403, 404, 409, 422))
async def check(session: Session, principal: Writer, warning_id: uuid.UUID, body: CheckCreate) -> WarningRead:
    return await service.record_check(session, principal=principal, warning_id=warning_id, data=body)
