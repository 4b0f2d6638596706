"""Fixtures of the ledger tests: the system with the demo org units and the packaged campaigns loaded."""

from __future__ import annotations

import pytest_asyncio

from services.ledger.campaigns.service import seed_packaged
from shared.security.auth import system_principal
from tests.factories.intake import load_demo_org_units


@pytest_asyncio.fixture
async def ledger(system):
    """The in-process system as ``fangfan run`` starts it: org units in intake, campaigns in the ledger."""
    async with system.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await load_demo_org_units(session)
    async with system.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
        await seed_packaged(session)
    return system
