"""Phones keep a village offline: reads carry ETags and answer 304 while nothing changed."""

from __future__ import annotations

import pytest

from tests.conftest import TOWNSHIP
from tests.factories.intake import register_household

pytestmark = pytest.mark.asyncio


async def test_a_read_answers_304_to_its_etag_until_the_data_changes(intake):
    household = await register_household(intake)
    staff = intake.headers("town_staff", TOWNSHIP)
    url = f"/intake/households/{household['id']}"
    first = await intake.client.get(url, headers=staff)
    tag = first.headers["etag"]
    again = await intake.client.get(url, headers={**staff, "If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)

    changed = await intake.client.patch(url, json={"group_name": "三社"}, headers=staff)
    assert changed.status_code == 200, changed.text
    after = await intake.client.get(url, headers={**staff, "If-None-Match": tag})
    assert after.status_code == 200 and after.json()["group_name"] == "三社"
    assert after.headers["etag"] != tag
