"""Fixtures of the intake tests: the system with the demo org units loaded, and settings from the environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_asyncio

from services.intake.settings import reset_intake_settings
from shared.security.auth import system_principal
from shared.security.crypto import field_cipher
from tests.factories.intake import load_demo_org_units
from tests.live import live_service


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
    async with live_service("intake", migrated_databases["intake"], platform_settings, seed=load_demo_org_units,
                            emptied=LIVE_TABLES) as runtime_and_client:
        yield runtime_and_client
