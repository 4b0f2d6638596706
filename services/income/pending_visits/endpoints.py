"""Routes of pending visits: which visits wait for a rule set."""

from __future__ import annotations

from fastapi import APIRouter

from services.income.pending_visits import service
from services.income.pending_visits.schemas import PendingVisitPage
from shared.data.pagination import PageParams
from shared.runtime.dependencies import AnyRole, Session

router = APIRouter(prefix="/pending-visits", tags=["pending visits"])


@router.get("", summary="Visits waiting for a rule set that covers their date and region",
            response_model=PendingVisitPage)
async def list_pending_visits(session: Session, _: AnyRole, page: PageParams) -> PendingVisitPage:
    return await service.list_pending(session, limit=page.limit, offset=page.offset)
