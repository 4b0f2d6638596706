"""Alembic per service: the platform branch and the service's own branch, upgraded to all heads."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_DIR = Path(__file__).parent / "alembic"
PLATFORM_VERSIONS = ALEMBIC_DIR / "platform_versions"


def alembic_config(versions_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", f"{PLATFORM_VERSIONS}{_sep()}{versions_dir}")
    config.attributes["database_url"] = database_url
    return config


def _sep() -> str:
    import os

    return os.pathsep


def upgrade(versions_dir: Path, database_url: str, revision: str = "heads") -> None:
    """Bring one service database to ``revision`` (synchronous: run it off the event loop)."""
    from shared.data.database import ensure_sqlite_folder

    ensure_sqlite_folder(database_url)
    command.upgrade(alembic_config(versions_dir, database_url), revision)


def downgrade(versions_dir: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(versions_dir, database_url), revision)
