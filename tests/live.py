"""One service alone on an engine of its own, committing for real: for tests of simultaneous requests.

The ``system`` fixture binds every session to one connection, which serialises everything; these tests
need requests that really run side by side, so what they commit is deleted afterwards instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import httpx
import sqlalchemy as sa

from shared.data.database import AppSession
from shared.events.transports import InProcessTransport
from shared.runtime.app import create_root_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.security.auth import system_principal


@asynccontextmanager
async def live_service(service: str, database_url: str, platform_settings, *,
                       seed: Callable[[AppSession], Awaitable[object]], emptied: Sequence[str]
                       ) -> AsyncIterator[tuple[ServiceRuntime, httpx.AsyncClient]]:
    """The service's runtime, its database seeded by ``seed`` in a committed transaction, and a client of its
    app; ``emptied`` are the tables the test writes, deleted from in that order at the end."""
    runtime = ServiceRuntime(load_service(service), platform_settings, InProcessTransport(deferred=True),
                             database_url=database_url)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_root_app([runtime])),
                               base_url="http://fangfan.test")
    try:
        async with runtime.db.transaction(system_principal("tests")) as session:
            await seed(session)
        yield runtime, client
    finally:
        await client.aclose()
        async with runtime.db.engine.begin() as connection:
            for table in emptied:
                await connection.execute(sa.text(f"DELETE FROM {table}"))
        await runtime.db.dispose()


async def scalar(runtime: ServiceRuntime, sql: str) -> int:
    async with runtime.db.engine.connect() as connection:
        return (await connection.execute(sa.text(sql))).scalar_one()
