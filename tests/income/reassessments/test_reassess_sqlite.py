"""The embedded default runs the same migrations and services on SQLite: the portable statement path
of reassessment, and exact money, hold there too."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import select

from services.income.assessments import service as assessments
from services.income.assessments.models import Assessment
from services.income.assessments.schemas import DeclarationAssessmentCreate
from services.income.households.service import remember_household
from services.income.reassessments.schemas import ReassessmentCreate
from services.income.reassessments.service import reassess
from services.income.rulesets.service import create_ruleset
from shared.data.database import Database
from shared.data.migrations import upgrade
from shared.domain.enums import Role
from shared.domain.rulesets import RuleSet
from shared.runtime.definition import load_service
from shared.security.auth import Principal
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.income import declaration, raised_2024, visit_submitted

pytestmark = pytest.mark.asyncio

ADMIN = Principal(user_id="admin-1", name="区管理员", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
CADRE = Principal(user_id="cadre-1", name="村干部", role=Role.VILLAGE_CADRE, org_code=VILLAGE)


@pytest_asyncio.fixture
async def sqlite_db(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'income.db'}"
    await asyncio.to_thread(upgrade, load_service("income").versions_dir, url)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def test_reassessment_on_sqlite_matches_the_postgresql_path(sqlite_db):
    below, unchanged = uuid.uuid4(), uuid.uuid4()
    async with sqlite_db.transaction() as session:  # as intake's household.changed would tell income
        for household in (below, unchanged):
            await remember_household(session, household_id=household, org_code=VILLAGE)
        await remember_household(session, household_id=below, org_code=VILLAGE)  # heard twice: one row
    async with sqlite_db.transaction(CADRE) as session:
        for household, amount in ((below, "8800.55"), (unchanged, "20000")):
            body = DeclarationAssessmentCreate(org_code=VILLAGE, year=2024, declaration=declaration(
                12, transfer_items=[{"kind": "pension", "amount": amount}]))
            await assessments.assess_declaration(session, principal=CADRE, household_id=household, body=body)
    async with sqlite_db.transaction() as session:
        await assessments.assess_visit(session, visit=visit_submitted(income={"bracket": "8300_10000"}))
    async with sqlite_db.transaction(ADMIN) as session:
        await create_ruleset(session, principal=ADMIN, ruleset=RuleSet.model_validate(raised_2024()))

    async with sqlite_db.transaction(ADMIN) as session:
        report = await reassess(session, principal=ADMIN, request=ReassessmentCreate(year=2024), chunk_size=2)

    assert (report.examined, report.reassessed, report.changed, report.needs_verification) == (3, 3, 1, 1)
    assert [change.household_id for change in report.changes] == [below]
    async with sqlite_db.session() as session:
        rows = (await session.scalars(select(Assessment).where(Assessment.household_id == below)
                                      .order_by(Assessment.assessed_at))).all()
    old, new = rows
    assert (old.is_latest, new.is_latest, new.ruleset_version, new.origin) == (False, True, "2024.2", "reassessment")
    assert new.per_capita_net_income == Decimal("8800.55")
    assert (new.previous_class, new.income_class) == ("low_income_group", "below_monitoring_line")
    assert new.inputs == old.inputs and new.previous_assessment_id == old.id
    async with sqlite_db.session(ADMIN) as session:
        history = await assessments.household_history(session, household_id=below, include_all=True)
    assert [a.ruleset_version for a in history.assessments] == ["2024.2", "2024.1"]
