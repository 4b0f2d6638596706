"""Exporting the rectification ledger (附件4): 100,000 rows as XLSX beside the same rows as CSV.

On a fresh PostgreSQL database (created, migrated and dropped by this script, loopback only), the
rows go in with COPY; then, at 10,000 rows and again at 100,000:

1. the real export, ``services.ledger.exports.service.write_rectifications`` (the ledgers' own
   one-sheet writer, rows streamed from the database a partition at a time), read as a district admin;
2. the same query streamed the same way into ``csv.writer``: the floor of any export of these rows;
3. the same rows into xlsxwriter's constant-memory mode, the writer the export used before, for
   comparison in the same run;
4. the export again under tracemalloc: the Python heap's peak, which must stay flat from 10k to
   100k rows (bounded by the partition, not by the ledger).

``python -m bench.ledger_export --rows 20000`` runs smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import xlsxwriter

from bench._harness import add_database_option, asyncpg_url, fresh_database
from services.ledger.campaigns.service import packaged_campaigns, seed_packaged
from services.ledger.exports.names import org_names
from services.ledger.exports.service import (
    PARTITION,
    _Cells,
    _progress_notes,
    _rectification_query,
    _rectification_row,
    write_rectifications,
)
from services.ledger.rectifications.repository import RectificationFilter
from shared.data.column_types import SHANGHAI
from shared.data.database import Database
from shared.domain.enums import Role
from shared.security.auth import Principal, system_principal

DISTRICT = "500151000000"
VILLAGES = [f"500151108{village:03d}" for village in range(201, 207)]
# The names the ledger learns from intake's org_unit.changed, written straight into its table here.
ORG_UNITS = [(DISTRICT, "铜梁区", "district", None), ("500151108000", "西河镇", "township", DISTRICT),
             *[(code, f"示例{n}村", "village", "500151108000") for n, code in enumerate(VILLAGES, start=1)]]
TYPES = ["income", "education", "medical", "housing", "water", "development_assistance"]


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_export", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("FANGFAN_BENCH_LEDGER_ROWS", "100000")))
    add_database_option(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` are this module's options (none when the bench runner calls it)."""
    options = _options(argv if argv is not None else [])
    with fresh_database(options.database_url, "ledger", "ledger") as url:
        asyncio.run(_bench(url, options.rows))


def _records(start: int, stop: int, campaign_id: uuid.UUID) -> Iterator[tuple[tuple, tuple]]:
    recorded = datetime(2024, 9, 6, 9, 0, tzinfo=SHANGHAI)
    for n in range(start, stop):
        problem_id, item_id, village = uuid.uuid4(), uuid.uuid4(), VILLAGES[n % len(VILLAGES)]
        problem = (problem_id, village, campaign_id, "household", TYPES[n % len(TYPES)],
                   f"第{n}户走访发现：饮水不安全，水井被损毁，现饮水未接通", None, "rule", f"bench.rule{n % 7}",
                   f"household:{uuid.uuid4()}", uuid.uuid4(), f"{n % 9 + 1}社", f"户主{n}", "general", "confirmed",
                   "[]", "system:bench", "bench", recorded, "confirmed", None, "u-bench", "bench", recorded)
        item = (item_id, village, problem_id, campaign_id, "由镇政府协商，接通水厂饮水到户", "西河镇", False,
                date(2024, 9, 20) + timedelta(days=n % 30), "campaign 2024 rectification_by", False, None,
                "in_progress", None, "[]", None, None, None, None, None, None, None, recorded)
        yield problem, item


PROBLEM_COLUMNS = ["id", "org_code", "campaign_id", "level", "problem_type", "description", "remarks", "source",
                   "rule_code", "subject_key", "household_id", "group_name", "head_name", "category", "status",
                   "evidence", "recorded_by", "recorded_by_name", "recorded_at", "verification_result",
                   "verification_reason", "verified_by", "verified_by_name", "verified_at"]
ITEM_COLUMNS = ["id", "org_code", "problem_id", "campaign_id", "measures", "responsible_unit", "immediate", "due_on",
                "due_basis", "extended", "extension_reason", "status", "result", "evidence_refs", "completed_by",
                "completed_by_name", "completed_at", "closed_by", "closed_by_name", "closed_at", "remarks",
                "created_at"]


