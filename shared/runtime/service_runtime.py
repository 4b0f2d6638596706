"""One service as it runs in a process: its database, outbox relay, event consumer, jobs and schedule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.data.database import Database
from shared.events.consumer import EventConsumer, Handler
from shared.events.relay import OutboxRelay
from shared.events.routing import queue_name
from shared.events.transports import ArqTransport, Transport
from shared.runtime.definition import ServiceDefinition
from shared.runtime.jobs import JobRunner, untracked_job_id
from shared.runtime.settings import PlatformSettings, service_settings_class


class ServiceRuntime:
    """A service's definition bound to a process: database, relay, consumer and jobs."""

    def __init__(self, definition: ServiceDefinition, platform: PlatformSettings, transport: Transport,
                 *, database_url: str | None = None, runs_jobs: bool = False) -> None:
        # A key that cannot work stops the process here, not as a 500 on the first write.
        platform.require_usable()
        settings = service_settings_class(definition.name)()
        self.definition = definition
        self.platform = platform
        self.transport = transport
        self.db = Database(database_url or settings.resolved_database_url(definition.name, platform),
                           pool_size=settings.database_pool_size, echo=settings.database_echo)
        # Inbox keys name the service: "income.assess_visit", "ledger.platform.record_probe".
        handlers = [Handler(h.event_type, f"{definition.name}.{h.name}", h.func) for h in definition.handlers]
        self.consumer = EventConsumer(definition.name, self.db, handlers, max_tries=platform.event_max_tries,
                                      retry_base_seconds=platform.event_retry_base_seconds)
        self.relay = OutboxRelay(definition.name, self.db, transport, interval=platform.relay_interval_seconds,
                                 batch_size=platform.relay_batch_size,
                                 retention=timedelta(days=platform.outbox_retention_days),
                                 inbox_retention=timedelta(days=platform.inbox_retention_days),
                                 confirm_after=timedelta(seconds=platform.outbox_confirm_after_seconds),
                                 confirm_window=timedelta(hours=platform.outbox_confirm_window_hours))
        self.db.on_events_committed = self.relay.wake
        # Workers and the embedded process claim and run tracked jobs; API replicas only queue them.
        self.runs_jobs = runs_jobs
        self.jobs = JobRunner(self, enqueue_untracked=_arq_enqueue(transport, definition.name))

    @property
    def name(self) -> str:
        return self.definition.name

    async def start(self) -> None:
        for hook in self.definition.on_startup:
            await hook(self)
        self.relay.start()
        self.relay.wake()  # rows a crash or an outage left behind go out now
        if self.runs_jobs:
            self.jobs.start()

    async def stop(self) -> None:
        await self.jobs.stop()
        await self.relay.stop()
        await self.db.dispose()


def _arq_enqueue(transport: Transport, service: str):
    """Per-entity jobs go to the service's arq queue in production; embedded (None) they run at once."""
    if not isinstance(transport, ArqTransport):
        return None

    async def enqueue(name: str, params: dict[str, Any], as_of: date) -> None:
        pool = await transport.pool()
        await pool.enqueue_job(name, params, as_of.isoformat(), _job_id=untracked_job_id(name, params, as_of),
                               _queue_name=queue_name(service))

    return enqueue
