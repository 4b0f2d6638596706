"""What a service is made of, and the runtime that gives it a database, a relay and a consumer."""

from __future__ import annotations

import importlib
from datetime import timedelta
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter

from shared.db import Database
from shared.events.consumer import EventConsumer, Handler
from shared.events.relay import OutboxRelay
from shared.events.transports import Transport
from shared.settings import SERVICE_NAMES, PlatformSettings, service_settings_class

RuntimeHook = Callable[["ServiceRuntime"], Awaitable[None]]


@dataclass
class ServiceDefinition:
    """A service's parts: routers, event handlers, migrations, scheduled jobs and demo data."""

    name: str
    title: str
    description: str
    routers: list[APIRouter]
    handlers: list[Handler]
    versions_dir: Path
    cron_jobs: list = field(default_factory=list)
    on_startup: list[RuntimeHook] = field(default_factory=list)
    demo_data: RuntimeHook | None = None


def load_service(name: str) -> ServiceDefinition:
    """The definition of ``services.<name>`` (imported on demand: shared never imports services)."""
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"services.{name}.service").service


class ServiceRuntime:
    """One service as it runs in a process: its database, outbox relay and event consumer."""

    def __init__(self, definition: ServiceDefinition, platform: PlatformSettings, transport: Transport,
                 *, database_url: str | None = None) -> None:
        from shared.platform_api import platform_handlers

        settings = service_settings_class(definition.name)()
        self.definition = definition
        self.platform = platform
        self.transport = transport
        self.db = Database(database_url or settings.resolved_database_url(definition.name, platform),
                           pool_size=settings.database_pool_size, echo=settings.database_echo)
        self.consumer = EventConsumer(definition.name, self.db, [*definition.handlers, *platform_handlers(definition.name)],
                                      max_tries=platform.event_max_tries,
                                      retry_base_seconds=platform.event_retry_base_seconds)
        self.relay = OutboxRelay(definition.name, self.db, transport, interval=platform.relay_interval_seconds,
                                 batch_size=platform.relay_batch_size,
                                 retention=timedelta(days=platform.outbox_retention_days),
                                 inbox_retention=timedelta(days=platform.inbox_retention_days))
        self.db.on_events_committed = self.relay.wake

    @property
    def name(self) -> str:
        return self.definition.name

    async def start(self) -> None:
        for hook in self.definition.on_startup:
            await hook(self)
        self.relay.start()
        self.relay.wake()  # rows a crash or an outage left behind go out now

    async def stop(self) -> None:
        await self.relay.stop()
        await self.db.dispose()
