"""A 20,000-member register imports household by household with bounded memory."""

from __future__ import annotations

import asyncio
import csv
import os
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.intake.households.models import Household, Member
from services.intake.imports.report import ReportWriter
from services.intake.imports.schemas import ImportSummary
from services.intake.imports.service import import_households
from shared.domain.enums import Role
from shared.security.auth import Principal
from shared.security.crypto import field_cipher
from tests.conftest import TOWNSHIP
from tests.factories.id_numbers import valid_id_number

pytestmark = pytest.mark.asyncio

MEMBERS = 20_000
PER_HOUSEHOLD = 4
VILLAGES = [f"50015110820{i}" for i in range(1, 7)]
HEADER = ["村代码", "户编号", "村民小组", "户类型", "重点对象", "姓名", "与户主关系", "身份证号码", "劳动能力", "联系电话"]
RELATIONS = ["户主", "配偶", "子", "女"]


def register_rows(members: int):
    """Rows of a generated register: distinct valid ID numbers, households of four, grouped."""
    for n in range(members):
        household = n // PER_HOUSEHOLD
        birth = date(1950, 1, 1) + timedelta(days=(n * 7) % 20000)
        region = f"5{n // 100 % 100000:05d}"
        number = valid_id_number(birth, "male" if n % 2 else "female", serial=n % 100, region=region)
        labour = "普通劳动力" if 16 <= 2024 - birth.year <= 60 else "无劳动力"
        yield [VILLAGES[household % len(VILLAGES)], f"G{household:06d}", f"{household % 9 + 1}社", "一般农户",
               "均无以上情形", f"成员{n}", RELATIONS[n % PER_HOUSEHOLD], number, labour, f"139{n:08d}"]


def write_csv(path: Path, members: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(register_rows(members))


def write_xlsx(path: Path, members: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for values in register_rows(members):
        sheet.append(values)
    workbook.save(path)


def principal() -> Principal:
    return Principal(user_id="importer", name="导入员", role=Role.TOWN_STAFF, org_code=TOWNSHIP)


async def run_import(runtime, path: Path, file_format: str, *, dry_run: bool) -> tuple[ImportSummary, float]:
    started = time.perf_counter()
    summary = await import_households(runtime.db, principal=principal(), path=path, file_format=file_format,
                                      dry_run=dry_run, cipher=field_cipher(runtime.platform), report=ReportWriter())
    return summary, time.perf_counter() - started


async def traced_peak(coroutine) -> tuple[object, int]:
    """The coroutine's result and the peak of memory allocated while it ran (tracemalloc)."""
    tracemalloc.start()
    try:
        result = await coroutine
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def resident_peak_growth(coroutine) -> tuple[object, int]:
    """The coroutine's result and how far the process's resident memory rose above its start."""
    baseline = peak = resident_bytes()
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, resident_bytes())
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    try:
        return await coroutine, max(peak, resident_bytes()) - baseline
    finally:
        done.set()
        await sampler


async def test_a_20000_member_csv_is_read_and_planned_in_bounded_memory(intake, tmp_path):
    path = tmp_path / "register.csv"
    write_csv(path, MEMBERS)
    (summary, elapsed), peak = await traced_peak(run_import(intake.runtimes["intake"], path, "csv", dry_run=True))
    print(f"\n20k CSV dry run: {elapsed:.1f} s under tracemalloc, peak {peak / 2**20:.1f} MiB, "
          f"file {path.stat().st_size / 2**20:.1f} MiB")
    assert (summary.rows, summary.rejected_rows, summary.members_created) == (MEMBERS, 0, MEMBERS)
    assert summary.households_created == MEMBERS // PER_HOUSEHOLD
    # The parsed file alone would take far more (20,000 rows of validated models); a batch at a
    # time plus a 16-byte digest per person stays within a few MiB.
    assert peak < 16 * 2**20


async def test_a_20000_member_csv_is_applied_in_full_household_by_household(live_intake, tmp_path):
    """Committed for real, one transaction per household, as in production."""
    runtime, _ = live_intake
    path = tmp_path / "register.csv"
    write_csv(path, MEMBERS)
    (summary, elapsed), growth = await resident_peak_growth(run_import(runtime, path, "csv", dry_run=False))
    print(f"\n20k CSV import: {elapsed:.1f} s, resident memory grew {growth / 2**20:.1f} MiB")
    assert (summary.rows, summary.rejected_rows) == (MEMBERS, 0)
    assert (summary.households_created, summary.members_created) == (MEMBERS // PER_HOUSEHOLD, MEMBERS)
    async with runtime.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == MEMBERS
        assert (await session.execute(select(func.count()).select_from(Household))).scalar_one() == MEMBERS // 4
    # Holding the file's 20,000 members, their audit entries and events in one session would add
    # hundreds of MiB; each household's objects are released with its transaction.
    assert growth < 96 * 2**20


async def test_an_xlsx_register_is_streamed_in_read_only_mode(intake, tmp_path):
    members = 5_000
    path = tmp_path / "register.xlsx"
    write_xlsx(path, members)
    (summary, elapsed), peak = await traced_peak(run_import(intake.runtimes["intake"], path, "xlsx", dry_run=True))
    print(f"\n5k XLSX dry run: {elapsed:.1f} s under tracemalloc, peak {peak / 2**20:.1f} MiB")
    assert (summary.rows, summary.rejected_rows, summary.members_created) == (members, 0, members)
    assert peak < 16 * 2**20
