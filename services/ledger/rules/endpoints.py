"""Routes of the rule table."""

from __future__ import annotations

from fastapi import APIRouter

from services.ledger.rules.schemas import RuleRead
from services.ledger.rules.service import list_rules
from shared.runtime.dependencies import AnyRole

router = APIRouter(tags=["rules"])


@router.get("/rules", summary="The rules that raise suspected problems, with the clause each enforces")
async def rules(_: AnyRole) -> list[RuleRead]:
    return list_rules()
