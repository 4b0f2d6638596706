"""What a dry run approves a real run stores, on PostgreSQL too; a run that stops says what it stored."""

from __future__ import annotations

import pytest

from services.intake.imports import rows as import_rows
from services.intake.imports import service as import_service
from services.intake.imports.columns import COLUMNS, header_label
from shared.data.platform_tables import JobRecord, JobState
from tests.conftest import TOWNSHIP
from tests.factories.intake import next_id_number
from tests.intake.imports.test_import_api import (
    HEADER,
    actions,
    csv_bytes,
    household_count,
    row,
    upload,
)

pytestmark = pytest.mark.asyncio


def said(errors: list[dict]) -> str:
    """A row's error entries as one text: each field with its column label and its rule."""
    return " ".join(f"{header_label(e['field']) if e['field'] in COLUMNS else e['field']}: {e['message']}" for e in errors)


def six_households(sixth_name: str = "王\x00五") -> list[list[str]]:
    return [*(row(f"H10{n}", f"户主{n}") for n in range(1, 6)), row("H106", sixth_name)]


async def test_a_nul_in_a_cell_is_rejected_by_the_dry_run_and_the_real_run_alike(intake):
    assert intake.runtimes["intake"].db.engine.dialect.name == "postgresql"
    content = csv_bytes(six_households())
    dry = (await upload(intake, content, dry_run=True)).json()
    assert actions(dry) == [(2, "create"), (3, "create"), (4, "create"), (5, "create"), (6, "create"),
                            (7, "rejected")]
    assert any(e["field"] == "name" and "U+0000" in e["message"] for e in dry["rows"][5]["errors"])
    assert dry["rows"][5]["name"] == "王\ufffd五"  # the report never carries the character itself

    real = (await upload(intake, content)).json()  # a job: its report is stored on PostgreSQL as JSON
    assert actions(real) == actions(dry)
    assert real["summary"]["households_created"] == 5 and real["summary"]["rejected_rows"] == 1
    assert await household_count(intake) == 5


@pytest.mark.parametrize(("column", "text", "message"), [
    (8, "户主\t甲", "U+0009"),  # 与户主关系 gets it: a tab in a choice column
    (1, "H1\x1b07", "U+001B"),  # 户编号, the household's key
    (2, "社" * 41, "村民小组 (group_name)"),  # longer than the register's 40 characters
    (1, "H-107 甲", "户编号 (household_number)"),  # not a household number the register takes
])
async def test_cells_the_register_would_refuse_are_rejected_before_anything_is_stored(intake, column, text,
                                                                                    message):
    bad = row("H107", "李四")
    bad[column] = text
    content = csv_bytes([row("H108"), bad])
    dry = (await upload(intake, content, dry_run=True)).json()
    real = (await upload(intake, content)).json()
    assert actions(dry) == actions(real) == [(2, "create"), (3, "rejected")]
    assert message in said(real["rows"][1]["errors"])
    assert await household_count(intake) == 1


async def test_a_line_break_in_the_remarks_is_text(intake):
    remark = row("H109")
    remark[-1] = "常年外出务工\n春节返乡"
    assert actions((await upload(intake, csv_bytes([remark]))).json()) == [(2, "create")]


async def test_a_value_the_database_refuses_rejects_only_its_household(intake, monkeypatch):
    # Were a text rule ever missed, PostgreSQL's refusal costs that household only, and the report says so.
    monkeypatch.setattr(import_rows, "control_characters", lambda text, multiline=False: [])
    refused = row("H111", "赵六")
    refused[-1] = "备注\x00"
    report = (await upload(intake, csv_bytes([row("H110"), refused, row("H112", "钱七")]))).json()
    assert actions(report) == [(2, "create"), (3, "rejected"), (4, "create")]
    assert "database refused" in said(report["rows"][1]["errors"])
    assert await household_count(intake) == 2


async def test_a_real_run_cancelled_half_way_reports_what_it_stored_and_what_it_did_not(intake, monkeypatch):
    monkeypatch.setattr(import_service, "BATCH_ROWS", 2)  # one household of two rows per batch
    rows = [r for n in range(1, 4) for r in (row(f"H12{n}", f"户主{n}"), row(f"H12{n}", f"配偶{n}", "配偶"))]
    headers = intake.headers("town_staff", TOWNSHIP)
    response = await intake.client.post("/intake/households/import", params={"dry_run": False},
                                        files={"file": ("register.csv", csv_bytes(rows))}, headers=headers)
    job_id = response.json()["job_id"]
    runner = intake.runtimes["intake"].jobs
    claimed = await runner._claim()
    assert (await intake.client.delete(f"/intake/jobs/{job_id}", headers=headers)).json()["cancel_requested"]

    await runner._run(claimed)  # stops at its first safe point, after the first household

    job = (await intake.client.get(f"/intake/jobs/{job_id}", headers=headers)).json()
    assert job["state"] == JobState.CANCELLED
    report = job["report"]
    assert report["summary"]["stopped"] == "cancelled on request"
    assert actions(report) == [(2, "create"), (3, "create"), (4, "not_applied"), (5, "not_applied"),
                               (6, "not_applied"), (7, "not_applied")]
    assert "cancelled on request" in said(report["rows"][2]["errors"])
    assert [r["household_number"] for r in report["rows"][2:]] == ["H122", "H122", "H123", "H123"]
    assert (report["summary"]["rows"], report["summary"]["rows_not_applied"]) == (6, 4)
    assert await household_count(intake) == 1
    async with intake.runtimes["intake"].db.session() as session:
        assert (await session.get(JobRecord, claimed.id)).error == "cancelled on request"


async def test_a_file_with_a_column_twice_is_refused_naming_both_header_cells(intake):
    header = [*HEADER, "id_number"]
    response = await upload(intake, csv_bytes([[*row("H130"), next_id_number()]], header=header), dry_run=True)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["field"] == "body.file"
    assert "I1 (身份证号码)" in field["message"] and "P1 (id_number)" in field["message"]


async def test_formula_like_text_is_stored_as_typed(intake):
    # Neutralising is an export's job (shared.exports); the register keeps what the township wrote.
    report = (await upload(intake, csv_bytes([row("H140", "=cmd|' /C calc'!A0")]))).json()
    assert report["rows"][0]["name"] == "=cmd|' /C calc'!A0" and report["rows"][0]["action"] == "create"
    listed = (await intake.client.get("/intake/households", params={"household_number": "H140"},
                                      headers=intake.headers("town_staff", TOWNSHIP))).json()["items"][0]
    assert listed["head_name"] == "=cmd|' /C calc'!A0"
