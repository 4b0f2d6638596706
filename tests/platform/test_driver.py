"""Statements run by the driver (``shared.data.driver``) behave as SQLAlchemy's ``execute`` would.

Same rows (through the columns' types both ways), in the session's transaction (its lock held, its
rollback undoing them), SQLAlchemy's exceptions, a lost connection invalidated; and on SQLite, the
ordinary path.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_cursor
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.data import driver
from shared.data.column_types import AwareDateTime, CodeList, JSONDoc, Money
from shared.data.database import Database
from tests.conftest import drop_database, recreate_database, run_suffix

pytestmark = pytest.mark.asyncio

METADATA = sa.MetaData()
THINGS = sa.Table(
    "driver_things", METADATA,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("org_code", sa.String(12), nullable=False),
    sa.Column("kinds", CodeList, nullable=False),
    sa.Column("doc", JSONDoc),
    sa.Column("amount", Money),
    sa.Column("at", AwareDateTime),
    sa.Column("share", sa.Float),
    sa.Column("flag", sa.Boolean),
)
INSERT = sa.insert(THINGS).values({column.key: sa.bindparam(f"v_{column.key}", type_=column.type)
                                   for column in THINGS.c})
# A named parameter, literal ones (a limit, a comparison, an aggregate's separator) and every type above.
SELECT = (sa.select(*THINGS.c, sa.select(sa.func.aggregate_strings(THINGS.c.org_code, ",")).scalar_subquery()
                    .label("codes"))
          .where(THINGS.c.org_code == sa.bindparam("org_code"), THINGS.c.flag.is_not(False))
          .order_by(THINGS.c.id != uuid.UUID(int=0), THINGS.c.id).limit(5))
LOCK = sa.select(THINGS.c.id).where(THINGS.c.id == sa.bindparam("id")).with_for_update()


def thing(n: int, **changes) -> dict:
    values = {"id": uuid.UUID(int=n + 1), "org_code": "500151108201", "kinds": ["general", "low_income"],
              "doc": {"名": "张德明", "n": [1, 2.5, None]}, "amount": Decimal("12345.60"),
              "at": datetime(2024, 8, 25, 8, n, tzinfo=UTC), "share": 0.25 * n, "flag": (True, None, False)[n % 3]}
    return {f"v_{key}": value for key, value in (values | changes).items()}


@pytest.fixture
def url():
    name = f"fangfan_test_driver_{run_suffix()}"
    yield recreate_database(name)
    drop_database(name)


@pytest_asyncio.fixture
async def db(url):
    database = Database(url, pool_size=2)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def driver_calls(monkeypatch) -> list[str]:
    """The statements the adapter's cursor ran (every statement, SQLAlchemy's too)."""
    calls: list[str] = []
    run = AsyncAdapt_asyncpg_cursor._prepare_and_execute

    async def counted(cursor, operation, parameters):
        calls.append(operation)
        return await run(cursor, operation, parameters)

    monkeypatch.setattr(AsyncAdapt_asyncpg_cursor, "_prepare_and_execute", counted)
    return calls


async def test_its_rows_are_sqlalchemys_through_every_columns_type(db, driver_calls):
    assert driver.DRIVER_PATH  # the adapter still has the coroutine this relies on
    async with db.transaction() as session:
        for n in range(3):
            await driver.execute(session, INSERT, thing(n))
        await driver.execute(session, INSERT, thing(7, org_code="500151108202"))
    async with db.session() as session:
        before = len(driver_calls)
        rows = await driver.fetch_rows(session, SELECT, {"org_code": "500151108201"})
        assert driver_calls[before:] == [driver._prepared(SELECT, session.bind.dialect).text]  # by the driver
        expected = (await (await session.connection()).execute(SELECT, {"org_code": "500151108201"})).all()
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert [row._asdict() for row in rows] == [row._asdict() for row in expected]
    first = rows[0]
    assert first.kinds == ["general", "low_income"] and first.amount == Decimal("12345.60")
    assert first.doc == {"名": "张德明", "n": [1, 2.5, None]} and first.at == datetime(2024, 8, 25, 8, 0, tzinfo=UTC)
    assert sorted(first.codes.split(",")) == ["500151108201"] * 3 + ["500151108202"]
    assert [row.id.int for row in rows] == [1, 2]  # the one flagged False (n=2) is left out
    assert rows[0][:2] == (uuid.UUID(int=1), "500151108201")


async def test_it_runs_in_the_sessions_transaction(db):
    async with db.transaction() as session:
        await driver.execute(session, INSERT, thing(0))
    async with db.session() as session:
        await driver.execute(session, INSERT, thing(1))
        await session.rollback()  # undoes the insert the driver ran
        assert await driver.fetch_rows(session, LOCK, {"id": uuid.UUID(int=2)}) == []
        [locked] = await driver.fetch_rows(session, LOCK, {"id": uuid.UUID(int=1)})
        assert locked.id == uuid.UUID(int=1)
        async with db.engine.connect() as other:  # the lock is held until the session's transaction ends
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await other.execute(LOCK.with_for_update(nowait=True), {"id": uuid.UUID(int=1)})
        await session.commit()
        async with db.engine.connect() as other:
            assert (await other.execute(LOCK.with_for_update(nowait=True), {"id": uuid.UUID(int=1)})).all()


async def test_a_broken_constraint_is_sqlalchemys_integrity_error_and_the_session_goes_on(db):
    async with db.session() as session:
        await driver.execute(session, INSERT, thing(0))
        with pytest.raises(IntegrityError) as raised:
            await driver.execute(session, INSERT, thing(0, org_code="500151108202"))
        assert "driver_things_pkey" in str(raised.value.orig)
        assert not raised.value.connection_invalidated
        await session.rollback()
        await driver.execute(session, INSERT, thing(0))
        await session.commit()
    async with db.session() as session:
        assert len(await driver.fetch_rows(session, SELECT, {"org_code": "500151108201"})) == 1


async def test_a_missing_parameter_is_named_before_anything_is_sent(db):
    async with db.session() as session:
        with pytest.raises(sa.exc.ArgumentError, match="'org_code'"):
            await driver.fetch_rows(session, SELECT, {})


async def test_a_lost_connection_is_invalidated_and_the_error_says_so(db):
    async with db.session() as session:
        connection = await session.connection()
        pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        async with db.engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)
        with pytest.raises(DBAPIError) as raised:
            await driver.fetch_rows(session, LOCK, {"id": uuid.UUID(int=1)})
        assert raised.value.connection_invalidated
        assert connection.invalidated
        await session.rollback()
    async with db.session() as session:  # the pool opens a new connection
        assert await driver.fetch_rows(session, LOCK, {"id": uuid.UUID(int=1)}) == []


async def test_a_statement_cancelled_half_way_leaves_its_connection_unused_again(db):
    sleep = sa.select(sa.func.pg_sleep(sa.bindparam("seconds", type_=sa.Float)).label("slept"))
    async with db.session() as session:
        connection = await session.connection()
        running = asyncio.create_task(driver.fetch_rows(session, sleep, {"seconds": 5}))
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert connection.invalidated  # its protocol state is unknown
        await session.rollback()
    async with db.session() as session:
        assert (await driver.fetch_rows(session, sleep, {"seconds": 0}))[0]._fields == ("slept",)


async def test_a_statement_that_expands_a_list_is_refused(db):
    expanding = sa.select(THINGS.c.id).where(THINGS.c.org_code.in_(sa.bindparam("codes", expanding=True)))
    async with db.session() as session:
        with pytest.raises(ValueError, match="expands a list"):
            await driver.fetch_rows(session, expanding, {"codes": ["500151108201"]})


async def test_on_sqlite_it_is_sqlalchemys_execute(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        async with database.transaction() as session:
            await driver.execute(session, INSERT, thing(0))
        async with database.session() as session:
            [row] = await driver.fetch_rows(session, LOCK, {"id": uuid.UUID(int=1)})
        assert isinstance(row, sa.Row) and row.id == uuid.UUID(int=1)
    finally:
        await database.dispose()
