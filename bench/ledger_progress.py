"""Campaign progress of a district of 200,000 households beside the bare aggregate SQL over the same rows.

On a fresh PostgreSQL database (created, migrated and dropped by this script, loopback only), the
household view, problems, rectification items, identification cases and warnings of a district go
in with COPY (300 villages in 20 townships). Then, in the same run, best of three each:

1. the real report, ``services.ledger.reports.service.progress`` for the district as a district admin
   (the ORM's queries under the session's scope, the roll-up up the org tree, every figure and link);
2. the same five GROUP BY queries as plain SQL text on a bare asyncpg connection: the floor of any
   report of these rows.

Target: the report within 3x of the bare SQL. ``python -m bench.ledger_progress --households 20000``
runs smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import date, datetime, timedelta

import asyncpg

from bench._harness import add_database_option, asyncpg_url, fresh_database
from services.ledger.campaigns.repository import CampaignRepository
from services.ledger.campaigns.service import packaged_campaigns, seed_packaged
from services.ledger.exports.names import OrgNames, org_names
from services.ledger.reports.service import progress
from shared.data.column_types import SHANGHAI
from shared.data.database import Database
from shared.domain.enums import Role
from shared.security.auth import Principal, system_principal

DISTRICT = "500151000000"
VILLAGES = [f"500151{101 + t:03d}{201 + v:03d}" for t in range(20) for v in range(15)]
METHODS = ("home_visit", "online_inquiry", "village_assessment")
KINDS = (",general,", ",poverty_alleviated,", ",poverty_alleviated,monitored,")
TYPES = ("income", "education", "medical", "housing", "water", "development_assistance")
STATES = ("opened", "applied", "verified", "under_notice", "identified", "rejected")
TODAY = date(2024, 9, 25)

HOUSEHOLD_COLUMNS = ["household_id", "org_code", "household_number", "group_name", "head_name", "household_kinds",
                     "risk_status", "member_count", "removed", "register_as_of", "visited_at", "visit_method",
                     "visit_risk_causes", "visit_key_target_groups", "income_class", "labour_members", "updated_at"]
PROBLEM_COLUMNS = ["id", "org_code", "campaign_id", "level", "problem_type", "description", "source", "rule_code",
                   "subject_key", "household_id", "status", "evidence", "recorded_by", "recorded_by_name",
                   "recorded_at"]
ITEM_COLUMNS = ["id", "org_code", "problem_id", "campaign_id", "immediate", "due_on", "due_basis", "extended",
                "status", "evidence_refs", "created_at"]
CASE_COLUMNS = ["id", "org_code", "household_id", "kind", "state", "version", "source", "started_on", "risk_causes",
                "green_channel", "evidence", "due_on", "objection_open", "opened_by", "opened_by_name", "created_at"]
WARNING_COLUMNS = ["warning_id", "org_code", "household_id", "signal_type", "received_on", "check_due_on",
                   "checked_on", "check_result", "checked_late", "updated_at"]

BARE_SQL = [
    """SELECT org_code, count(*), coalesce(sum(member_count), 0),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2 AND visit_method = 'home_visit'),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2 AND visit_method = 'online_inquiry'),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2 AND visit_method = 'village_assessment'),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2
                               AND visit_key_target_groups NOT IN ('', ',none,')),
              count(*) FILTER (WHERE visited_at >= $1 AND visited_at < $2
                               AND visit_key_target_groups NOT IN ('', ',none,') AND visit_method = 'home_visit')
       FROM ledger_households WHERE org_code LIKE '500151%' AND removed = false GROUP BY org_code""",
    """SELECT org_code, level, problem_type, status, count(*) FROM ledger_problems
       WHERE org_code LIKE '500151%' AND campaign_id = $1 GROUP BY org_code, level, problem_type, status""",
    """SELECT org_code, status, count(*), count(*) FILTER (WHERE status = 'in_progress' AND due_on < $2)
       FROM ledger_rectifications WHERE org_code LIKE '500151%' AND campaign_id = $1 GROUP BY org_code, status""",
    """SELECT org_code, state, count(*), count(*) FILTER (WHERE due_on IS NOT NULL AND
              ((closed_on IS NULL AND due_on < $1) OR closed_on > due_on))
       FROM ledger_cases WHERE org_code LIKE '500151%' AND kind = 'identification' GROUP BY org_code, state""",
    """SELECT org_code, signal_type, count(*),
              count(*) FILTER (WHERE checked_on IS NOT NULL AND checked_late = false),
              count(*) FILTER (WHERE checked_on IS NOT NULL AND checked_late = true),
              count(*) FILTER (WHERE checked_on IS NULL)
       FROM ledger_report_warnings WHERE org_code LIKE '500151%' GROUP BY org_code, signal_type""",
]


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_progress", description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int,
                        default=int(os.environ.get("FANGFAN_BENCH_PROGRESS_HOUSEHOLDS", "200000")))
    add_database_option(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` are this module's options (none when the bench runner calls it)."""
    options = _options(argv if argv is not None else [])
    with fresh_database(options.database_url, "ledger", "progress") as url:
        asyncio.run(_bench(url, options.households))



