"""A phone downloads its village once, then only what changed: sync tokens on the household list.

These run on ``live_intake`` (real commits, a connection per request): what a token may skip depends
on transactions committing, so a test inside one rolled-back transaction could not show it.
"""

from __future__ import annotations

import asyncio
import csv
from datetime import date

import pytest
import sqlalchemy as sa

from services.intake.households.schemas import HouseholdUpdate
from services.intake.households.service import update_household
from services.intake.imports.report import ReportWriter
from services.intake.imports.service import import_households
from shared.domain.enums import Role
from shared.security.auth import Principal, issue_token, system_principal
from shared.security.crypto import field_cipher
from tests.factories.intake import (
    create_household,
    form_member,
    next_id_number,
    visit_form_for,
)

pytestmark = pytest.mark.asyncio

VILLAGE = "500151108203"
OTHER_VILLAGE = "500151108204"
TOWNSHIP = "500151108000"


def headers(runtime, role: Role = Role.TOWN_STAFF, org_code: str = TOWNSHIP) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(runtime.platform, name='同步测试', role=role, org_code=org_code)}"}


async def register(runtime, count: int, org_code: str = VILLAGE) -> list:
    async with runtime.db.transaction(system_principal("tests")) as session:
        return [await create_household(session, runtime.platform, org_code=org_code) for _ in range(count)]


async def sync(client, auth, token: str | None = None, **params) -> dict:
    """Every page of one sync pass, following next_sync_token: (households, tombstones, last token)."""
    households, removed, pages = {}, [], 0
    while True:
        query = {"village": VILLAGE, "limit": 2} | params | ({"since": token} if token else {})
        query = {name: value for name, value in query.items() if value is not None}
        response = await client.get("/intake/households", params=query, headers=auth)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        for item in page["items"]:
            assert item["id"] not in households, "a pass hands out each household once"
            households[item["id"]] = item
        removed += page["removed_members"]
        token = page["next_sync_token"]
        if not page["has_more"]:
            return {"households": households, "removed": removed, "token": token, "pages": pages}


async def test_an_empty_phone_gets_everything_then_exactly_the_household_changed_and_the_member_removed(
        live_intake):
    runtime, client = live_intake
    registered = await register(runtime, 5)
    auth = headers(runtime)
    first = await sync(client, auth)
    assert set(first["households"]) == {str(h.id) for h in registered}
    assert first["removed"] == [] and first["pages"] == 3

    changed, other = registered[1], registered[3]
    response = await client.patch(f"/intake/households/{changed.id}", json={"group_name": "三社"}, headers=auth)
    assert response.status_code == 200, response.text
    leaving = other.members[1]
    response = await client.post(f"/intake/members/{leaving.id}/removal", json={"reason": "2026年2月婚嫁迁出"},
                                 headers=auth)
    assert response.status_code == 204, response.text

    delta = await sync(client, auth, first["token"])
    assert set(delta["households"]) == {str(changed.id), str(other.id)}
    assert delta["households"][str(changed.id)]["group_name"] == "三社"
    assert [m["id"] for m in delta["households"][str(other.id)]["members"]] == [str(other.members[0].id)]
    [tombstone] = delta["removed"]
    assert (tombstone["id"], tombstone["household_id"], tombstone["removed"], tombstone["removal_reason"]) == (
        str(leaving.id), str(other.id), True, "2026年2月婚嫁迁出")
    assert tombstone["removed_at"]

    quiet = await sync(client, auth, delta["token"])
    assert (quiet["households"], quiet["removed"]) == ({}, [])
    # Nothing changed: the same answer, so its ETag holds and the phone gets a 304.
    params = {"village": VILLAGE, "limit": 2, "since": quiet["token"]}
    answer = await client.get("/intake/households", params=params, headers=auth)
    again = await client.get("/intake/households", params=params, headers={**auth, "If-None-Match": answer.headers["etag"]})
    assert (answer.json()["next_sync_token"], again.status_code) == (quiet["token"], 304)


