"""Fixtures of the intake tests: the system with the demo org units loaded, and settings from the environment."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

from services.intake.settings import reset_intake_settings
from shared.events.transports import InProcessTransport
from shared.runtime.app import create_root_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.security.auth import system_principal
from shared.security.crypto import field_cipher
from tests.factories.intake import load_demo_org_units


@pytest_asyncio.fixture
async def intake(system):
    """The in-process system with the org units of the demo township loaded (rolled back with the test)."""
    async with system.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await load_demo_org_units(session)
    return system


@pytest.fixture
def cipher(platform_settings):
    return field_cipher(platform_settings)


@pytest.fixture
def intake_env(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """Set FANGFAN_INTAKE_* variables for one test; the cached settings follow them."""
    reset_intake_settings()
    yield monkeypatch
    monkeypatch.undo()
    reset_intake_settings()



LIVE_TABLES = ("visits", "members", "households", "org_units", "audit_entries", "outbox_events", "inbox_records",
               "failed_events")


@pytest_asyncio.fixture
async def live_intake(migrated_databases, platform_settings):
    """The intake service alone on its own engine, committing for real (each request on its own connection).

    Used where the one-connection ``system`` would hide what matters: concurrency, and commit costs at
    scale. Every intake table is emptied afterwards, so the rolled-back tests never see these rows.
    """
    runtime = ServiceRuntime(load_service("intake"), platform_settings, InProcessTransport(deferred=True),
                             database_url=migrated_databases["intake"])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_root_app([runtime])),
                               base_url="http://fangfan.test")
    try:
        async with runtime.db.transaction(system_principal("tests")) as session:
            await load_demo_org_units(session)
        yield runtime, client
    finally:
        await client.aclose()
        async with runtime.db.engine.begin() as connection:
            for table in LIVE_TABLES:
                await connection.execute(sa.text(f"DELETE FROM {table}"))
        await runtime.db.dispose()
