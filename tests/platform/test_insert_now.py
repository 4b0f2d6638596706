"""``insert_now`` and ``insert_and_publish``: a new row, its audit entry and its events at once.

They replace a flush on the hottest write (a visit), so they must keep what a flush guarantees: the
write guard, the same audit entry, all or nothing on a broken constraint. On PostgreSQL it is one
statement compiled once; on SQLite, one insert after another.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_cursor
from sqlalchemy.exc import IntegrityError

from services.ledger.org_units.models import LedgerOrgUnit
from shared.data import driver
from shared.data.database import Database
from shared.data.migrations import upgrade
from shared.data.platform_tables import AuditEntry, OutboxEvent
from shared.domain.enums import Role
from shared.errors import Forbidden
from shared.events.contracts.platform import BusProbe
from shared.events.outbox import insert_and_publish
from shared.runtime.definition import load_service
from shared.security.auth import Principal
from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio

AS_OF = datetime(2024, 8, 25, tzinfo=UTC)
STAFF = Principal(user_id="u-1", name="镇干部", role=Role.TOWN_STAFF, org_code=TOWNSHIP)
CADRE = Principal(user_id="u-2", name="村干部", role=Role.VILLAGE_CADRE, org_code=OTHER_VILLAGE)


def unit(code: str = VILLAGE, name: str = "新华村") -> dict:
    return {"org_code": code, "name": name, "level": "village", "parent_code": TOWNSHIP, "removed": False,
            "as_of": AS_OF, "updated_at": AS_OF}


async def counts(db: Database, code: str) -> tuple[int, int, int]:
    async with db.session() as session:
        units = await session.scalar(select(func.count()).select_from(LedgerOrgUnit)
                                     .where(LedgerOrgUnit.org_code == code).execution_options(skip_scope=True))
        audits = await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id == code))
        events = await session.scalar(select(func.count()).select_from(OutboxEvent))
    return units, audits, events


async def written_alike(db: Database) -> None:
    """The row, an audit entry like a flush's and the event; a second insert of the same key adds nothing."""
    async with db.transaction(STAFF) as session:
        await insert_and_publish(session, LedgerOrgUnit, unit(), [(BusProbe(origin="ledger"), VILLAGE)], source="ledger")
    async with db.transaction(STAFF) as session:  # the same object through a flush, for comparison
        session.add(LedgerOrgUnit(**unit(OTHER_VILLAGE, "胜利村")))
    assert await counts(db, VILLAGE) == (1, 1, 1)
    async with db.session() as session:
        entries = {entry.entity_id: entry for entry in await session.scalars(select(AuditEntry))}
    now, flushed = entries[VILLAGE], entries[OTHER_VILLAGE]
    assert (now.action, now.entity, now.actor_id, now.org_code) == ("create", "ledger_org_units", "u-1", VILLAGE)
    assert set(now.changes) == set(flushed.changes)
    assert now.changes["name"] == [None, "新华村"]

    with pytest.raises(IntegrityError):
        async with db.transaction(STAFF) as session:
            await insert_and_publish(session, LedgerOrgUnit, unit(name="重复"), [(BusProbe(origin="ledger"), VILLAGE)],
                                     source="ledger")
    assert await counts(db, VILLAGE) == (1, 1, 1)

    with pytest.raises(Forbidden):
        async with db.transaction(CADRE) as session:
            await insert_and_publish(session, LedgerOrgUnit, unit("500151108203", "外村"), [(BusProbe(origin="ledger"), VILLAGE)],
                                     source="ledger")
    assert await counts(db, "500151108203") == (0, 0, 1)

    incomplete = unit("500151108205", "缺列村")
    del incomplete["removed"]  # a model default is not applied: the row must name it
    with pytest.raises(ValueError, match="ledger_org_units without removed"):
        async with db.transaction(STAFF) as session:
            await insert_and_publish(session, LedgerOrgUnit, incomplete, [], source="ledger")


async def test_on_postgresql_it_is_one_statement_compiled_once(system, monkeypatch):
    db = system.runtimes["ledger"].db
    statements: list[str] = []
    compiled: list[str] = []
    run, compile_ = AsyncAdapt_asyncpg_cursor._prepare_and_execute, driver._compile

    async def seen(cursor, operation, parameters):
        if "INSERT INTO ledger_org_units" in operation:
            statements.append(operation)
        return await run(cursor, operation, parameters)

    def compiling(statement, dialect):
        prepared = compile_(statement, dialect)
        if "INSERT INTO ledger_org_units" in prepared.text:
            compiled.append(prepared.text)
        return prepared

    monkeypatch.setattr(AsyncAdapt_asyncpg_cursor, "_prepare_and_execute", seen)
    monkeypatch.setattr(driver, "_compile", compiling)
    driver._PREPARED.clear()
    await written_alike(db)
    async with db.transaction(STAFF) as session:
        await insert_and_publish(session, LedgerOrgUnit, unit("500151108204", "河东村"), [(BusProbe(origin="ledger"), VILLAGE)],
                                 source="ledger")
    together = [text for text in statements if "INSERT INTO audit_entries" in text]
    assert len(together) == 3  # written, refused as a duplicate, and the last; the flushed one is on its own
    assert all("INSERT INTO outbox" in text for text in together)
    assert compiled == together[:1]  # compiled for the first, reused by the others


async def test_on_sqlite_the_inserts_run_in_turn_with_the_same_outcome(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    await asyncio.to_thread(upgrade, load_service("ledger").versions_dir, url)  # it runs its own loop
    db = Database(url)
    try:
        await written_alike(db)
    finally:
        await db.dispose()