async def _seed(url: str, start: int, stop: int, campaign_id: uuid.UUID) -> None:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        rows = list(_records(start, stop, campaign_id))
        await connection.copy_records_to_table("ledger_problems", records=[p for p, _ in rows],
                                               columns=PROBLEM_COLUMNS)
        await connection.copy_records_to_table("ledger_rectifications", records=[i for _, i in rows],
                                               columns=ITEM_COLUMNS)
        if start == 0:
            as_of = datetime(2024, 8, 1, tzinfo=SHANGHAI)
            await connection.copy_records_to_table(
                "ledger_org_units", columns=["org_code", "name", "level", "parent_code", "removed", "as_of", "updated_at"],
                records=[(*unit, False, as_of, as_of) for unit in ORG_UNITS])
        # VACUUM, not only ANALYZE: the first reads of freshly copied rows otherwise pay for checking every
        # row's transaction and setting its hint bits, and autovacuum wakes up on the copied tables while
        # the exports run. Both grew with the rows copied and fell on whichever export ran first (the XLSX
        # one), which is how 100,000 rows once measured 14× CSV where 10,000 measured 7×.
        await connection.execute("VACUUM (ANALYZE) ledger_problems, ledger_rectifications, ledger_org_units")
    finally:
        await connection.close()


async def _export(db: Database, reader: Principal, campaign, target: Path) -> int:
    async with db.session(reader) as session:
        names = await org_names(session, [reader.org_code])
        return await write_rectifications(session, criteria=RectificationFilter(campaign_id=campaign.id),
                                          campaign=campaign, names=names, target=target)


async def _csv(db: Database, reader: Principal, campaign, target: Path) -> int:
    """The same query, streamed the same way, the same cells: only the file format differs."""
    criteria = RectificationFilter(campaign_id=campaign.id)
    query = _rectification_query(criteria)
    count = 0
    async with db.session(reader) as session:
        cells = _Cells(await org_names(session, [reader.org_code]))
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            result = await session.stream(query.execution_options(yield_per=PARTITION))
            async for partition in result.partitions(PARTITION):
                notes = await _progress_notes(session, [row[0] for row in partition])
                for row in partition:
                    count += 1
                    writer.writerow(_rectification_row(count, row, notes, cells))
    return count


async def _xlsxwriter(db: Database, reader: Principal, campaign, target: Path) -> int:
    """The same query, rows and cells, into xlsxwriter's constant-memory mode (the writer used before)."""
    criteria = RectificationFilter(campaign_id=campaign.id)
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("发现问题整改台账")
    count = 0
    async with db.session(reader) as session:
        cells = _Cells(await org_names(session, [reader.org_code]))
        result = await session.stream(_rectification_query(criteria).execution_options(yield_per=PARTITION))
        async for partition in result.partitions(PARTITION):
            notes = await _progress_notes(session, [row[0] for row in partition])
            for row in partition:
                count += 1
                sheet.write_row(count + 1, 0, _rectification_row(count, row, notes, cells))
    workbook.close()
    return count


async def _measure(db: Database, reader: Principal, campaign, folder: Path) -> dict:
    started = time.perf_counter()
    rows = await _export(db, reader, campaign, folder / "ledger.xlsx")
    xlsx_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await _csv(db, reader, campaign, folder / "ledger.csv")
    csv_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await _xlsxwriter(db, reader, campaign, folder / "previous.xlsx")
    previous_seconds = time.perf_counter() - started
    tracemalloc.start()
    await _export(db, reader, campaign, folder / "traced.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows, "xlsx_s": xlsx_seconds, "csv_s": csv_seconds, "previous_s": previous_seconds,
            "peak_mib": peak / 2 ** 20,
            "xlsx_mib": (folder / "ledger.xlsx").stat().st_size / 2 ** 20}


async def _bench(url: str, rows: int) -> None:
    db = Database(url, pool_size=2)
    reader = Principal(user_id="bench-admin", name="bench", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
    try:
        async with db.transaction(system_principal("bench")) as session:
            await seed_packaged(session)
        from services.ledger.campaigns.repository import CampaignRepository

        async with db.session(reader) as session:
            campaign = await CampaignRepository(session).find(packaged_campaigns()[0].code,
                                                              packaged_campaigns()[0].region)
        first = min(10_000, rows)
        results = []
        with tempfile.TemporaryDirectory() as folder:
            await _seed(url, 0, first, campaign.id)
            results.append(await _measure(db, reader, campaign, Path(folder)))
            if rows > first:
                await _seed(url, first, rows, campaign.id)
                results.append(await _measure(db, reader, campaign, Path(folder)))
        print(f"{'rows':>8} {'xlsx s':>8} {'csv s':>8} {'ratio':>6} {'xlsxwriter s':>13} {'ratio':>6} "
              f"{'heap peak MiB':>14} {'xlsx MiB':>9}")
        for r in results:
            print(f"{r['rows']:>8} {r['xlsx_s']:>8.2f} {r['csv_s']:>8.2f} {r['xlsx_s'] / r['csv_s']:>6.2f} "
                  f"{r['previous_s']:>13.2f} {r['previous_s'] / r['csv_s']:>6.2f} "
                  f"{r['peak_mib']:>14.1f} {r['xlsx_mib']:>9.1f}")
        print("target: XLSX within 3x of CSV; heap peak flat from 10k to 100k rows")
    finally:
        await db.dispose()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
