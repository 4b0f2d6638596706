"""Every migration runs on a database that holds data, and the whole history goes down and up again.

A deployment upgrades from whatever revision it runs, with its tables full. For each service the test
walks the history one revision at a time, from an empty database to the heads; after each step it
puts a row into every table still empty (values made from the column types, foreign keys pointing at
the rows already there), so each later migration (a new NOT NULL column, a backfill, a new index)
meets data as it would in production. Then it downgrades to the base with every table full and
upgrades to the heads again.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timezone

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from shared.data import pgadmin
from shared.data.migrations import alembic_config, downgrade, upgrade
from shared.runtime.definition import load_service
from shared.runtime.settings import SERVICE_NAMES
from tests.conftest import PG_URL, run_suffix

# A value for a NOT NULL column without a default, by its type in information_schema.
SAMPLES = {
    "uuid": lambda: uuid.uuid4(),
    "text": lambda: "1",
    "character varying": lambda: "1",
    "integer": lambda: 1,
    "bigint": lambda: 1,
    "smallint": lambda: 1,
    "boolean": lambda: False,
    "numeric": lambda: 1,
    "double precision": lambda: 1.0,
    "date": lambda: date(2024, 9, 1),
    "timestamp with time zone": lambda: datetime(2024, 9, 1, tzinfo=timezone.utc),
    "timestamp without time zone": lambda: datetime(2024, 9, 1),
    "jsonb": lambda: "{}",
    "json": lambda: "{}",
    "bytea": lambda: b"\x00",
    "ARRAY": lambda: [],
}


def revisions_in_order(versions_dir, url: str) -> list[str]:
    """Every revision of the platform's and the service's branches, each after the ones it needs."""
    script = ScriptDirectory.from_config(alembic_config(versions_dir, url))
    return [revision.revision for revision in reversed(list(script.walk_revisions("base", "heads")))]


async def fill_empty_tables(asyncpg_url: str) -> list[str]:
    """A row in every empty table; returns the tables filled."""
    connection = await asyncpg.connect(asyncpg_url)
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY ordinal_position")
        foreign = await connection.fetch(
            "SELECT kcu.table_name, kcu.column_name, ccu.table_name AS target, ccu.column_name AS target_column "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name "
            "JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'")
        references = {(f["table_name"], f["column_name"]): (f["target"], f["target_column"]) for f in foreign}
        tables: dict[str, list] = {}
        for column in columns:
            tables.setdefault(column["table_name"], []).append(column)
        tables.pop("alembic_version", None)
        filled, waiting = [], [t for t in tables if not await connection.fetchval(f'SELECT EXISTS (SELECT FROM "{t}")')]
        while waiting:
            progress = False
            for table in list(waiting):
                targets = {references[(table, c["column_name"])][0] for c in tables[table]
                           if (table, c["column_name"]) in references} - {table}
                if targets & set(waiting):
                    continue
                names, values = [], []
                for column in tables[table]:
                    name = column["column_name"]
                    if (table, name) in references:
                        target, target_column = references[(table, name)]
                        value = await connection.fetchval(f'SELECT "{target_column}" FROM "{target}" LIMIT 1')
                    elif column["is_nullable"] == "YES" or column["column_default"] is not None:
                        continue
                    else:
                        value = SAMPLES[column["data_type"]]()
                    names.append(f'"{name}"')
                    values.append(value)
                placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
                await connection.execute(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({placeholders})',
                                         *values)
                waiting.remove(table)
                filled.append(table)
                progress = True
            assert progress, f"cannot fill {waiting}: their foreign keys point at one another"
        return filled
    finally:
        await connection.close()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_migration_runs_on_data_and_the_history_goes_down_and_up(service):
    versions_dir = load_service(service).versions_dir
    name = f"fangfan_test_history_{service}_{run_suffix()}"
    url = pgadmin.recreate_database(PG_URL, name)
    plain_url = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        filled = set()
        for revision in revisions_in_order(versions_dir, url):
            upgrade(versions_dir, url, revision)
            filled |= set(asyncio.run(fill_empty_tables(plain_url)))
        assert filled, "the history created no table"
        downgrade(versions_dir, url, "base")
        upgrade(versions_dir, url)
        assert asyncio.run(fill_empty_tables(plain_url)), "the tables are back, empty"
    finally:
        pgadmin.drop_database(PG_URL, name)
