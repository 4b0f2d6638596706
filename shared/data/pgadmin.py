"""Creating and dropping whole PostgreSQL databases (test runs and benchmarks make their own)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.runtime.settings import normalise_database_url


async def run_admin(server_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE cannot run inside one)."""
    engine = create_async_engine(normalise_database_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return make_url(normalise_database_url(server_url)).set(database=name).render_as_string(hide_password=False)


def recreate_database(server_url: str, name: str) -> str:
    """Drop ``name`` if it exists and create it empty; returns its URL. Synchronous: call it off the loop."""
    asyncio.run(run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    asyncio.run(run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
