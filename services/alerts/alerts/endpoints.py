"""Routes of alerts: the alerts of your scope, filtered, and their acknowledgement."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.alerts.alerts import service
from services.alerts.alerts.repository import AlertFilter
from services.alerts.alerts.schemas import AlertPage, AlertRead
from shared.data.pagination import PageParams
from shared.domain.enums import AlertKind
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session, Writer

router = APIRouter(prefix="/alerts", tags=["alerts"])


async def alert_filter(
    kind: AlertKind | None = None,
    state: Literal["open", "acknowledged"] | None = None,
    subject_type: Annotated[str | None, Query(max_length=60)] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    deadline_key: Annotated[str | None, Query(max_length=200)] = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> AlertFilter:
    return AlertFilter(kind=kind.value if kind else None, state=state, subject_type=subject_type,
                       subject_id=subject_id, deadline_key=deadline_key, due_from=due_from, due_to=due_to)


@router.get("", summary="Alerts addressed to your scope, filtered and paged", responses=error_responses(422))
async def list_alerts(session: Session, _: AnyRole, page: PageParams,
                      criteria: Annotated[AlertFilter, Depends(alert_filter)]) -> AlertPage:
    return await service.list_alerts(session, criteria=criteria, limit=page.limit, offset=page.offset)


@router.post("/{alert_id}/acknowledgement", summary="Acknowledge an alert (who and when are recorded)",
             responses=error_responses(403, 404, 409))
async def acknowledge(session: Session, principal: Writer, alert_id: uuid.UUID) -> AlertRead:
    return await service.acknowledge(session, principal=principal, alert_id=alert_id)
