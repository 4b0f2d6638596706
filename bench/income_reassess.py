"""Reassessing a district: 200,000 households' latest assessments under a new rule-set version.

On a fresh PostgreSQL database (created, migrated and dropped by this script, loopback only):

1. baseline: the households' A–E assessments under 2024.1 go in with one COPY; rows/s;
2. a district admin adds 2024.2 with raised lines, and the real service function
   ``services.income.reassessments.service.reassess`` recomputes every household under it in one
   transaction; assessments/s, and the ratio to the baseline (target: within 5x);
3. memory: the process's resident set after 50k, 100k and 200k households of that run, then a
   second run (2024.3) under tracemalloc for the Python heap's peak in each stretch: flat means
   bounded by the chunk, not by the district.

``python -m bench.income_reassess --households 20000`` runs smaller; ``python -m bench`` runs the
default size (or ``FANGFAN_BENCH_INCOME_HOUSEHOLDS``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from bench._harness import add_database_option, asyncpg_url, fresh_database
from services.income.assessments.service import computed_fields
from services.income.calculation.calculator import from_visit_amounts
from services.income.calculation.domain_model import VisitSummary
from services.income.reassessments.schemas import ReassessmentCreate
from services.income.reassessments.service import (
    ReassessmentPass,
    finish_reassessment,
    start_reassessment,
)
from services.income.rulesets.service import create_ruleset, load_catalog, seed_packaged
from shared.data.column_types import SHANGHAI
from shared.data.database import Database
from shared.domain.enums import Role
from shared.domain.rulesets import RuleSet, default_catalog
from shared.security.auth import Principal, system_principal

DISTRICT = "500151000000"
VILLAGES = [f"500151{township:03d}{village:03d}" for township in range(101, 121) for village in range(201, 226)]
PROFILES = 997  # distinct households' incomes, reused round-robin (a prime, so villages and profiles mix)
CHECKPOINTS = (50_000, 100_000, 200_000)


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.income_reassess", description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int,
                        default=int(os.environ.get("FANGFAN_BENCH_INCOME_HOUSEHOLDS", "200000")))
    parser.add_argument("--chunk-size", type=int, default=2000)
    add_database_option(parser)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the second, traced run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` are this module's options (none when the bench runner calls it)."""
    options = _options(argv if argv is not None else [])
    with fresh_database(options.database_url, "income", "income") as url:
        asyncio.run(_bench(url, options))


# --- seeding ------------------------------------------------------------------------------------------


def _profiles(ruleset: RuleSet) -> list[dict[str, Any]]:
    """Household incomes spread around the lines (per capita from about 4,000 to 25,000), computed
    by the real calculator so the stored figures are what a visit would have stored."""
    rng = random.Random(20241128)
    profiles = []
    for _ in range(PROFILES):
        members = [{"member_id": str(uuid.uuid4()), "months_in_household": rng.choice((12, 12, 12, 6, 9))}
                   for _ in range(rng.randint(1, 5))]
        size = sum(m["months_in_household"] for m in members) / 12
        target = Decimal(rng.randint(4000, 25000)) * Decimal(str(size))
        wage = (target * Decimal("0.6")).quantize(Decimal("0.01"))
        summary = VisitSummary.model_validate({
            "amounts": {"production_income": "3000", "wage_income": str(wage),
                        "transfer_income": str((target - wage).quantize(Decimal("0.01"))),
                        "property_income": "120.50", "production_expense": "3120.50"},
            "members": members,
            "compliant_expenses": {"medical": str(rng.randint(0, 3000))},
        })
        result = from_visit_amounts(summary.amounts, summary.members, ruleset,
                                    compliant_expenses=summary.compliant_expenses)
        profiles.append({**computed_fields(result), "inputs": json.dumps(summary.model_dump(mode="json"))})
    return profiles


COLUMNS = ("id", "org_code", "household_id", "year", "basis", "origin", "ruleset_region", "ruleset_version",
           "observed_at", "assessed_at", "assessed_by", "is_latest", "member_months", "net_income",
           "compliant_expenses", "per_capita_net_income", "per_capita_after_compliant_expenses", "bracket",
           "below_monitoring_line", "in_low_income_group", "classification_certain", "income_class", "inputs")


def _records(households: int, profiles: list[dict[str, Any]]) -> Iterator[tuple]:
    observed = datetime(2024, 9, 5, 10, 30, tzinfo=SHANGHAI)
    for index in range(households):
        p = profiles[index % PROFILES]
        yield (uuid.uuid4(), VILLAGES[index % len(VILLAGES)], uuid.uuid4(), 2024, "amounts", "visit",
               p["ruleset_region"], p["ruleset_version"], observed, observed, "bench", True, p["member_months"],
               p["net_income"], p["compliant_expenses"], p["per_capita_net_income"],
               p["per_capita_after_compliant_expenses"], p["bracket"], p["below_monitoring_line"],
               p["in_low_income_group"], True, p["income_class"], p["inputs"])