async def test_a_visit_that_removes_a_member_puts_the_household_in_the_delta(live_intake):
    runtime, client = live_intake
    [household, untouched] = await register(runtime, 2)
    auth = headers(runtime)
    before = await sync(client, auth)
    head, spouse = household.members
    form = visit_form_for(household, members=[form_member(head)],
                          removed_members=[{"member_id": str(spouse.id), "reason": "2026年3月病故"}])
    response = await client.post("/intake/visits", json=form, headers=headers(runtime, Role.VILLAGE_CADRE, VILLAGE))
    assert response.status_code == 201, response.text
    delta = await sync(client, auth, before["token"])
    assert set(delta["households"]) == {str(household.id)}
    assert [(m["id"], m["removal_reason"]) for m in delta["removed"]] == [(str(spouse.id), "2026年3月病故")]


async def test_changes_during_a_paged_pass_are_never_skipped(live_intake):
    runtime, client = live_intake
    registered = sorted(await register(runtime, 5), key=lambda h: h.household_number)
    auth = headers(runtime)
    page = (await client.get("/intake/households", params={"village": VILLAGE, "limit": 2}, headers=auth)).json()
    assert [h["id"] for h in page["items"]] == [str(h.id) for h in registered[:2]] and page["has_more"]
    # Mid-pass: one household already handed out changes, one still to come changes too.
    for household, group in ((registered[0], "一社"), (registered[4], "五社")):
        response = await client.patch(f"/intake/households/{household.id}", json={"group_name": group}, headers=auth)
        assert response.status_code == 200
    rest = await sync(client, auth, page["next_sync_token"])
    assert [h for h in rest["households"]] == [str(h.id) for h in registered[2:]]
    assert rest["households"][str(registered[4].id)]["group_name"] == "五社"
    delta = await sync(client, auth, rest["token"])
    assert str(registered[0].id) in delta["households"]
    assert delta["households"][str(registered[0].id)]["group_name"] == "一社"


async def test_a_change_committed_after_a_later_one_is_not_skipped(live_intake):
    """Transactions commit out of order: the one that began first commits after a sync saw the second."""
    runtime, client = live_intake
    slow_one, quick_one = await register(runtime, 2)
    auth = headers(runtime)
    start = await sync(client, auth)
    async with runtime.db.transaction(system_principal("tests")) as slow:
        await update_household(slow, household_id=slow_one.id, data=HouseholdUpdate(group_name="慢社"))
        await slow.flush()  # written, holding its transaction id, not committed
        response = await client.patch(f"/intake/households/{quick_one.id}", json={"group_name": "快社"}, headers=auth)
        assert response.status_code == 200
        seen = await sync(client, auth, start["token"])
        assert set(seen["households"]) == {str(quick_one.id)}
    after = await sync(client, auth, seen["token"])
    assert str(slow_one.id) in after["households"]
    assert after["households"][str(slow_one.id)]["group_name"] == "慢社"


async def test_simultaneous_writes_and_syncs_lose_no_change(live_intake):
    runtime, client = live_intake
    registered = await register(runtime, 6)
    auth = headers(runtime)
    token = (await sync(client, auth))["token"]
    groups = {str(h.id): "1社" for h in registered}  # the phone's copy of each household's 社
    for round_ in range(3):
        writes = [client.patch(f"/intake/households/{h.id}", json={"group_name": f"{round_}-{i}社"}, headers=auth)
                  for i, h in enumerate(registered)]
        results = await asyncio.gather(*writes, sync(client, auth, token))
        assert all(r.status_code == 200 for r in results[:-1])
        token = results[-1]["token"]
        groups |= {k: v["group_name"] for k, v in results[-1]["households"].items()}
    final = await sync(client, auth, token)
    groups |= {k: v["group_name"] for k, v in final["households"].items()}
    assert groups == {str(h.id): f"2-{i}社" for i, h in enumerate(registered)}


