"""Settings: one platform-wide class (mode, Redis, secrets) and one class per service (its database).

Values come from the environment (``FANGFAN_*``, ``FANGFAN_<SERVICE>_*``) or from an env file named by
``FANGFAN_ENV_FILE`` (default ``.env``). With nothing set, the embedded defaults apply: SQLite files
under ``data/``, the in-process event transport and development secrets. ``production`` refuses to
start while any secret is missing or still a development default.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = os.environ.get("FANGFAN_ENV_FILE", ".env")

# Development defaults: fine for the embedded demo, refused in production.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWNoYW5nZS1tZS0wMTI="
DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key-change-me"

SERVICE_NAMES = ("intake", "income", "ledger", "alerts")


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class PlatformSettings(BaseSettings):
    """What every service of one deployment shares."""

    model_config = SettingsConfigDict(env_prefix="FANGFAN_", env_file=ENV_FILE, extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    redis_url: str | None = None
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "fangfan"
    jwt_ttl_minutes: int = 8 * 60
    field_encryption_key: SecretStr = SecretStr(DEV_FIELD_KEY)
    blind_index_key: SecretStr = SecretStr(DEV_BLIND_INDEX_KEY)
    workday_calendar_file: Path | None = None
    log_level: str = "INFO"
    log_json: bool | None = None  # unset: JSON, except the console for `fangfan run` on embedded defaults
    relay_interval_seconds: float = 2.0
    relay_batch_size: int = 200
    outbox_retention_days: int = 7
    inbox_retention_days: int = 30
    # A published event is checked this long after its publication (its consumers have handled it by
    # then), and sent again where Redis lost it, until this many hours after its publication.
    outbox_confirm_after_seconds: float = 120.0
    outbox_confirm_window_hours: float = 24.0
    event_max_tries: int = 6
    event_retry_base_seconds: float = 1.0
    # A running job whose worker has not beaten its heart for this long is taken back by the sweep.
    job_stale_seconds: float = 60.0
    load_demo_data: bool = True

    def logs_as_json(self, *, interactive: bool) -> bool:
        """JSON lines for production processes; readable console lines for a person running the demo."""
        if self.log_json is not None:
            return self.log_json
        return not (interactive and self.mode == Mode.EMBEDDED)

    def production_problems(self) -> list[str]:
        """What stops this configuration from running in production mode."""
        problems: list[str] = []
        if not self.redis_url:
            problems.append("FANGFAN_REDIS_URL is required")
        secrets = {
            "FANGFAN_JWT_SECRET": (self.jwt_secret, DEV_JWT_SECRET),
            "FANGFAN_FIELD_ENCRYPTION_KEY": (self.field_encryption_key, DEV_FIELD_KEY),
            "FANGFAN_BLIND_INDEX_KEY": (self.blind_index_key, DEV_BLIND_INDEX_KEY),
        }
        for name, (value, default) in secrets.items():
            secret = value.get_secret_value()
            if not secret or secret == default:
                problems.append(f"{name} must be set to a secret of the deployment's own")
            elif len(secret) < 32:
                problems.append(f"{name} must be at least 32 characters")
        return problems


class ServiceSettings(BaseSettings):
    """Base of each service's own settings; the subclass sets the ``FANGFAN_<SERVICE>_`` prefix."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    database_url: str | None = None
    database_pool_size: int = 10
    database_echo: bool = False

    def resolved_database_url(self, service: str, platform: PlatformSettings) -> str:
        """The async SQLAlchemy URL: configured, or a SQLite file under the data folder."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{platform.data_dir / f'{service}.db'}"


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the asyncpg driver for them."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain):]
    return url


def service_settings_class(service: str) -> type[ServiceSettings]:
    """The settings class of one service, reading ``FANGFAN_<SERVICE>_*``."""
    config = SettingsConfigDict(env_prefix=f"FANGFAN_{service.upper()}_", env_file=ENV_FILE, extra="ignore")
    return type(f"{service.title()}Settings", (ServiceSettings,), {"model_config": config})


@lru_cache
def get_platform_settings() -> PlatformSettings:
    return PlatformSettings()


def reset_settings_cache() -> None:
    """Forget cached settings (the CLI and tests change the environment)."""
    get_platform_settings.cache_clear()
