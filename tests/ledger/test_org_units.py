"""The ledger's own org units: fed by ``org_unit.changed`` only, newest announcement kept, names read in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from services.intake.org_units.service import load_org_units, read_org_unit_file
from services.ledger.org_units.models import LedgerOrgUnit
from services.ledger.org_units.service import apply_org_unit_changed, org_names
from shared.domain.enums import Role
from shared.events.contracts.intake import OrgUnitChanged
from shared.events.envelope import Envelope
from shared.security.auth import Principal, system_principal
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio


def changed(name: str, *, occurred_at, code: str = VILLAGE, removed: bool = False) -> Envelope:
    payload = OrgUnitChanged(org_code=code, name=name, level="village", parent_code=TOWNSHIP, removed=removed)
    return Envelope(type="org_unit.changed", version=1, org_code=code, source="intake", occurred_at=occurred_at,
                    payload=payload.model_dump(mode="json"))


async def test_the_ledger_learns_every_unit_intake_loads(ledger):
    await ledger.settle()
    async with ledger.runtimes["ledger"].db.session() as session:
        units = {unit.org_code: unit for unit in (await session.scalars(select(LedgerOrgUnit))).all()}
        names = await org_names(session, [VILLAGE])
    assert units[DISTRICT].name == "铜梁区" and units[DISTRICT].level == "district"
    assert units[VILLAGE].parent_code == TOWNSHIP and units[OTHER_VILLAGE].name == "永胜村"
    assert (names.district(VILLAGE), names.township(VILLAGE), names.village(VILLAGE)) == ("铜梁区", "西河镇", "石鱼村")
    assert names.village(TOWNSHIP) == "——"
    assert names.village("500151108299") == "500151108299"  # unknown: the code itself


async def test_a_rename_in_intake_reaches_the_ledger_and_a_late_older_event_does_not_undo_it(ledger, tmp_path):
    await ledger.settle()
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(f"code,name\n{VILLAGE},新石鱼村\n", encoding="utf-8")
    async with ledger.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        assert await load_org_units(session, rows=read_org_unit_file(renamed)) == 1
    await ledger.settle()
    db = ledger.runtimes["ledger"].db
    async with db.session() as session:
        unit = await session.get(LedgerOrgUnit, VILLAGE)
        assert unit.name == "新石鱼村"
        as_of = unit.as_of
    async with db.transaction(system_principal("tests")) as session:
        await apply_org_unit_changed(session, changed("石鱼村", occurred_at=as_of - timedelta(hours=1)))
    async with db.transaction(system_principal("tests")) as session:
        await apply_org_unit_changed(session, changed("石鱼村", occurred_at=as_of + timedelta(hours=1), removed=True))
    async with db.session() as session:
        unit = await session.get(LedgerOrgUnit, VILLAGE)
        assert (unit.name, unit.removed) == ("石鱼村", True)  # the newer one applies; a removed unit keeps its name


async def test_names_for_a_scope_are_read_in_one_query(ledger):
    await ledger.settle()
    db = ledger.runtimes["ledger"].db
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    async with db.session(Principal(user_id="u-cadre", name="王村", role=Role.VILLAGE_CADRE, org_code=VILLAGE)) as session:
        await session.connection()
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            names = await org_names(session, [TOWNSHIP])
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    # Outside the cadre's own village, the names are reference data all the same.
    assert names.village(OTHER_VILLAGE) == "永胜村" and names.district(OTHER_VILLAGE) == "铜梁区"
