"""Each service's migrations create exactly the tables and columns its models declare."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel
from sqlmodel.main import default_registry

from shared.runtime.definition import load_service
from shared.runtime.settings import SERVICE_NAMES

# Differences in column types (portable decorators versus what the database reports) and in index
# details are not what this test guards: it guards tables and columns that a migration forgot.
STRUCTURAL = {"add_table", "remove_table", "add_column", "remove_column"}


def owned_metadata(service: str) -> MetaData:
    """The platform tables plus the tables whose models live in ``services.<service>``."""
    for name in SERVICE_NAMES:
        load_service(name)  # importing a service registers its models
    owners = {m.local_table.name: m.class_.__module__ for m in default_registry.mappers}
    metadata = MetaData()
    for table in SQLModel.metadata.tables.values():
        module = owners.get(table.name, "")
        if module.startswith("shared.") or module.startswith(f"services.{service}."):
            table.to_metadata(metadata)
    return metadata


def structural_differences(url: str, metadata: MetaData) -> list:
    async def compare() -> list:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}),
                                                  metadata))
        finally:
            await engine.dispose()

    diffs = asyncio.run(compare())
    found = []
    for diff in diffs:
        kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
        if kind in STRUCTURAL and not (kind == "remove_table" and diff[1].name == "alembic_version"):
            found.append(diff)
    return found


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_migrations_match_models(migrated_databases, service):
    assert structural_differences(migrated_databases[service], owned_metadata(service)) == []
