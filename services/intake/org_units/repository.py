"""Queries on org units."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from services.intake.org_units.models import OrgUnit
from shared.data.database import AppSession
from shared.domain.org_codes import OrgLevel


class OrgUnitRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def subtree(self) -> Sequence[OrgUnit]:
        """Every unit the caller may see (the scope filter keeps its own prefix), in code order."""
        return (await self.session.scalars(select(OrgUnit).order_by(OrgUnit.org_code))).all()

    async def any_by_code(self, org_code: str) -> OrgUnit | None:
        """A unit whatever the caller's scope: the tree is reference data, not a protected record."""
        query = select(OrgUnit).where(OrgUnit.org_code == org_code).execution_options(skip_scope=True)
        return (await self.session.scalars(query)).first()

    async def names(self, org_codes: Sequence[str]) -> dict[str, str]:
        if not org_codes:
            return {}
        query = select(OrgUnit.org_code, OrgUnit.name).where(OrgUnit.org_code.in_(set(org_codes)))
        rows = await self.session.execute(query.execution_options(skip_scope=True))
        return {code: name for code, name in rows.all()}

    async def villages_under(self, prefix: str) -> Sequence[OrgUnit]:
        query = (select(OrgUnit).where(OrgUnit.level == OrgLevel.VILLAGE, OrgUnit.org_code.startswith(prefix))
                 .order_by(OrgUnit.org_code))
        return (await self.session.scalars(query)).all()

    async def villages_named(self, name: str) -> Sequence[OrgUnit]:
        query = select(OrgUnit).where(OrgUnit.level == OrgLevel.VILLAGE, OrgUnit.name == name)
        return (await self.session.scalars(query)).all()

    async def all_by_code(self) -> dict[str, OrgUnit]:
        rows = await self.session.scalars(select(OrgUnit).execution_options(skip_scope=True))
        return {unit.org_code: unit for unit in rows.all()}