async def _seed(url: str, households: int, profiles: list[dict[str, Any]]) -> float:
    """One COPY of every household's assessment; returns the seconds it took."""
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        started = time.perf_counter()
        await connection.copy_records_to_table("income_assessments", records=_records(households, profiles),
                                               columns=COLUMNS)
        elapsed = time.perf_counter() - started
        await connection.execute("ANALYZE income_assessments")
        return elapsed
    finally:
        await connection.close()


# --- reassessing ----------------------------------------------------------------------------------------


@dataclass
class Sampler:
    """Memory at the checkpoints a run passes (chunks end on multiples of the chunk size)."""

    checkpoints: tuple[int, ...]
    traced: bool = False
    samples: dict[int, int] = field(default_factory=dict)

    def __call__(self, examined: int) -> None:
        for checkpoint in self.checkpoints:
            if examined >= checkpoint and checkpoint not in self.samples:
                if self.traced:
                    self.samples[checkpoint] = tracemalloc.get_traced_memory()[1]
                    tracemalloc.reset_peak()
                else:
                    self.samples[checkpoint] = _rss()


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


async def _new_version(db: Database, admin: Principal, version: str, monitoring: str, low_income: str) -> None:
    base = default_catalog().resolve(2024, DISTRICT)
    bounds = [b.model_dump(mode="json") for b in base.brackets]
    bounds[0]["lower_exclusive"] = monitoring
    document = base.model_dump(mode="json") | {"version": version, "monitoring_line": monitoring,
                                               "low_income_line": low_income, "brackets": bounds,
                                               "source": "bench: raised lines"}
    async with db.transaction(admin) as session:
        await create_ruleset(session, principal=admin, ruleset=RuleSet.model_validate(document))


async def _reassess(db: Database, admin: Principal, chunk_size: int, progress: Callable[[int], None]):
    """The district reassessed in one transaction, as ``reassess`` does, with ``progress`` told after each chunk."""
    started = time.perf_counter()
    async with db.transaction(admin) as session:
        run = await start_reassessment(session, principal=admin, request=ReassessmentCreate(year=2024))
        pass_ = ReassessmentPass(run, admin, await load_catalog(session))
        while await pass_.next_chunk(session, chunk_size=chunk_size):
            progress(pass_.tally.examined)
        report = await finish_reassessment(session, run=run, tally=pass_.tally, changes=pass_.changes)
    return report, time.perf_counter() - started


async def _bench(url: str, options: argparse.Namespace) -> None:
    n = options.households
    checkpoints = tuple(c for c in CHECKPOINTS if c <= n) or (n,)
    ruleset = default_catalog().resolve(2024, DISTRICT)
    db = Database(url, pool_size=2)
    admin = Principal(user_id="bench-admin", name="bench", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
    try:
        async with db.transaction(system_principal("bench")) as session:
            await seed_packaged(session)
        seeded = await _seed(url, n, _profiles(ruleset))
        print(f"households: {n:,} in {len(VILLAGES)} villages; chunk size {options.chunk_size:,}")
        print(f"baseline  COPY of {n:,} assessments: {seeded:.2f} s = {n / seeded:,.0f} rows/s")

        await _new_version(db, admin, "2024.2", "9000", "14000")
        rss = Sampler(checkpoints)
        rss_before = _rss()
        report, elapsed = await _reassess(db, admin, options.chunk_size, rss)
        print(f"reassess  {report.reassessed:,} of {report.examined:,} under 2024.2 in {elapsed:.2f} s "
              f"= {report.reassessed / elapsed:,.0f} assessments/s; {report.changed:,} changed class "
              f"(income.assessed staged for them only)")
        print(f"ratio     baseline / reassess = {(n / seeded) / (report.reassessed / elapsed):.2f}x (target ≤ 5x)")
        resident = ", ".join(f"{c:,}: {v / 2**20:.0f} MiB" for c, v in rss.samples.items())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"memory    resident set after {resident} (before the run {rss_before / 2**20:.0f} MiB; "
              f"process peak so far {peak:.0f} MiB)")
        if not options.no_tracemalloc:
            await _new_version(db, admin, "2024.3", "9500", "14500")
            traced = Sampler(checkpoints, traced=True)
            tracemalloc.start()
            try:
                traced_report, _ = await _reassess(db, admin, options.chunk_size, traced)
            finally:
                tracemalloc.stop()
            print(f"memory    Python heap peak per stretch (tracemalloc, second run: {traced_report.reassessed:,} "
                  "under 2024.3): " + ", ".join(f"up to {c:,}: {v / 2**20:.1f} MiB" for c, v in traced.samples.items()))
    finally:
        await db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
