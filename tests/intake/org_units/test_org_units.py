"""Org units: the file, the idempotent load, the startup hook and each caller's subtree."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.intake.org_units.models import OrgUnit
from services.intake.org_units.service import (
    OrgUnitFileError,
    load_org_units,
    read_org_unit_file,
)
from services.intake.org_units.tasks import load_org_units_at_startup
from services.intake.settings import DEMO_ORG_UNITS_FILE
from shared.security.auth import system_principal
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import set_intake_env


def test_the_demo_file_holds_the_district_the_township_and_its_villages():
    rows = {row.org_code: row for row in read_org_unit_file(DEMO_ORG_UNITS_FILE)}
    assert rows[DISTRICT].level == "district" and rows[DISTRICT].parent_code is None
    assert rows[TOWNSHIP].level == "township" and rows[TOWNSHIP].parent_code == DISTRICT
    assert rows[VILLAGE].level == "village" and rows[VILLAGE].parent_code == TOWNSHIP
    assert rows[OTHER_VILLAGE].name == "永胜村"


@pytest.mark.parametrize(("content", "message"), [
    ("code,name\n50015110820,短码村\n", "12 digits"),
    ("code,name\n500151108201,甲村\n500151108201,乙村\n", "listed twice"),
    ("code,name\n500151108201,\n", "needs a name"),
    ("code,name\n", "no org units"),
])
def test_a_broken_file_is_refused_naming_the_row(tmp_path, content, message):
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OrgUnitFileError, match=message):
        read_org_unit_file(path)


@pytest.mark.asyncio
async def test_loading_twice_changes_nothing_and_a_renamed_unit_is_updated(system, tmp_path):
    db = system.runtimes["intake"].db
    rows = read_org_unit_file(DEMO_ORG_UNITS_FILE)
    async with db.transaction(system_principal("tests")) as session:
        assert await load_org_units(session, rows=rows) == len(rows)
    async with db.transaction(system_principal("tests")) as session:
        assert await load_org_units(session, rows=rows) == 0
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(f"code,name\n{VILLAGE},新石鱼村\n", encoding="utf-8")
    async with db.transaction(system_principal("tests")) as session:
        assert await load_org_units(session, rows=read_org_unit_file(renamed)) == 1
    async with db.session() as session:
        assert (await session.get(OrgUnit, VILLAGE)).name == "新石鱼村"
        assert (await session.get(OrgUnit, OTHER_VILLAGE)) is not None  # units missing from a file are kept


@pytest.mark.asyncio
async def test_startup_loads_the_configured_file(system, tmp_path, intake_env):
    path = tmp_path / "official.csv"
    path.write_text("# official codes\ncode,name\n500152000000,潼南区\n500152101000,梓潼街道\n", encoding="utf-8")
    set_intake_env(intake_env, org_units_file=str(path))
    runtime = system.runtimes["intake"]
    await load_org_units_at_startup(runtime)
    async with runtime.db.session() as session:
        codes = (await session.scalars(select(OrgUnit.org_code))).all()
    assert set(codes) >= {"500152000000", "500152101000"}


@pytest.mark.asyncio
async def test_each_caller_sees_its_own_subtree(intake):
    village = (await intake.client.get("/intake/org-units", headers=intake.headers("village_cadre", VILLAGE))).json()
    assert [(u["org_code"], u["children"]) for u in village] == [(VILLAGE, [])]

    township = (await intake.client.get("/intake/org-units", headers=intake.headers("town_staff", TOWNSHIP))).json()
    assert [u["org_code"] for u in township] == [TOWNSHIP]
    assert [c["org_code"] for c in township[0]["children"]][:2] == [VILLAGE, OTHER_VILLAGE]

    district = (await intake.client.get("/intake/org-units", headers=intake.headers("district_admin", DISTRICT))).json()
    assert district[0]["org_code"] == DISTRICT
    assert district[0]["children"][0]["org_code"] == TOWNSHIP
    assert len(district[0]["children"][0]["children"]) == 6