async def test_a_village_token_sees_only_its_village(live_intake):
    runtime, client = live_intake
    [mine] = await register(runtime, 1)
    [theirs] = await register(runtime, 1, org_code=OTHER_VILLAGE)
    cadre = headers(runtime, Role.VILLAGE_CADRE, VILLAGE)
    whole = await sync(client, cadre, org=TOWNSHIP[:9], village=None)
    assert set(whole["households"]) == {str(mine.id)}
    town = headers(runtime)
    for household in (mine, theirs):
        response = await client.patch(f"/intake/households/{household.id}", json={"group_name": "二社"}, headers=town)
        assert response.status_code == 200
    delta = await sync(client, cadre, whole["token"], org=TOWNSHIP[:9], village=None)
    assert set(delta["households"]) == {str(mine.id)}
    # A token belongs to the list it was issued for.
    village_token = (await sync(client, town))["token"]
    response = await client.get("/intake/households", params={"village": OTHER_VILLAGE, "since": village_token},
                                headers=town)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["query.since"]


@pytest.mark.parametrize("mangle", [
    lambda token: "not-a-token",
    lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
    lambda token: token.replace(".", "x.", 1),
    lambda token: "",
])
async def test_a_forged_or_broken_token_is_a_422_naming_since(live_intake, mangle):
    runtime, client = live_intake
    await register(runtime, 1)
    auth = headers(runtime)
    token = (await sync(client, auth))["token"]
    response = await client.get("/intake/households", params={"village": VILLAGE, "since": mangle(token)},
                                headers=auth)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["fields"]] == ["query.since"]


@pytest.mark.parametrize(("extra", "field"), [({"kind": "general"}, "query.kind"), ({"offset": 2}, "query.offset")])
async def test_a_sync_refuses_what_it_cannot_follow(live_intake, extra, field):
    runtime, client = live_intake
    await register(runtime, 1)
    auth = headers(runtime)
    token = (await sync(client, auth))["token"]
    response = await client.get("/intake/households", params={"village": VILLAGE, "since": token} | extra,
                                headers=auth)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["fields"]] == [field]


async def test_an_offset_page_and_a_filtered_list_carry_no_token(live_intake):
    runtime, client = live_intake
    await register(runtime, 3)
    auth = headers(runtime)
    for params in ({"offset": 1}, {"kind": "general"}):
        page = (await client.get("/intake/households", params={"village": VILLAGE, "limit": 1} | params,
                                 headers=auth)).json()
        assert page["next_sync_token"] is None and page["has_more"] and page["items"]


async def test_a_registration_stamps_the_household_and_its_members(live_intake):
    runtime, _ = live_intake
    [household] = await register(runtime, 1)
    async with runtime.db.engine.connect() as connection:
        marks = (await connection.execute(sa.text(
            "SELECT (SELECT change_seq FROM households WHERE id = :id), "
            "(SELECT min(change_seq) FROM members WHERE household_id = :id)"), {"id": household.id})).one()
    assert all(mark > 0 for mark in marks)


async def member_sync(client, auth, token: str | None = None, **params) -> dict:
    """Every page of one pass of the member list: (live members, tombstones, last token)."""
    live, removed = {}, {}
    while True:
        query = {"village": VILLAGE, "limit": 3} | params | ({"since": token} if token else {})
        query = {name: value for name, value in query.items() if value is not None}
        response = await client.get("/intake/members", params=query, headers=auth)
        assert response.status_code == 200, response.text
        page = response.json()
        for member in page["items"]:
            assert member["id"] not in live, "a pass hands out each member once"
            live[member["id"]] = member
        removed |= {m["id"]: m for m in page["removed_members"]}
        token = page["next_sync_token"]
        if not page["has_more"]:
            return {"members": live, "removed": removed, "token": token}


