"""Bulk import through the HTTP API: dry run and real run, row by row, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.intake.households.models import Household, Member
from shared.data.platform_tables import OutboxEvent
from shared.runtime.app import DEFAULT_BODY_LIMIT
from tests.conftest import DISTRICT, OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.id_numbers import with_wrong_check_character
from tests.factories.intake import household_payload, next_id_number, set_intake_env

pytestmark = pytest.mark.asyncio

HEADER = ["村代码", "户编号", "村民小组", "户类型", "风险状态", "重点对象", "姓名", "与户主关系", "身份证号码", "劳动能力",
          "技能工种", "弱劳动力原因", "在户月数", "联系电话", "备注"]


def row(number="H001", name="张德明", relation="户主", id_number=None, labour="普通劳动力", village=VILLAGE,
        kinds="一般农户", risk="", groups="均无以上情形", group="1社", trade="", weak="", months="12", phone=""):
    return [village, number, group, kinds, risk, groups, name, relation, id_number or next_id_number(), labour,
            trade, weak, months, phone, ""]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(system, content: bytes, filename="register.csv", dry_run=False, role="town_staff", org=TOWNSHIP,
                 **params) -> httpx.Response:
    """Post a register; a real run is a job, so let it run and give back its report as the response."""
    headers = system.headers(role, org)
    response = await system.client.post("/intake/households/import", params={"dry_run": dry_run, **params},
                                        files={"file": (filename, content)}, headers=headers)
    if response.status_code != 202:
        return response
    assert not dry_run  # a small dry run answers at once
    await system.settle()
    job = (await system.client.get(response.headers["Location"], headers=headers)).json()
    assert job["state"] == "succeeded", job
    assert job["progress"]["done"] == job["report"]["summary"]["rows"]
    return httpx.Response(200, json=job["report"])


async def household_count(system) -> int:
    async with system.runtimes["intake"].db.session() as session:
        return (await session.execute(select(func.count()).select_from(Household))).scalar_one()


def actions(report) -> list[tuple[int, str]]:
    return [(r["row"], r["action"]) for r in report["rows"]]


def a_file_with_bad_rows():
    other_household = household_payload(OTHER_VILLAGE)
    rows = [
        row("H001"), row("H001", "李桂兰", "配偶"), row("H001", "张小军", "子", labour="无劳动力",
                                                     id_number=next_id_number(date(2012, 1, 1))),
        row("H002", "王秀英", "户主", kinds="脱贫户", groups="上年度低收入组脱贫人口"),
        row("H002", "王建国", "子", id_number=with_wrong_check_character(next_id_number())),
        row("H002", "王二", "表亲"),
        row("H003", "刘志华", "配偶"),  # a new household without its head
        row("H004", "陈大勇", "户主", kinds="防止返贫监测对象"),  # monitored without risk status
        row("H005", "周小红", "户主", village=OTHER_VILLAGE, id_number=other_household["members"][0]["id_number"]),
    ]
    return rows, other_household


async def test_a_dry_run_reports_every_row_and_writes_nothing(intake):
    rows, _ = a_file_with_bad_rows()
    response = await upload(intake, csv_bytes(rows), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert actions(report) == [(2, "create"), (3, "create"), (4, "create"), (5, "create"), (6, "rejected"),
                               (7, "rejected"), (8, "rejected"), (9, "rejected"), (10, "create")]
    errors = {r["row"]: r["errors"] for r in report["rows"]}
    id_number = next(e for e in errors[6] if e["field"] == "id_number")
    assert "王建国" in id_number["message"] and "check character" in id_number["message"]
    assert ("relation", "invalid_choice") in [(e["field"], e["type"]) for e in errors[7]]
    assert "表亲" in next(e["message"] for e in errors[7] if e["field"] == "relation")
    assert errors[8][0]["field"] == "row" and "head" in errors[8][0]["message"]
    assert "risk_status" in [e["field"] for e in errors[9]]
    assert report["summary"] | {"ignored_columns": []} == {
        "dry_run": True, "format": "csv", "rows": 9, "households_created": 3, "households_updated": 0,
        "households_unchanged": 0, "members_created": 5, "members_updated": 0, "members_unchanged": 0,
        "rejected_rows": 4, "stopped": None, "rows_not_applied": 0, "ignored_columns": []}
    assert {r["household_action"] for r in report["rows"] if r["action"] == "create"} == {"create"}
    assert await household_count(intake) == 0
    assert not any(r[8] in response.text for r in rows)


async def test_a_real_run_applies_the_valid_rows_and_returns_the_same_report(intake):
    rows, other = a_file_with_bad_rows()
    dry = (await upload(intake, csv_bytes(rows), dry_run=True)).json()
    real = (await upload(intake, csv_bytes(rows))).json()
    assert actions(real) == actions(dry)
    assert real["summary"] | {"dry_run": True} == dry["summary"]
    assert await household_count(intake) == 3
    listed = (await intake.client.get("/intake/households", params={"household_number": "H002"},
                                      headers=intake.headers("town_staff", TOWNSHIP))).json()["items"][0]
    assert listed["household_kinds"] == ["poverty_alleviated"]
    assert listed["key_target_groups"] == ["low_income_group"]
    assert [m["name"] for m in listed["members"]] == ["王秀英"]
    async with intake.runtimes["intake"].db.session() as session:
        changed = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "household.changed"))).all()
    assert sorted(e.envelope["payload"]["household_number"] for e in changed) == ["H001", "H002", "H005"]
    # The other household's member was taken by the file's H005 head: now a register conflict.
    response = await intake.client.post("/intake/households", json=other,
                                        headers=intake.headers("town_staff", TOWNSHIP))
    assert response.status_code == 409


async def test_importing_again_is_unchanged_and_changed_cells_update(intake):
    head, spouse = next_id_number(), next_id_number(sex="female")
    rows = [row("H010", id_number=head), row("H010", "李桂兰", "配偶", id_number=spouse)]
    assert (await upload(intake, csv_bytes(rows))).json()["summary"]["households_created"] == 1
    again = (await upload(intake, csv_bytes(rows))).json()
    assert actions(again) == [(2, "unchanged"), (3, "unchanged")]
    assert again["summary"]["households_unchanged"] == 1
    changed = [row("H010", id_number=head, group="2社"),
               row("H010", "李桂兰", "配偶", id_number=spouse, labour="弱劳动力或半劳动力", weak="患病", phone="13700001111",
                   group="2社"),
               row("H010", "张小妹", "女", id_number=next_id_number(date(2020, 2, 2), "female"), labour="无劳动力",
                   group="")]
    report = (await upload(intake, csv_bytes(changed))).json()
    assert actions(report) == [(2, "unchanged"), (3, "update"), (4, "create")]
    assert {r["household_action"] for r in report["rows"]} == {"update"}
    household = (await intake.client.get("/intake/households", params={"household_number": "H010"},
                                         headers=intake.headers("town_staff", TOWNSHIP))).json()["items"][0]
    assert household["group_name"] == "2社"
    assert [(m["name"], m["labour_capacity"], m["phone"]) for m in household["members"]] == [
        ("张德明", "ordinary", None), ("李桂兰", "weak", "137****1111"), ("张小妹", "none", None)]


async def test_rows_of_one_person_twice_or_of_a_household_that_disagrees_are_rejected(intake):
    twice = next_id_number()
    rows = [row("H020", id_number=twice), row("H021", "王五", "户主", id_number=twice),
            row("H020", "李四", "配偶", kinds="脱贫户")]
    report = (await upload(intake, csv_bytes(rows), dry_run=True)).json()
    assert actions(report) == [(2, "create"), (3, "rejected"), (4, "create")]
    assert report["rows"][1]["errors"][0]["field"] == "id_number"
    assert "row 2" in report["rows"][1]["errors"][0]["message"]
    # Row 4 is H020 again after H021: applied as an update of the household row 2 created.
    assert report["rows"][2]["household_action"] == "update"
    mismatch = [row("H022"), row("H022", "李四", "配偶", kinds="脱贫户")]
    rejected = (await upload(intake, csv_bytes(mismatch), dry_run=True)).json()
    assert actions(rejected) == [(2, "create"), (3, "rejected")]
    assert rejected["rows"][1]["errors"][0]["field"] == "household_kinds"


async def test_rows_outside_the_callers_scope_are_rejected(intake):
    rows = [row("H030"), row("H031", village=OTHER_VILLAGE), row("H032", village="500151108299")]
    report = (await upload(intake, csv_bytes(rows), role="village_cadre", org=VILLAGE)).json()
    assert actions(report) == [(2, "create"), (3, "rejected"), (4, "rejected")]
    assert "outside your scope" in report["rows"][1]["errors"][0]["message"]
    assert "not a village code" in report["rows"][2]["errors"][0]["message"]
    assert await household_count(intake) == 1


async def test_an_xlsx_workbook_and_english_headers_import_alike(intake):
    english = ["village_code", "household_number", "group", "household_kinds", "risk_status", "key_target_groups",
               "name", "relation", "id_number", "labour_capacity", "skilled_trade", "weak_reason",
               "months_in_household", "phone", "remarks"]
    rows = [row("H040"), row("H040", "李桂兰", "spouse", labour="skilled", trade="electrician")]
    report = (await upload(intake, xlsx_bytes(rows, english), filename="register.xlsx")).json()
    assert report["summary"]["format"] == "xlsx" and actions(report) == [(2, "create"), (3, "create")]
    household = (await intake.client.get("/intake/households", params={"household_number": "H040"},
                                         headers=intake.headers("town_staff", TOWNSHIP))).json()["items"][0]
    assert household["members"][1]["skilled_trade"] == "electrician"


async def test_village_names_resolve_within_the_scope_and_gb18030_csv_is_read(intake):
    header = ["村", "户编号", "户类型", "姓名", "与户主关系", "身份证号码", "劳动能力", "说明"]
    rows = [["石鱼村", "H050", "一般农户", "张三", "户主", next_id_number(), "普通劳动力", "x"],
            ["不存在村", "H051", "一般农户", "李四", "户主", next_id_number(), "普通劳动力", "x"]]
    response = await upload(intake, csv_bytes(rows, header, encoding="gb18030"))
    report = response.json()
    assert actions(report) == [(2, "create"), (3, "rejected")]
    assert report["rows"][0]["village_code"] == VILLAGE
    assert report["summary"]["ignored_columns"] == ["说明"]


async def test_report_rejected_lists_only_the_rejected_rows(intake):
    rows, _ = a_file_with_bad_rows()
    report = (await upload(intake, csv_bytes(rows), dry_run=True, report="rejected")).json()
    assert [r["row"] for r in report["rows"]] == [6, 7, 8, 9]
    assert report["summary"]["rows"] == 9


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"", "register.csv", "empty"),
    (csv_bytes([["x"] * 3], header=["户编号", "姓名", "其他"]), "register.csv", "missing column"),
    (b"not a zip", "register.xlsx", "not an XLSX"),
    (b"\xd0\xcf\x11\xe0", "register.xls", ".xls"),
])
async def test_an_unreadable_file_is_a_422_at_the_file(intake, content, filename, message):
    response = await upload(intake, content, filename=filename)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["field"] == "body.file" and message in field["message"]


async def test_a_file_over_the_limit_is_a_413(intake, intake_env):
    set_intake_env(intake_env, import_max_bytes="100")
    response = await upload(intake, csv_bytes([row("H060"), row("H060", "李四", "配偶")]))
    assert response.status_code == 413


class CountingBody:
    """An upload sent in chunks without a Content-Length, counting how many chunks the server took."""

    def __init__(self, chunk: bytes, chunks: int) -> None:
        self.chunk, self.chunks, self.taken = chunk, chunks, 0

    async def __aiter__(self):
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="register.csv"\r\n\r\n'
        for _ in range(self.chunks):
            self.taken += 1
            yield self.chunk


async def test_an_upload_may_exceed_the_json_limit_up_to_the_import_limit_and_no_further(intake, intake_env):
    set_intake_env(intake_env, import_max_bytes=str(2 * DEFAULT_BODY_LIMIT))
    headers = intake.headers("town_staff", TOWNSHIP)
    # Over the JSON default, within the import's limit: the import reads all of it (and finds no columns).
    allowed = await intake.client.post("/intake/households/import", params={"dry_run": True}, headers=headers,
                                       files={"file": ("register.csv", b"x" * (DEFAULT_BODY_LIMIT + 10))})
    assert allowed.status_code == 422, allowed.text
    streamed = CountingBody(b"x" * 65536, chunks=200)  # 12.5 MiB, no Content-Length
    refused = await intake.client.post("/intake/households/import", params={"dry_run": True}, content=streamed,
                                       headers={**headers, "content-type": "multipart/form-data; boundary=b"})
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"] == "PayloadTooLarge"
    assert streamed.taken <= 2 * DEFAULT_BODY_LIMIT // 65536 + 4


async def test_an_auditor_cannot_import(intake):
    response = await upload(intake, csv_bytes([row("H070")]), dry_run=True, role="auditor", org=DISTRICT)
    assert response.status_code == 403


async def test_members_imported_are_encrypted_and_masked(intake, cipher):
    number = next_id_number()
    await upload(intake, csv_bytes([row("H080", id_number=number, phone="13911112222")]))
    async with intake.runtimes["intake"].db.session() as session:
        member = (await session.scalars(select(Member))).one()
    assert cipher.decrypt(member.id_number_cipher) == number
    assert member.id_number_masked.endswith(number[-4:]) and number not in member.id_number_masked


async def test_an_imported_household_may_not_be_general_and_another_kind(intake):
    rows = [row("H001", kinds="一般农户、脱贫户"), row("H002", "王秀英", kinds="脱贫户、防止返贫监测对象", risk="未消除风险",
                                                   groups="防止返贫监测对象")]
    report = (await upload(intake, csv_bytes(rows), dry_run=True)).json()
    assert actions(report) == [(2, "rejected"), (3, "create")]
    assert any(error["field"] == "household_kinds" and "general" in error["message"]
               for error in report["rows"][0]["errors"])
