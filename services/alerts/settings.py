"""The alerts service's own settings, read from ``FANGFAN_ALERTS_*`` (or the env file)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from shared.runtime.settings import service_settings_class


class AlertsSettings(service_settings_class("alerts")):
    # Inbound webhooks (Standard Webhooks): how far a message's timestamp may be from the server's clock,
    # how long a rotated-out department secret keeps working, and how many warnings one request may carry.
    webhook_tolerance_seconds: int = Field(default=300, gt=0)
    secret_overlap_hours: float = Field(default=24.0, ge=0)
    webhook_max_batch: int = Field(default=500, gt=0)
    # Warnings of one household and signal received within this many days of the first are grouped with it.
    warning_group_days: int = Field(default=7, ge=0)
    # The household check of a matched warning: due this many Chinese working days after receipt (§6).
    check_working_days: int = Field(default=5, gt=0)
    # The scan: due_soon this many calendar days ahead (the due day counts), overdue reminders no more
    # often than every reminder_interval_hours, and an escalation one level up per escalate_after_days
    # overdue.
    due_soon_days: int = Field(default=2, ge=0)
    reminder_interval_hours: float = Field(default=24.0, gt=0)
    escalate_after_days: int = Field(default=3, gt=0)
    # Outbound deliveries: attempts, exponential backoff from this base, the time one attempt may take.
    delivery_max_attempts: int = Field(default=5, gt=0)
    delivery_backoff_seconds: float = Field(default=30.0, ge=0)
    delivery_timeout_seconds: float = Field(default=5.0, gt=0)
    # Subscriber URLs resolving to private, loopback or link-local addresses are refused (no server-side
    # request forgery) unless their host is listed here, or every such address is allowed.
    subscriber_allowed_hosts: list[str] = []
    subscriber_allow_private_addresses: bool = False


@lru_cache
def get_alerts_settings() -> AlertsSettings:
    return AlertsSettings()


def reset_alerts_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_alerts_settings.cache_clear()
