"""Settings: one platform-wide class (mode, Redis, secrets) and one class per service (its database).

Values come from the environment (``FANGFAN_*``, ``FANGFAN_<SERVICE>_*``) or from an env file named by
``FANGFAN_ENV_FILE`` (default ``.env``). With nothing set, the embedded defaults apply: SQLite files
under ``data/``, the in-process event transport and development secrets. ``production`` refuses to
start while any secret is missing or still a development default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = os.environ.get("FANGFAN_ENV_FILE", ".env")

# Development defaults: fine for the embedded demo, refused in production.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWNoYW5nZS1tZS0wMTI="
DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key-change-me"

DEV_SECRETS = frozenset({DEV_JWT_SECRET, DEV_FIELD_KEY, DEV_BLIND_INDEX_KEY})

SERVICE_NAMES = ("intake", "income", "ledger", "alerts")
MIN_SECRET_LENGTH = 32


class RefusedToStart(SystemExit):
    """The configuration cannot work: the process stops before serving, with the reasons and no traceback."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("refusing to start:\n" + "".join(f"  - {problem}\n" for problem in problems))
        self.problems = problems


def field_keys(value: str) -> list[str]:
    """The keys of ``FANGFAN_FIELD_ENCRYPTION_KEY``: comma-separated, blanks ignored; the first encrypts."""
    return [key.strip() for key in value.split(",") if key.strip()]


def is_fernet_key(key: str) -> bool:
    """Whether ``key`` is a usable Fernet key (32 url-safe base64-encoded bytes)."""
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):  # binascii.Error is a ValueError
        return False
    return True


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class _KnownSettings(BaseSettings):
    """Settings that ignore the environment's variables of others, but refuse a keyword they do not have.

    ``extra="ignore"`` is right for the environment (one ``FANGFAN_`` namespace holds every service's
    variables), but it would also drop a misspelt or misplaced keyword in code without a word.
    """

    def __init__(self, **values: Any) -> None:
        unknown = sorted(key for key in values if not key.startswith("_") and key not in type(self).model_fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no setting {', '.join(unknown)}")
        super().__init__(**values)


class PlatformSettings(_KnownSettings):
    """What every service of one deployment shares."""

    model_config = SettingsConfigDict(env_prefix="FANGFAN_", env_file=ENV_FILE, extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    redis_url: str | None = None
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "fangfan"
    jwt_ttl_minutes: int = 8 * 60
    # The longest a token may live (exp - iat); a longer one is refused at the door and not issued.
    jwt_max_lifetime_minutes: int = Field(default=24 * 60, gt=0)
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
    # Origins (scheme://host[:port], comma-separated) whose browser pages may call the API; none by default.
    cors_origins: str = ""

    def allowed_origins(self) -> list[str]:
        """FANGFAN_CORS_ORIGINS as a list (``*`` allows any origin)."""
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    def logs_as_json(self, *, interactive: bool) -> bool:
        """JSON lines for production processes; readable console lines for a person running the demo."""
        if self.log_json is not None:
            return self.log_json
        return not (interactive and self.mode == Mode.EMBEDDED)

    @property
    def jwt_max_lifetime(self) -> timedelta:
        return timedelta(minutes=self.jwt_max_lifetime_minutes)

    def configuration_problems(self) -> list[str]:
        """What stops this configuration from working in any mode: secrets the code cannot use."""
        problems: list[str] = []
        keys = field_keys(self.field_encryption_key.get_secret_value())
        if not keys:
            problems.append("FANGFAN_FIELD_ENCRYPTION_KEY is empty")
        for position, key in enumerate(keys, start=1):
            if not is_fernet_key(key):
                problems.append(f"FANGFAN_FIELD_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet key "
                                "(32 url-safe base64-encoded bytes; generate one with "
                                "cryptography.fernet.Fernet.generate_key())")
        for name, secret in (("FANGFAN_JWT_SECRET", self.jwt_secret), ("FANGFAN_BLIND_INDEX_KEY", self.blind_index_key)):
            if not secret.get_secret_value().strip():
                problems.append(f"{name} is empty")
        return problems

    def require_usable(self) -> None:
        """Refuse to start (``RefusedToStart``) when a secret cannot work, whatever the mode."""
        problems = self.configuration_problems()
        if problems:
            raise RefusedToStart(problems)

    def production_problems(self) -> list[str]:
        """What stops this configuration from running in production mode.

        Secrets are checked as the code reads them (each field key of the comma-separated list,
        blanks around it ignored): every one usable, none a development default, and no secret
        shared between the JWT signature, field encryption and the blind index.
        """
        problems = self.configuration_problems()
        if not self.redis_url:
            problems.append("FANGFAN_REDIS_URL is required")
        secrets = {
            "FANGFAN_JWT_SECRET": [self.jwt_secret.get_secret_value()],
            "FANGFAN_FIELD_ENCRYPTION_KEY": field_keys(self.field_encryption_key.get_secret_value()),
            "FANGFAN_BLIND_INDEX_KEY": [self.blind_index_key.get_secret_value()],
        }
        owner: dict[str, str] = {}
        for name, values in secrets.items():
            if not values or any(value.strip() in DEV_SECRETS for value in values):
                problems.append(f"{name} must be set to a secret of the deployment's own, not a development default")
            elif any(len(value.strip()) < MIN_SECRET_LENGTH for value in values):
                problems.append(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
            for value in values:
                other = owner.setdefault(value.strip(), name)
                if other != name:
                    problems.append(f"{other} and {name} must be different secrets")
        return problems


class ServiceSettings(_KnownSettings):
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
