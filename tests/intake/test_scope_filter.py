"""The scope filter reaches every place a query reads a scoped table, and only those."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.intake.households.models import Household, Member
from services.intake.visits.models import Visit
from shared.data.database import _scoped_entities_in
from shared.domain.enums import Role
from shared.security.auth import Principal
from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import household_payload


def test_the_criteria_name_the_scoped_tables_a_statement_reads_in_subqueries_too():
    holders = select(Member.household_id).where(Member.removed_at.is_(None))
    statement = select(Household.id).where(Household.id.in_(holders))
    assert set(_scoped_entities_in(statement)) == {Household, Member}
    assert _scoped_entities_in(select(func.count()).select_from(Visit)) == (Visit,)
    latest = select(Visit.household_id).cte("latest")
    assert _scoped_entities_in(select(latest.c.household_id)) == (Visit,)


@pytest.mark.asyncio
async def test_a_subquery_on_a_scoped_table_sees_only_the_callers_scope(intake):
    for org in (VILLAGE, OTHER_VILLAGE):
        response = await intake.client.post("/intake/households", json=household_payload(org),
                                            headers=intake.headers("town_staff", TOWNSHIP))
        assert response.status_code == 201, response.text
    cadre = Principal(user_id="cadre-1", name="村干部", role=Role.VILLAGE_CADRE, org_code=VILLAGE)
    async with intake.runtimes["intake"].db.session(cadre) as session:
        members_seen = (await session.execute(
            select(func.count()).select_from(select(Member.id).subquery()))).scalar_one()
        villages = (await session.execute(select(func.count()).select_from(
            select(Member.org_code).distinct().subquery()))).scalar_one()
    assert (members_seen, villages) == (2, 1)
