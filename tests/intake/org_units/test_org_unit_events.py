"""Intake announces its org units as ``org_unit.changed``, in the transaction that loads or changes them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from services.intake.org_units.service import (
    announce_all,
    load_org_units,
    read_org_unit_file,
)
from services.intake.settings import DEMO_ORG_UNITS_FILE
from shared.data.platform_tables import OutboxEvent
from shared.security.auth import system_principal
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio


async def announced(db) -> list[dict]:
    async with db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "org_unit.changed")
                                      .order_by(OutboxEvent.created_at))).all()
    return [row.envelope for row in rows]


async def test_a_load_announces_each_new_or_changed_unit_once(system, tmp_path):
    db = system.runtimes["intake"].db
    rows = read_org_unit_file(DEMO_ORG_UNITS_FILE)
    async with db.transaction(system_principal("tests")) as session:
        await load_org_units(session, rows=rows)
    first = await announced(db)
    assert sorted(event["payload"]["org_code"] for event in first) == sorted(row.org_code for row in rows)
    village = next(event for event in first if event["payload"]["org_code"] == VILLAGE)
    assert village["org_code"] == VILLAGE and village["source"] == "intake"
    assert village["payload"] == {"org_code": VILLAGE, "name": "石鱼村", "level": "village",
                                  "parent_code": TOWNSHIP, "removed": False}
    district = next(event for event in first if event["payload"]["org_code"] == DISTRICT)
    assert district["payload"]["level"] == "district" and district["payload"]["parent_code"] is None

    async with db.transaction(system_principal("tests")) as session:
        await load_org_units(session, rows=rows)
    assert len(await announced(db)) == len(rows)  # nothing changed, nothing announced

    renamed = tmp_path / "renamed.csv"
    renamed.write_text(f"code,name\n{VILLAGE},新石鱼村\n", encoding="utf-8")
    async with db.transaction(system_principal("tests")) as session:
        await load_org_units(session, rows=read_org_unit_file(renamed))
    latest = (await announced(db))[len(rows):]
    assert [event["payload"]["name"] for event in latest] == ["新石鱼村"]


async def test_a_load_that_fails_announces_nothing(system, tmp_path):
    db = system.runtimes["intake"].db
    with pytest.raises(RuntimeError):
        async with db.transaction(system_principal("tests")) as session:
            await load_org_units(session, rows=read_org_unit_file(DEMO_ORG_UNITS_FILE))
            raise RuntimeError("the load's transaction rolls back")
    assert await announced(db) == []


async def test_announcing_again_publishes_every_unit(intake):
    db = intake.runtimes["intake"].db
    before = len(await announced(db))
    async with db.transaction(system_principal("tests")) as session:
        count = await announce_all(session)
    assert count == before == len(read_org_unit_file(DEMO_ORG_UNITS_FILE))
    assert len(await announced(db)) == 2 * before


async def test_the_announce_job_publishes_the_tree_for_a_late_consumer(intake):
    db = intake.runtimes["intake"].db
    before = len(await announced(db))
    report = await intake.runtimes["intake"].jobs.run_untracked("org_units.announce", {}, as_of=date(2024, 9, 1))
    assert report == {"announced": before}
    assert len(await announced(db)) == 2 * before