async def test_the_member_list_syncs_everything_then_exactly_the_member_changed_and_the_one_removed(live_intake):
    runtime, client = live_intake
    registered = await register(runtime, 3)
    [elsewhere] = await register(runtime, 1, org_code=OTHER_VILLAGE)
    auth = headers(runtime)
    first = await member_sync(client, auth)
    assert set(first["members"]) == {str(m.id) for h in registered for m in h.members}
    assert first["removed"] == {}

    edited, leaving = registered[0].members[1], registered[2].members[1]
    response = await client.patch(f"/intake/members/{edited.id}", json={"remarks": "外出务工"}, headers=auth)
    assert response.status_code == 200, response.text
    response = await client.post(f"/intake/members/{leaving.id}/removal", json={"reason": "病故"}, headers=auth)
    assert response.status_code == 204, response.text
    response = await client.patch(f"/intake/members/{elsewhere.members[0].id}", json={"remarks": "别村"},
                                  headers=auth)
    assert response.status_code == 200, response.text

    delta = await member_sync(client, auth, first["token"])
    assert list(delta["members"]) == [str(edited.id)] and delta["members"][str(edited.id)]["remarks"] == "外出务工"
    assert [(m["id"], m["removed"], m["removal_reason"]) for m in delta["removed"].values()] == [
        (str(leaving.id), True, "病故")]
    quiet = await member_sync(client, auth, delta["token"])
    assert (quiet["members"], quiet["removed"], quiet["token"]) == ({}, {}, delta["token"])

    # Offset paging still works, without a token; and a household token is not a member token.
    by_offset = (await client.get("/intake/members", params={"village": VILLAGE, "offset": 4, "limit": 3},
                                  headers=auth)).json()
    assert (len(by_offset["items"]), by_offset["total"], by_offset["next_sync_token"]) == (1, 5, None)
    household_token = (await sync(client, auth))["token"]
    response = await client.get("/intake/members", params={"village": VILLAGE, "since": household_token},
                                headers=auth)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["query.since"]


async def test_a_village_cadre_member_sync_holds_only_the_village(live_intake):
    runtime, client = live_intake
    [mine] = await register(runtime, 1)
    await register(runtime, 1, org_code=OTHER_VILLAGE)
    cadre = headers(runtime, Role.VILLAGE_CADRE, VILLAGE)
    whole = await member_sync(client, cadre, village=None, org=TOWNSHIP[:9])
    assert set(whole["members"]) == {str(m.id) for m in mine.members}


async def test_a_member_added_or_edited_puts_the_household_in_the_delta(live_intake):
    runtime, client = live_intake
    gaining, edited, untouched = await register(runtime, 3)
    auth = headers(runtime)
    start = await sync(client, auth)
    newborn = {"name": "张小宝", "relation": "son", "id_number": next_id_number(date(2025, 6, 1)),
               "labour_capacity": "none"}
    response = await client.post(f"/intake/households/{gaining.id}/members", json=newborn, headers=auth)
    assert response.status_code == 201, response.text
    response = await client.patch(f"/intake/members/{edited.members[1].id}", json={"remarks": "外出务工"},
                                  headers=auth)
    assert response.status_code == 200, response.text
    delta = await sync(client, auth, start["token"])
    assert set(delta["households"]) == {str(gaining.id), str(edited.id)} and delta["removed"] == []
    assert "张小宝" in [m["name"] for m in delta["households"][str(gaining.id)]["members"]]


IMPORT_HEADER = ["村代码", "户编号", "村民小组", "户类型", "重点对象", "姓名", "与户主关系", "身份证号码", "劳动能力", "在户月数"]


async def import_register(runtime, tmp_path, rows) -> None:
    path = tmp_path / f"register-{len(list(tmp_path.iterdir()))}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IMPORT_HEADER)
        writer.writerows(rows)
    importer = Principal(user_id="importer", name="导入员", role=Role.TOWN_STAFF, org_code=TOWNSHIP)
    summary = await import_households(runtime.db, principal=importer, path=path, file_format="csv", dry_run=False,
                                      cipher=field_cipher(runtime.platform), report=ReportWriter())
    assert summary.stopped is None


async def test_an_import_that_changes_a_member_puts_the_household_in_the_delta(live_intake, tmp_path):
    runtime, client = live_intake
    people = {number: next_id_number() for number in ("I1", "I2", "I3")}
    rows = [[VILLAGE, number, "1社", "一般农户", "均无以上情形", f"户主{number}", "户主", id_number, "普通劳动力", "12"]
            for number, id_number in people.items()]
    await import_register(runtime, tmp_path, rows)
    auth = headers(runtime)
    start = await sync(client, auth)
    assert {h["household_number"] for h in start["households"].values()} == set(people)
    rows[1][-1] = "10"  # I2's head now lived 10 months in the household
    await import_register(runtime, tmp_path, rows)
    delta = await sync(client, auth, start["token"])
    assert [h["household_number"] for h in delta["households"].values()] == ["I2"]
    assert delta["households"][next(iter(delta["households"]))]["members"][0]["months_in_household"] == 10
