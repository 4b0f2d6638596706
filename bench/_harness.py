"""What the benchmarks share: a fresh, migrated database on a loopback PostgreSQL server, and its URL
in the plain form asyncpg takes."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from shared.data.migrations import upgrade
from shared.data.pgadmin import drop_database, recreate_database
from shared.runtime.definition import load_service

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url``: the server the benchmark creates its database on (``FANGFAN_BENCH_DATABASE_URL``)."""
    parser.add_argument("--database-url", default=os.environ.get("FANGFAN_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="a PostgreSQL server on this machine; a fresh database is created on it")


@contextmanager
def fresh_database(server_url: str, service: str, label: str) -> Iterator[str]:
    """A database of its own for this run, created on ``server_url`` (loopback only) and migrated to
    ``service``'s latest revision; yields its URL and drops it afterwards, whatever happened."""
    host = make_url(server_url).host
    if host not in LOOPBACK:
        raise SystemExit(f"refusing a non-loopback database host {host!r}")
    name = f"fangfan_bench_{label}_{os.getpid()}"
    url = recreate_database(server_url, name)
    try:
        upgrade(load_service(service).versions_dir, url)
        yield url
    finally:
        drop_database(server_url, name)


def asyncpg_url(url: str) -> str:
    """The SQLAlchemy URL as asyncpg's own ``connect`` takes it (no driver in the scheme)."""
    return make_url(url).set(drivername="postgresql").render_as_string(False)
