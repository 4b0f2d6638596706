"""The embedded mode syncs too: on SQLite the token is a counter of serialised writes."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from services.intake.households import service
from services.intake.households.repository import HouseholdFilter
from services.intake.households.schemas import HouseholdUpdate
from shared.data.database import Database
from shared.data.migrations import upgrade
from shared.errors import InvalidInput
from shared.runtime.definition import load_service
from shared.runtime.settings import PlatformSettings
from shared.security.auth import system_principal
from shared.security.crypto import field_cipher
from tests.factories.intake import VILLAGE, create_household, load_demo_org_units

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def sqlite_db(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    await asyncio.to_thread(upgrade, load_service("intake").versions_dir, url)
    db = Database(url)
    try:
        async with db.transaction(system_principal("tests")) as session:
            await load_demo_org_units(session)
        yield db
    finally:
        await db.dispose()


async def sync(db, cipher, token=None):
    """Every page of one pass: ({household id: household}, tombstones, last token)."""
    households, removed = {}, []
    while True:
        async with db.transaction(system_principal("tests")) as session:
            page = await service.list_households(session, criteria=HouseholdFilter(village=VILLAGE), limit=2,
                                                 offset=0, cipher=cipher, since=token)
        households |= {h.id: h for h in page.items}
        removed += page.removed_members
        token = page.next_sync_token
        if not page.has_more:
            return households, removed, token


async def test_a_sync_on_sqlite_gets_everything_then_exactly_what_changed(sqlite_db):
    settings = PlatformSettings(_env_file=None)
    cipher = field_cipher(settings)
    async with sqlite_db.transaction(system_principal("tests")) as session:
        registered = [await create_household(session, settings) for _ in range(3)]
    everything, removed, token = await sync(sqlite_db, cipher)
    assert set(everything) == {h.id for h in registered} and removed == []

    changed, other = registered[0], registered[2]
    async with sqlite_db.transaction(system_principal("tests")) as session:
        await service.update_household(session, household_id=changed.id, data=HouseholdUpdate(group_name="三社"))
        await service.remove_member(session, member_id=other.members[1].id, reason="迁出")
    delta, removed, token = await sync(sqlite_db, cipher, token)
    assert set(delta) == {changed.id, other.id} and delta[changed.id].group_name == "三社"
    assert [(m.id, m.removal_reason) for m in removed] == [(other.members[1].id, "迁出")]
    assert await sync(sqlite_db, cipher, token) == ({}, [], token)

    async with sqlite_db.transaction(system_principal("tests")) as session:
        with pytest.raises(InvalidInput) as refused:
            await service.list_households(session, criteria=HouseholdFilter(village=VILLAGE), limit=2, offset=0,
                                          cipher=cipher, since=token[:-2])
    assert refused.value.field == "query.since"


async def test_the_member_list_syncs_on_sqlite(sqlite_db):
    settings = PlatformSettings(_env_file=None)
    cipher = field_cipher(settings)
    async with sqlite_db.transaction(system_principal("tests")) as session:
        registered = [await create_household(session, settings) for _ in range(2)]

    async def member_pass(token=None):
        live, removed = {}, []
        while True:
            async with sqlite_db.transaction(system_principal("tests")) as session:
                page = await service.list_members(session, village=VILLAGE, org=None, limit=3, offset=0,
                                                  cipher=cipher, since=token)
            live |= {m.id: m for m in page.items}
            removed += [m.id for m in page.removed_members]
            token = page.next_sync_token
            if not page.has_more:
                return live, removed, token

    live, removed, token = await member_pass()
    assert set(live) == {m.id for h in registered for m in h.members} and removed == []
    leaving = registered[1].members[1]
    async with sqlite_db.transaction(system_principal("tests")) as session:
        await service.remove_member(session, member_id=leaving.id, reason="迁出")
    live, removed, _ = await member_pass(token)
    assert (live, removed) == ({}, [leaving.id])
