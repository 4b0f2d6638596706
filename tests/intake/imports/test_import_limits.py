"""Hostile files: a small upload may declare a huge sheet or unpack to gigabytes; none may stall the process."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

import pytest

from tests.conftest import TOWNSHIP, VILLAGE
from tests.factories.intake import next_id_number, set_intake_env
from tests.intake.imports.test_import_api import (
    HEADER,
    csv_bytes,
    household_count,
    row,
    upload,
)
from tests.intake.imports.test_import_scale import resident_bytes

pytestmark = pytest.mark.asyncio

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (f'<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
                    f'Type="{DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (f'<workbook xmlns="{MAIN}" xmlns:r="{DOCUMENT}"><sheets>'
                        '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (f'<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
                                   f'Type="{DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def sheet_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                    for i, v in enumerate(values) if v)
    return f'<row r="{number}">{cells}</row>'


def _column(index: int) -> str:
    letters, number = "", index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def hand_built_xlsx(dimension: str, rows: dict[int, list[str]], padding: Iterable[bytes] = (),
                    compresslevel: int = 6) -> bytes:
    """A workbook written part by part with zipfile: its sheet declares ``dimension`` whatever it holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                        f'<dimension ref="{dimension}"/><sheetData>'.encode())
            for number, values in sorted(rows.items()):
                sheet.write(sheet_row(number, values).encode())
            for chunk in padding:  # whitespace between rows: valid XML, and it packs a thousandfold
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


# The attack stalled every request for 16 s (and a full-height sheet would for about 20 minutes). A
# process that keeps parsing off its event loop answers within milliseconds; the limit leaves room for
# a test machine loaded by other suites without letting a synchronous parse pass.
STALL_LIMIT = 3.0


async def healthz_while(system, upload_coroutine) -> tuple[object, float, list[float]]:
    """Run an upload while asking /intake/healthz every 50 ms: its response, its duration, healthz latencies."""
    started = time.perf_counter()
    task = asyncio.create_task(upload_coroutine)
    latencies: list[float] = []
    while not task.done() and len(latencies) < 400:  # bounded: 400 asks, about 20 s
        asked = time.perf_counter()
        response = await asyncio.wait_for(system.client.get("/intake/healthz"), timeout=30)
        assert response.status_code == 200
        latencies.append(time.perf_counter() - asked)
        await asyncio.sleep(0.05)
    response = await asyncio.wait_for(task, timeout=60)
    return response, time.perf_counter() - started, latencies


def assert_refused_at_the_file(response, *limit_words: str) -> None:
    assert response.status_code == 422, response.text
    [field] = response.json()["fields"]
    assert field["field"] == "body.file"
    for word in limit_words:
        assert word in field["message"], field["message"]


def register_rows() -> dict[int, list[str]]:
    return {1: HEADER, 2: row("H901", id_number=next_id_number())}


@pytest.mark.parametrize("dry_run", [True, False])
async def test_a_workbook_declaring_a_huge_sheet_is_refused_at_once_while_the_process_answers(intake, dry_run):
    # The attack as found: 1.7 KB declaring 10,001 rows of 16,384 columns, one row far down.
    content = hand_built_xlsx("A1:XFD10001", {**register_rows(), 10001: row("H902")})
    assert len(content) < 4096
    response, elapsed, latencies = await healthz_while(
        intake, upload(intake, content, filename="register.xlsx", dry_run=dry_run))
    assert_refused_at_the_file(response, "16384 columns", "limit is 100", "FANGFAN_INTAKE_IMPORT_MAX_COLUMNS")
    assert elapsed < 5 and max(latencies, default=0) < STALL_LIMIT
    assert await household_count(intake) == 0


async def test_a_declared_dimension_within_the_limits_costs_only_the_cells_that_exist(intake):
    # 100 columns by 100,000 rows is allowed to declare; padding it would be ten million cells.
    content = hand_built_xlsx("A1:CV100000", {**register_rows(), 100000: row("H903")})
    response, elapsed, latencies = await healthz_while(
        intake, upload(intake, content, filename="register.xlsx", dry_run=True))
    assert response.status_code == 200, response.text
    assert [(r["row"], r["action"]) for r in response.json()["rows"]] == [(2, "create"), (100000, "create")]
    assert max(latencies, default=0) < STALL_LIMIT


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(intake):
    # About 3 MB packed, 600 MiB unpacked: what its zip directory declares is enough to refuse it.
    content = hand_built_xlsx("A1:O2", register_rows(), padding=(b" " * 2**20 for _ in range(600)),
                              compresslevel=1)
    assert len(content) < 4 * 2**20
    before = resident_bytes()
    response, elapsed, latencies = await healthz_while(
        intake, upload(intake, content, filename="register.xlsx", dry_run=False))
    assert_refused_at_the_file(response, "unpacks to more than 268435456 bytes",
                               "FANGFAN_INTAKE_IMPORT_MAX_UNPACKED_BYTES")
    assert elapsed < 5 and max(latencies, default=0) < STALL_LIMIT
    assert resident_bytes() - before < 64 * 2**20


async def test_a_part_packed_far_tighter_than_a_spreadsheet_packs_is_refused(intake, intake_env):
    set_intake_env(intake_env, import_max_unpacked_bytes=str(2**30))
    content = hand_built_xlsx("A1:O2", register_rows(), padding=(b" " * 2**20 for _ in range(40)))
    response = await upload(intake, content, filename="register.xlsx", dry_run=True)
    assert_refused_at_the_file(response, "xl/worksheets/sheet1.xml", "limit is 200",
                               "FANGFAN_INTAKE_IMPORT_MAX_COMPRESSION_RATIO")


@pytest.mark.parametrize(("setting", "value", "rows", "words"), [
    ("import_max_rows", "3", [row(f"H91{i}") for i in range(4)], ["more than 3 data rows", "MAX_ROWS"]),
    ("import_max_columns", "10", [row("H920")], ["row 1 has a cell beyond column 10", "MAX_COLUMNS"]),
    ("import_max_cell_chars", "20", [row("H930", name="张" * 21)], ["row 2, column 7", "limit is 20"]),
])
@pytest.mark.parametrize("dry_run", [True, False])
async def test_rows_columns_and_cells_beyond_the_limits_refuse_the_file(intake, intake_env, setting, value, rows,
                                                                         words, dry_run):
    set_intake_env(intake_env, **{setting: value})
    # The workbook declares a one-cell sheet (as some writers do), so its cells themselves are checked.
    for content, filename in ((csv_bytes(rows), "register.csv"),
                              (hand_built_xlsx("A1", {1: HEADER, **dict(enumerate(rows, start=2))}),
                               "register.xlsx")):
        response = await upload(intake, content, filename=filename, dry_run=dry_run)
        assert_refused_at_the_file(response, *words)
    assert await household_count(intake) == 0


async def test_a_real_run_of_a_large_file_over_a_limit_fails_its_job_before_storing_anything(intake, intake_env):
    set_intake_env(intake_env, import_max_rows="3", import_sync_dry_run_bytes="100")
    headers = intake.headers("town_staff", TOWNSHIP)
    rows = [row(f"H94{i}", village=VILLAGE) for i in range(5)]
    response = await intake.client.post("/intake/households/import", params={"dry_run": False},
                                        files={"file": ("register.csv", csv_bytes(rows))}, headers=headers)
    assert response.status_code == 202
    await intake.settle()
    job = (await intake.client.get(response.headers["Location"], headers=headers)).json()
    assert job["state"] == "failed" and "FANGFAN_INTAKE_IMPORT_MAX_ROWS" in job["error"]
    assert await household_count(intake) == 0
