"""Queries on the ledger's org units."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from services.ledger.org_units.models import LedgerOrgUnit
from shared.data.database import AppSession
from shared.domain.org_codes import is_org_code, org_prefix


def _ancestors(org_code: str) -> set[str]:
    return {org_code[:6] + "000000", org_code[:9] + "000", org_code}


class OrgUnitRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get_for_update(self, org_code: str) -> LedgerOrgUnit | None:
        query = (select(LedgerOrgUnit).where(LedgerOrgUnit.org_code == org_code).with_for_update()
                 .execution_options(skip_scope=True))
        return (await self.session.scalars(query)).first()

    async def names_around(self, org_codes: Iterable[str]) -> dict[str, str]:
        """In one query, the names of each code's district, township and itself, and of every unit under it."""
        codes = {code for code in org_codes if is_org_code(code)}
        if not codes:
            return {}
        ancestors = set().union(*(_ancestors(code) for code in codes))
        below = [LedgerOrgUnit.org_code.startswith(org_prefix(code)) for code in codes]
        query = (select(LedgerOrgUnit.org_code, LedgerOrgUnit.name)
                 .where(or_(LedgerOrgUnit.org_code.in_(ancestors), *below)).execution_options(skip_scope=True))
        return {code: name for code, name in (await self.session.execute(query)).all()}

    async def listed(self, prefix: str | None) -> list[LedgerOrgUnit]:
        query = select(LedgerOrgUnit).order_by(LedgerOrgUnit.org_code)
        if prefix:
            query = query.where(LedgerOrgUnit.org_code.startswith(prefix))
        return list((await self.session.scalars(query)).all())