async def _seed(url: str, households: int, campaign_id: uuid.UUID) -> dict[str, int]:
    now = datetime(2024, 9, 20, 18, 0, tzinfo=SHANGHAI)
    visited = datetime(2024, 9, 1, 10, 0, tzinfo=SHANGHAI)
    homes, problems, items, cases, warnings = [], [], [], [], []
    for n in range(households):
        household_id, village = uuid.uuid4(), VILLAGES[n % len(VILLAGES)]
        seen = n % 10 != 0  # nine in ten visited in the campaign
        homes.append((household_id, village, f"B{n:07d}", f"{n % 9 + 1}社", f"户主{n}", KINDS[n % 3],
                      "unresolved" if n % 3 == 2 else None, 1 + n % 5, n % 97 == 0, now,
                      visited + timedelta(hours=n % 400) if seen else None, METHODS[n % 3] if seen else None,
                      ",illness," if n % 11 == 0 else "", ",low_income_group," if n % 4 == 0 else ",none,",
                      "low_income_group" if n % 6 == 0 else None, "[]", now))
        if n % 10 == 3:
            problem_id = uuid.uuid4()
            status = ("suspected", "confirmed", "not_a_problem")[n % 3]
            problems.append((problem_id, village, campaign_id, "household", TYPES[n % len(TYPES)], "饮水不安全",
                             "rule", f"bench.rule{n % 7}", f"household:{household_id}", household_id, status, "[]",
                             "system:bench", "bench", now))
            if status == "confirmed":
                items.append((uuid.uuid4(), village, problem_id, campaign_id, False,
                               date(2024, 9, 20) + timedelta(days=n % 30), "campaign 2024 rectification_by", False,
                               ("in_progress", "completed", "closed")[n % 3], "[]", now))
        if n % 50 == 7:
            cases.append((uuid.uuid4(), village, household_id, "identification", STATES[n % len(STATES)], 1, "visit",
                          date(2024, 9, 1) + timedelta(days=n % 20), ",illness,", False, "[]",
                          date(2024, 9, 16) + timedelta(days=n % 20), False, "system:bench", "bench", now))
        if n % 100 == 9:
            checked = n % 3 != 0
            warnings.append((uuid.uuid4(), village, household_id, "high_medical_cost", date(2024, 9, 2),
                             date(2024, 9, 9), date(2024, 9, 5 + n % 8) if checked else None,
                             "no_risk" if checked else None, (5 + n % 8 > 9) if checked else None, now))
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        for table, records, columns in (("ledger_households", homes, HOUSEHOLD_COLUMNS),
                                        ("ledger_problems", problems, PROBLEM_COLUMNS),
                                        ("ledger_rectifications", items, ITEM_COLUMNS),
                                        ("ledger_cases", cases, CASE_COLUMNS),
                                        ("ledger_report_warnings", warnings, WARNING_COLUMNS)):
            await connection.copy_records_to_table(table, records=records, columns=columns)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return {"households": len(homes), "problems": len(problems), "items": len(items), "cases": len(cases),
            "warnings": len(warnings)}


async def _report(db: Database, reader: Principal, campaign_id: uuid.UUID, names: OrgNames) -> int:
    async with db.session(reader) as session:
        report = await progress(session, principal=reader, org_code=DISTRICT, campaign_id=campaign_id, today=TODAY,
                                names=names)
    return len(report.units)


async def _bare(url: str, campaign, today: date) -> int:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        start = datetime.combine(campaign.starts_on, datetime.min.time(), tzinfo=SHANGHAI)
        end = datetime.combine(campaign.visits_checked_by + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
        rows = 0
        for sql, args in zip(BARE_SQL, ((start, end), (campaign.id,), (campaign.id, today), (today,), ()),
                             strict=True):
            rows += len(await connection.fetch(sql, *args))
        return rows
    finally:
        await connection.close()


async def _best(function, *args) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        await function(*args)
        times.append(time.perf_counter() - started)
    return min(times)


async def _bench(url: str, households: int) -> None:
    db = Database(url, pool_size=2)
    reader = Principal(user_id="bench-admin", name="bench", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
    try:
        async with db.transaction(system_principal("bench")) as session:
            await seed_packaged(session)
        async with db.session(reader) as session:
            data = packaged_campaigns()[0]
            campaign = await CampaignRepository(session).find(data.code, data.region)
            # The ledger's own org-unit table, as the endpoints read it (empty here: codes stand for names).
            names = await org_names(session, [DISTRICT])
        seeded = await _seed(url, households, campaign.id)
        units = await _report(db, reader, campaign.id, names)  # warm: connections, compiled statements
        await _bare(url, campaign, TODAY)
        report_s = await _best(_report, db, reader, campaign.id, names)
        bare_s = await _best(_bare, url, campaign, TODAY)
        print(", ".join(f"{key} {value}" for key, value in seeded.items()) + f"; units in the report {units}")
        print(f"{'report s':>9} {'bare SQL s':>11} {'ratio':>6}")
        print(f"{report_s:>9.3f} {bare_s:>11.3f} {report_s / bare_s:>6.2f}")
        print("target: the report within 3x of the bare aggregate SQL over the same rows")
    finally:
        await db.dispose()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
