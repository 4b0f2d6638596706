"""Routes of the deadline registry: the deadlines of your scope."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.alerts.deadlines import service
from services.alerts.deadlines.repository import DeadlineFilter
from services.alerts.deadlines.schemas import DeadlinePage
from shared.data.pagination import PageParams
from shared.domain.org_codes import LEADING_DIGITS_PATTERN
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session

router = APIRouter(prefix="/deadlines", tags=["deadlines"])


async def deadline_filter(
    state: Literal["open", "met", "cancelled", "passed"] | None = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    org: Annotated[str | None, Query(pattern=LEADING_DIGITS_PATTERN, description="an org-code prefix")] = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> DeadlineFilter:
    return DeadlineFilter(state=state, kind=kind, org=org, due_from=due_from, due_to=due_to)


@router.get("", summary="Deadlines of your scope in the registry, filtered and paged", responses=error_responses(422))
async def list_deadlines(session: Session, _: AnyRole, page: PageParams,
                         criteria: Annotated[DeadlineFilter, Depends(deadline_filter)]) -> DeadlinePage:
    return await service.list_deadlines(session, criteria=criteria, limit=page.limit, offset=page.offset)
