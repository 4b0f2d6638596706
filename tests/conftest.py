"""Test fixtures: real PostgreSQL and Redis, schemas built by the migrations, one rollback per test.

Each service gets its own test database, migrated once per test run with Alembic (never
``create_all``, so a missing migration fails). Each test binds every session of a service to one
connection inside an outer transaction that is rolled back at the end; the system's own commits
become savepoints. Events move only when a test calls ``await system.settle()``, so each step is
deterministic.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio

from shared.data import pgadmin
from shared.data.migrations import upgrade
from shared.domain.enums import Role
from shared.events.transports import InProcessTransport
from shared.runtime.app import create_root_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import SERVICE_NAMES, PlatformSettings
from shared.security.auth import issue_token

# Across the whole run, no log line may hold a clear ID number or mobile number.
pytest_plugins = ["tests.sensitive_output"]

PG_URL = os.environ.get("FANGFAN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FANGFAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# The demo township 西河镇 of 铜梁区 and two of its villages.
DISTRICT = "500151000000"
TOWNSHIP = "500151108000"
VILLAGE = "500151108201"
OTHER_VILLAGE = "500151108202"


def database_url(name: str) -> str:
    return pgadmin.database_url(PG_URL, name)


def recreate_database(name: str) -> str:
    """Drop and create ``name`` on the test server; returns its async URL."""
    return pgadmin.recreate_database(PG_URL, name)


def drop_database(name: str) -> None:
    pgadmin.drop_database(PG_URL, name)


def run_suffix() -> str:
    """Databases are named per test run, so runs side by side on one server do not collide."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def migrated_databases() -> Iterator[dict[str, str]]:
    """One migrated PostgreSQL database per service for this test run, dropped at the end."""
    names = {name: f"fangfan_test_{name}_{run_suffix()}" for name in SERVICE_NAMES}
    urls = {}
    try:
        for name, database in names.items():
            urls[name] = recreate_database(database)
            upgrade(load_service(name).versions_dir, urls[name])
        yield urls
    finally:
        for database in names.values():
            drop_database(database)


@pytest.fixture
def platform_settings(tmp_path) -> PlatformSettings:
    return PlatformSettings(_env_file=None, data_dir=tmp_path, redis_url=None, event_retry_base_seconds=0.01,
                            event_max_tries=3)


def bearer(settings: PlatformSettings, role: Role | str, org_code: str, name: str = "测试用户",
           user_id: str | None = None) -> dict[str, str]:
    token = issue_token(settings, name=name, role=Role(role), org_code=org_code, user_id=user_id)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class System:
    """The four services wired in process against the test databases."""

    settings: PlatformSettings
    transport: InProcessTransport
    runtimes: dict[str, ServiceRuntime]
    client: httpx.AsyncClient
    _connections: list = field(default_factory=list)

    def headers(self, role: Role | str, org_code: str = VILLAGE, **kwargs) -> dict[str, str]:
        return bearer(self.settings, role, org_code, **kwargs)

    async def settle(self, rounds: int = 10) -> None:
        """Run queued jobs, publish every outbox and deliver until nothing moves (events may cause events)."""
        for _ in range(rounds):
            moved = 0
            for runtime in self.runtimes.values():
                moved += await runtime.jobs.run_pending()  # queued jobs run as a worker would run them
                moved += await runtime.relay.drain()
            await self.transport.join()
            if not moved:
                return


@pytest_asyncio.fixture
async def system(migrated_databases, platform_settings) -> AsyncIterator[System]:
    transport = InProcessTransport(deferred=True)
    runtimes: dict[str, ServiceRuntime] = {}
    connections = []
    for name in SERVICE_NAMES:
        runtime = ServiceRuntime(load_service(name), platform_settings, transport,
                                 database_url=migrated_databases[name])
        connection = await runtime.db.engine.connect()
        await connection.begin()
        runtime.db.sessions.configure(bind=connection, join_transaction_mode="create_savepoint")
        transport.register(runtime.consumer)
        runtimes[name] = runtime
        connections.append(connection)
    app = create_root_app(list(runtimes.values()))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fangfan.test")
    try:
        yield System(platform_settings, transport, runtimes, client, connections)
    finally:
        await client.aclose()
        await transport.join()
        for connection in connections:
            await connection.rollback()
            await connection.close()
        for runtime in runtimes.values():
            await runtime.db.dispose()
