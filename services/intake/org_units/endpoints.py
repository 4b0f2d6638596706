"""Routes of org units."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.org_units import service
from services.intake.org_units.schemas import OrgUnitNode
from shared.errors import error_responses
from shared.runtime.dependencies import AnyRole, Session

router = APIRouter(prefix="/org-units", tags=["org units"])


@router.get("", summary="The caller's part of the 区县 → 乡镇 → 村 tree", responses=error_responses(401))
async def list_org_units(session: Session, _: AnyRole) -> list[OrgUnitNode]:
    return await service.org_unit_tree(session)
