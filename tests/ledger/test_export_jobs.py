"""Large exports are jobs: a GET over the limit answers 409 naming the job route; the job writes the same
workbook as the requester may see it, and only the requester downloads it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from services.ledger.settings import get_ledger_settings
from tests.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE
from tests.factories.ledger import registered_with_visit

pytestmark = pytest.mark.asyncio


def staff(system, user_id: str = "u-zhangsan") -> dict:
    return system.headers("town_staff", TOWNSHIP, name="张三", user_id=user_id)


def sheet_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def with_problems(ledger) -> None:
    await registered_with_visit(ledger)
    await ledger.settle()
    elsewhere = await ledger.client.post("/ledger/problems", headers=staff(ledger), json={
        "level": "village", "problem_type": "area_knowledge", "org_code": OTHER_VILLAGE,
        "description": "村干部不清楚辖区监测户情况"})
    assert elsewhere.status_code == 201, elsewhere.text


async def test_a_get_over_the_limit_points_to_the_job_route(ledger, monkeypatch):
    await with_problems(ledger)
    monkeypatch.setattr(get_ledger_settings(), "export_direct_max_rows", 1)
    response = await ledger.client.get("/ledger/problems.xlsx", headers=staff(ledger))
    assert response.status_code == 409, response.text
    assert "POST /ledger/exports" in response.json()["detail"]
    # No item is confirmed yet: an empty ledger is under any limit.
    assert (await ledger.client.get("/ledger/rectifications.xlsx", headers=staff(ledger))).status_code == 200


async def test_the_job_writes_what_the_direct_download_writes_and_only_its_requester_downloads_it(ledger):
    await with_problems(ledger)
    direct = await ledger.client.get("/ledger/problems.xlsx", params={"level": "household"}, headers=staff(ledger))
    assert direct.status_code == 200, direct.text

    asked = await ledger.client.post("/ledger/exports", headers=staff(ledger),
                                     json={"kind": "problems", "filters": {"level": "household"}})
    assert asked.status_code == 202, asked.text
    location = asked.json()["location"]
    assert asked.headers["Location"] == location and location.startswith("/ledger/jobs/")
    early = await ledger.client.get(f"{location}/file", headers=staff(ledger))
    assert early.status_code == 409  # queued: no file yet

    await ledger.settle()
    job = (await ledger.client.get(location, headers=staff(ledger))).json()
    assert job["state"] == "succeeded", job
    rows = len(sheet_rows(direct.content)) - 2
    assert rows > 2 and job["report"]["rows"] == rows
    assert job["progress"] == {"done": rows, "total": rows, "unit": "rows"}
    assert job["report"]["file"] == f"{location}/file"

    file = await ledger.client.get(f"{location}/file", headers=staff(ledger))
    assert file.status_code == 200, file.text
    assert file.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''2024" in file.headers["content-disposition"]
    assert sheet_rows(file.content) == sheet_rows(direct.content)

    colleague = await ledger.client.get(f"{location}/file", headers=staff(ledger, user_id="u-lisi"))
    assert colleague.status_code == 403
    elsewhere = await ledger.client.get(f"{location}/file",
                                        headers=ledger.headers("village_cadre", VILLAGE, user_id="u-zhangsan"))
    assert elsewhere.status_code == 404  # the job's org unit is outside a village's scope


async def test_the_job_reads_in_the_requesters_scope(ledger):
    await with_problems(ledger)
    cadre = ledger.headers("village_cadre", VILLAGE, name="王村", user_id="u-wang")
    asked = await ledger.client.post("/ledger/exports", headers=cadre, json={"kind": "problems"})
    assert asked.status_code == 202, asked.text
    await ledger.settle()
    file = await ledger.client.get(f"{asked.json()['location']}/file", headers=cadre)
    assert file.status_code == 200, file.text
    body = sheet_rows(file.content)[2:]
    assert body and {row[4] for row in body} == {"石鱼村"}  # none of 永胜村's problems


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "problems", "filters": {"due_from": "2024-09-01"}}, "body.filters.due_from"),
    ({"kind": "rectifications", "filters": {"source": "rule"}}, "body.filters.source"),
    ({"kind": "rectifications", "filters": {"status": "confirmed"}}, "body.filters.status"),
    ({"kind": "households"}, "body.kind"),
    ({"kind": "problems", "filters": {"colour": "red"}}, "body.filters.colour"),
])
async def test_a_filter_that_does_not_apply_is_named(ledger, body, field):
    response = await ledger.client.post("/ledger/exports", headers=staff(ledger), json=body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["fields"]]


async def test_an_auditor_who_never_writes_cannot_start_an_export_job(ledger):
    auditor = ledger.headers("auditor", TOWNSHIP, user_id="u-audit")
    response = await ledger.client.post("/ledger/exports", headers=auditor, json={"kind": "problems"})
    assert response.status_code == 403, response.text
