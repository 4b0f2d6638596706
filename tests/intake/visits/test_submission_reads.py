"""What a submission reads of a locked household in one statement: live members, last visit, rule sets held."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest
from sqlalchemy import update

from services.intake.households.models import Member
from services.intake.households.repository import HouseholdRepository
from services.intake.rulesets.models import HeardRuleSet
from services.intake.visits.repository import VisitRepository
from shared.data.database import Database
from shared.data.migrations import upgrade
from shared.domain.enums import Role
from shared.runtime.definition import load_service
from shared.runtime.settings import PlatformSettings
from shared.security.auth import Principal, system_principal
from tests.conftest import DISTRICT, OTHER_VILLAGE, VILLAGE
from tests.factories.intake import (
    create_household,
    load_demo_org_units,
    register_household,
    visit_form_for,
)

pytestmark = pytest.mark.asyncio


async def submit(system, form) -> None:
    response = await system.client.post("/intake/visits", json=form, headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text


async def test_one_statement_reads_the_members_head_first_the_last_visit_and_the_rule_sets_held(intake):
    household = await register_household(intake)
    household_id = uuid.UUID(household["id"])
    await submit(intake, visit_form_for(household, visited_at="2024-09-02T10:00:00+08:00"))
    await submit(intake, visit_form_for(household, visited_at="2024-09-01T10:00:00+08:00"))  # arrives late

    async with intake.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        assert await HouseholdRepository(session).lock(household_id) is not None
        context = await VisitRepository(session).submission_context(household_id)
        assert [m.name for m in context.members] == [m["name"] for m in household["members"]]
        assert context.members[0].relation == "head"
        assert context.latest is not None and context.latest.visited_at == datetime.fromisoformat(
            "2024-09-02T10:00:00+08:00")
        assert context.latest.gps_latitude is not None
        assert context.rule_sets_held == []

        heard = [HeardRuleSet(year=2024, region=DISTRICT, version=f"2024.{n}", org_code=DISTRICT, document={},
                              event_id=uuid.uuid4()) for n in (7, 8)]
        session.add_all(heard)
        await session.flush()
        context = await VisitRepository(session).submission_context(household_id)
        assert sorted(context.rule_sets_held) == sorted(h.id for h in heard)


async def test_the_lock_reads_the_household_as_a_row_and_only_within_the_callers_scope(intake):
    """The lock runs below the session's scope filter, so it checks the scope itself: elsewhere is missing."""
    household = await register_household(intake)
    household_id = uuid.UUID(household["id"])
    cadre = Principal(user_id="cadre", name="村干部", role=Role.VILLAGE_CADRE, org_code=VILLAGE)
    stranger = Principal(user_id="stranger", name="邻村干部", role=Role.VILLAGE_CADRE, org_code=OTHER_VILLAGE)
    database = intake.runtimes["intake"].db
    async with database.transaction(cadre) as session:
        row = await HouseholdRepository(session).lock(household_id)
        assert (row.id, row.org_code, row.household_number) == (household_id, VILLAGE, household["household_number"])
        assert row.key_target_groups == household["key_target_groups"]
    async with database.transaction(stranger) as session:
        assert await HouseholdRepository(session).lock(household_id) is None
        assert await HouseholdRepository(session).lock(uuid.uuid4()) is None


async def test_without_live_members_the_last_visit_is_still_read(intake):
    household = await register_household(intake)
    household_id = uuid.UUID(household["id"])
    await submit(intake, visit_form_for(household, visited_at="2024-09-02T10:00:00+08:00"))

    async with intake.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await session.execute(update(Member).where(Member.household_id == household_id)
                              .values(removed_at=datetime.fromisoformat("2024-09-03T10:00:00+08:00")))
        context = await VisitRepository(session).submission_context(household_id)
        assert context.members == []
        assert context.latest is not None and context.latest.visited_at == datetime.fromisoformat(
            "2024-09-02T10:00:00+08:00")
        assert context.rule_sets_held is None  # not read: the catalog reads the ids itself


async def test_the_same_statement_reads_on_sqlite(tmp_path):
    """The embedded mode runs the same statement (the ids come from group_concat there)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    await asyncio.to_thread(upgrade, load_service("intake").versions_dir, url)
    db = Database(url)
    settings = PlatformSettings(_env_file=None)
    try:
        async with db.transaction(system_principal("tests")) as session:
            await load_demo_org_units(session)
            household = await create_household(session, settings)
            context = await VisitRepository(session).submission_context(household.id)
            assert [m.id for m in context.members] == [m.id for m in household.members]
            assert context.latest is None and context.rule_sets_held == []
            heard = [HeardRuleSet(year=2024, region=DISTRICT, version=f"2024.{n}", org_code=DISTRICT, document={},
                                  event_id=uuid.uuid4()) for n in (7, 8)]
            session.add_all(heard)
            await session.flush()
            context = await VisitRepository(session).submission_context(household.id)
            assert sorted(context.rule_sets_held) == sorted(h.id for h in heard)
    finally:
        await db.dispose()
