"""The alerts scan over 1,000,000 open deadlines beside the bare indexed query that selects the due ones.

On a fresh PostgreSQL database (created, migrated and dropped by this script, loopback only), one
``INSERT … SELECT generate_series`` writes N open deadlines (default 1,000,000) over 1,000 villages
of 20 townships, due days spread evenly over a year around the scan day A (10 days before it to 355
after), so about 3.6% are due by the scan's horizon (A plus ``due_soon_days``). Then, timed:

1. the baseline: the bare query that selects the due ones, ``SELECT * FROM alerts_deadlines WHERE
   state = 'open' AND due_on <= horizon`` (index ``(state, due_on)``), every row fetched (best of 3);
2. the first scan of day A: the scan's own code (the fan-out query, then one transaction per unit, as
   the ``alerts.scan`` schedule and its ``alerts.scan_unit`` jobs run them, here one after another):
   it raises every due-soon, overdue and escalation alert at once, so it writes far more than the
   baseline reads (each alert: its row, its audit entry, its ``alert.raised`` event);
3. the next tick of day A, 15 minutes later: the steady state the schedule lives in, where the scan
   must find in SQL that nothing is to do (the target: within 3× of the baseline);
4. the first tick of day A+1: a reminder for every overdue deadline, and the newly due.

``python -m bench alerts_scan``, or ``python -m bench.alerts_scan --deadlines 100000`` to run smaller
(also ``FANGFAN_BENCH_ALERTS_DEADLINES``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time

import asyncpg

from bench._harness import add_database_option, asyncpg_url, fresh_database
from services.alerts.alerts import service as alerts
from services.alerts.deadlines.repository import DeadlineRepository
from services.alerts.settings import AlertsSettings
from shared.data.database import Database
from shared.domain.clock import SHANGHAI, clock
from shared.security.auth import system_principal

AS_OF = date(2024, 10, 8)
TOWNSHIPS, VILLAGES_EACH = 20, 50
DAYS_BEFORE, SPREAD = 10, 365

GENERATE = f"""
INSERT INTO alerts_deadlines (org_code, key, kind, subject_type, subject_id, source, due_on, unit, amount,
                              counted_from, basis, rule_code, state, reminders, escalation_level, updated_at,
                              scheduled_as_of)
SELECT '500151' || lpad((100 + g % {TOWNSHIPS})::text, 3, '0')
                || lpad((201 + (g / {TOWNSHIPS}) % {VILLAGES_EACH})::text, 3, '0'),
       'rectification:bench-' || g, 'rectification', 'rectification', 'bench-' || g, 'ledger',
       $1::date - {DAYS_BEFORE} + (g % {SPREAD}), NULL, NULL, NULL, 'campaign 2024 rectification_by',
       'rectification.by_campaign_date', 'open', 0, 0, now(), now() - interval '30 days'
FROM generate_series(1, $2::int) AS g
"""
BARE = "SELECT * FROM alerts_deadlines WHERE state = 'open' AND due_on <= $1"


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts_scan", description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int,
                        default=int(os.environ.get("FANGFAN_BENCH_ALERTS_DEADLINES", "1000000")))
    add_database_option(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` are this module's options (none when the bench runner calls it)."""
    options = _options(argv if argv is not None else [])
    with fresh_database(options.database_url, "alerts", "alerts_scan") as url:
        asyncio.run(_bench(url, options.deadlines))



async def _generate(url: str, count: int) -> float:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        started = time.perf_counter()
        await connection.execute(GENERATE, AS_OF, count)
        await connection.execute("VACUUM ANALYZE alerts_deadlines")
        return time.perf_counter() - started
    finally:
        await connection.close()


async def _bare(url: str, horizon: date) -> tuple[float, int]:
    """Best of three: the due ones, every column, through the (state, due_on) index."""
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        best, rows = float("inf"), 0
        for _ in range(3):
            started = time.perf_counter()
            rows = len(await connection.fetch(BARE, horizon))
            best = min(best, time.perf_counter() - started)
        return best, rows
    finally:
        await connection.close()


async def _scan(db: Database, day: date, at: day_time, settings: AlertsSettings) -> tuple[float, int, int]:
    """One tick of the scan as of ``day`` at ``at`` (Shanghai): seconds, units scanned, alerts raised."""
    with clock.frozen(datetime.combine(day, at, tzinfo=SHANGHAI)):
        started = time.perf_counter()
        async with db.session(system_principal("alerts.scan")) as session:
            units = await DeadlineRepository(session).units_with_work(alerts.scan_moment(day, clock.now(), settings))
        raised = 0
        for org_code in units:
            async with db.transaction(system_principal("alerts.scan")) as session:
                raised += await alerts.scan_unit(session, org_code=org_code, as_of=day, settings=settings)
        return time.perf_counter() - started, len(units), raised


async def _bench(url: str, count: int) -> None:
    settings = AlertsSettings(_env_file=None)
    horizon = alerts.scan_horizon(AS_OF, settings)
    generated = await _generate(url, count)
    print(f"{count} open deadlines generated in {generated:.1f} s; scan day {AS_OF}, horizon {horizon}")
    db = Database(url, pool_size=2)
    try:
        ticks = [("first tick of day A (raises everything due)", AS_OF, day_time(9, 0)),
                 ("next tick of day A (steady state; target)", AS_OF, day_time(9, 15)),
                 ("first tick of day A+1 (reminders, newly due)", AS_OF + timedelta(days=1), day_time(9, 0))]
        print(f"{'':48} {'seconds':>8} {'units':>6} {'alerts':>7} {'× bare':>7}")
        for label, day, at in ticks:
            bare, due = await _bare(url, alerts.scan_horizon(day, settings))
            seconds, units, raised = await _scan(db, day, at, settings)
            print(f"{'bare query, due by ' + str(alerts.scan_horizon(day, settings)) + f' ({due} rows)':48} "
                  f"{bare:>8.3f}")
            print(f"{label:48} {seconds:>8.3f} {units:>6} {raised:>7} {seconds / bare:>7.2f}")
        print("target: the scan within 3x of the bare query (the steady-state tick)")
    finally:
        await db.dispose()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
