"""Pooled connections the database has closed are replaced, not handed to a request."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.data.database import Database
from shared.errors import install_error_handlers

pytestmark = pytest.mark.asyncio


async def backend_pid(db: Database) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()


async def terminate(db: Database, pid: int) -> None:
    async with db.engine.connect() as connection:
        assert (await connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(migrated_databases):
    db = Database(migrated_databases["ledger"], pool_size=1)
    killer = Database(migrated_databases["ledger"], pool_size=1)
    try:
        pid = await backend_pid(db)  # the pool keeps this one connection
        await terminate(killer, pid)
        await asyncio.sleep(0.2)  # the driver marks it closed once the event loop reads the server's goodbye
        assert await backend_pid(db) != pid
    finally:
        await db.dispose()
        await killer.dispose()


async def test_a_connection_lost_under_a_request_is_a_503_to_retry():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/lost")
    async def lost() -> None:
        raise DBAPIError("SELECT 1", None, ConnectionResetError("connection reset"), connection_invalidated=True)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://test") as client:
        response = await client.get("/lost")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "retry" in response.json()["detail"]


class CannotConnectNow(Exception):
    sqlstate = "57P03"  # the database system is starting up or shutting down


async def test_a_database_refusing_or_restarting_is_a_503_to_retry():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    @app.get("/restarting")
    async def restarting() -> None:
        raise DBAPIError("SELECT 1", None, CannotConnectNow("the database system is shutting down"))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://test") as client:
        for path in ("/refused", "/restarting"):
            response = await client.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["retry-after"] == "1"


async def test_migrating_a_postgresql_database_creates_no_folder(tmp_path, monkeypatch):
    from shared.data.database import ensure_sqlite_folder

    monkeypatch.chdir(tmp_path)
    ensure_sqlite_folder("postgresql+asyncpg://postgres@127.0.0.1:5432/fangfan_intake")
    assert list(tmp_path.iterdir()) == []
    ensure_sqlite_folder("sqlite+aiosqlite:///data/intake.db")
    assert [p.name for p in tmp_path.iterdir()] == ["data"]



async def test_a_session_looks_up_its_transactions_connection_once_and_again_after_it_ends(migrated_databases,
                                                                                          monkeypatch):
    lookups = []
    looked_up = AsyncSession.connection

    async def counted(self, *args, **kwargs):
        lookups.append(kwargs)
        return await looked_up(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "connection", counted)
    db = Database(migrated_databases["ledger"], pool_size=2)
    try:
        async with db.session() as session:
            first = await session.connection()
            assert await session.connection() is first
            async with session.begin_nested():  # a savepoint runs on the same connection
                assert await session.connection() is first
            assert len(lookups) == 1
            await session.commit()
            after_commit = await session.connection()  # a new transaction: asked for again
            assert after_commit is not first and len(lookups) == 2
            assert (await after_commit.execute(sa.text("SELECT 1"))).scalar_one() == 1
            await session.rollback()
            # A call with arguments always goes to SQLAlchemy (here it begins the next transaction).
            await session.connection(execution_options={"isolation_level": "READ COMMITTED"})
            assert len(lookups) == 3
            assert await session.connection() is not after_commit and len(lookups) == 4
            await session.connection()
            assert len(lookups) == 4
    finally:
        await db.dispose()
