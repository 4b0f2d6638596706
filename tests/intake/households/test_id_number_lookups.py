"""ID numbers as an oracle: a caller learns that a number is registered, where only inside its scope,
and every lookup is limited per user and audited without the number."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.intake import (
    household_payload,
    member_payload,
    next_id_number,
    register_household,
    set_intake_env,
)
from tests.intake.imports.test_import_api import csv_bytes, row

pytestmark = pytest.mark.asyncio


async def held_elsewhere(intake) -> str:
    """An ID number of a live member of a household in OTHER_VILLAGE (outside a VILLAGE cadre's scope)."""
    payload = household_payload(OTHER_VILLAGE)
    await register_household(intake, OTHER_VILLAGE, members=payload["members"])
    return payload["members"][1]["id_number"]


def says_only_registered(response, number: str) -> None:
    assert response.status_code == 409, response.text
    assert set(response.json()) >= {"error", "detail"}
    assert "already registered" in response.json()["detail"]
    for hidden in ("永胜村", OTHER_VILLAGE, number):
        assert hidden not in response.text


async def lookup_entries(intake) -> list[dict]:
    response = await intake.client.get("/intake/audit", params={"entity": "id_numbers"},
                                       headers=intake.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_conflict_outside_the_callers_scope_says_only_that_the_number_is_registered(intake):
    number = await held_elsewhere(intake)
    cadre = intake.headers("village_cadre", VILLAGE)
    payload = household_payload()
    payload["members"][1]["id_number"] = number
    says_only_registered(await intake.client.post("/intake/households", json=payload, headers=cadre), number)

    household = await register_household(intake)
    added = await intake.client.post(f"/intake/households/{household['id']}/members",
                                     json=member_payload(relation="son", id_number=number), headers=cadre)
    says_only_registered(added, number)
    patched = await intake.client.patch(f"/intake/members/{household['members'][1]['id']}",
                                        json={"id_number": number}, headers=cadre)
    says_only_registered(patched, number)


async def test_the_import_rejects_a_number_held_outside_its_scope_without_saying_where(intake):
    number = await held_elsewhere(intake)
    content = csv_bytes([row("H001"), row("H001", "李桂兰", "配偶", id_number=number)])
    response = await intake.client.post("/intake/households/import", params={"dry_run": True},
                                        files={"file": ("register.csv", content)},
                                        headers=intake.headers("village_cadre", VILLAGE))
    assert response.status_code == 200, response.text
    rejected = [r for r in response.json()["rows"] if r["action"] == "rejected"]
    assert [r["row"] for r in rejected] == [3]
    assert "already registered" in rejected[0]["errors"][0]["message"]
    assert "永胜村" not in response.text and OTHER_VILLAGE not in response.text


async def test_inside_the_callers_scope_the_conflict_names_the_village(intake):
    number = await held_elsewhere(intake)
    payload = household_payload()
    payload["members"][1]["id_number"] = number
    response = await intake.client.post("/intake/households", json=payload,
                                        headers=intake.headers("town_staff", TOWNSHIP))
    assert response.status_code == 409
    assert "永胜村" in response.json()["detail"] and OTHER_VILLAGE in response.json()["detail"]


async def test_every_lookup_is_audited_with_its_count_and_never_the_number(intake):
    number = await held_elsewhere(intake)
    payload = household_payload()
    payload["members"][1]["id_number"] = number
    refused = await intake.client.post("/intake/households", json=payload,
                                       headers=intake.headers("village_cadre", VILLAGE, user_id="prober"))
    assert refused.status_code == 409
    dry_run = csv_bytes([row("H001"), row("H001", "李桂兰", "配偶"), row("H002", id_number=number)])
    checked = await intake.client.post("/intake/households/import", params={"dry_run": True},
                                       files={"file": ("register.csv", dry_run)},
                                       headers=intake.headers("village_cadre", VILLAGE, user_id="prober"))
    assert checked.status_code == 200
    listed = await intake.client.get("/intake/households", params={"id_number": number},
                                     headers=intake.headers("village_cadre", VILLAGE, user_id="prober"))
    assert listed.json()["items"] == []

    entries = [e for e in await lookup_entries(intake) if e["actor_id"] == "prober"]
    assert sorted((e["action"], e["entity_id"], e["changes"]["id_numbers"], e["org_code"]) for e in entries) == [
        ("id_number_check", "households.create", 2, VILLAGE),
        ("id_number_check", "households.import", 3, VILLAGE),
        ("id_number_check", "households.list", 1, VILLAGE),
    ]
    assert next(e for e in entries if e["entity_id"] == "households.import")["changes"]["dry_run"] is True
    trail = json.dumps(entries, ensure_ascii=False)
    assert number not in trail and number[6:14] not in trail


async def test_lookups_beyond_the_allowance_are_refused_with_429_until_it_refills(intake, intake_env):
    set_intake_env(intake_env, id_number_lookups_per_minute="3")
    prober = intake.headers("village_cadre", VILLAGE, user_id="prober")
    statuses = []
    for _ in range(4):
        response = await intake.client.get("/intake/households", params={"id_number": next_id_number()},
                                           headers=prober)
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]
    assert response.json()["error"] == "TooManyRequests" and "detail" in response.json()
    assert 1 <= int(response.headers["Retry-After"]) <= 20
    # Another user has an allowance of their own; the refused lookup left no audit entry.
    other = await intake.client.get("/intake/households", params={"id_number": next_id_number()},
                                    headers=intake.headers("village_cadre", VILLAGE, user_id="colleague"))
    assert other.status_code == 200
    assert len([e for e in await lookup_entries(intake) if e["actor_id"] == "prober"]) == 3


async def test_dry_run_imports_share_a_daily_allowance_of_numbers(intake, intake_env):
    set_intake_env(intake_env, import_id_number_lookups_per_day="300")
    prober = intake.headers("village_cadre", VILLAGE, user_id="prober")
    content = csv_bytes([row(f"H{n:03d}") for n in range(200)])
    first = await intake.client.post("/intake/households/import", params={"dry_run": True},
                                     files={"file": ("register.csv", content)}, headers=prober)
    assert first.status_code == 200 and first.json()["summary"]["rows"] == 200
    second = await intake.client.post("/intake/households/import", params={"dry_run": True},
                                      files={"file": ("register.csv", content)}, headers=prober)
    assert second.status_code == 429, second.text
    assert second.json()["error"] == "TooManyRequests"
    assert int(second.headers["Retry-After"]) > 3600
    [entry] = [e for e in await lookup_entries(intake) if e["actor_id"] == "prober"]
    assert entry["changes"]["id_numbers"] == 200
