"""Assembling processes: the embedded all-in-one, a single production service, and operator tasks."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import select

from shared.data.platform_tables import FailedEvent
from shared.domain.clock import clock
from shared.events.transports import ArqTransport, InProcessTransport, Transport
from shared.runtime.app import create_root_app
from shared.runtime.definition import load_service
from shared.runtime.jobs import JobContext, Scheduler
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import (
    SERVICE_NAMES,
    PlatformSettings,
    service_settings_class,
)

log = structlog.get_logger(__name__)


def database_url(service: str, platform: PlatformSettings) -> str:
    return service_settings_class(service)().resolved_database_url(service, platform)


def migrate_all(platform: PlatformSettings, services: Iterable[str] = SERVICE_NAMES) -> list[tuple[str, str]]:
    """Upgrade each service database to its heads; returns (service, url) pairs."""
    from shared.data.migrations import upgrade

    done = []
    for name in services:
        url = database_url(name, platform)
        upgrade(load_service(name).versions_dir, url)
        done.append((name, url))
    return done


def make_transport(platform: PlatformSettings) -> Transport:
    return ArqTransport(platform.redis_url) if platform.redis_url else InProcessTransport()


def build_runtimes(platform: PlatformSettings, transport: Transport, services: Iterable[str] = SERVICE_NAMES,
                   *, runs_jobs: bool = False) -> list[ServiceRuntime]:
    runtimes = [ServiceRuntime(load_service(name), platform, transport, runs_jobs=runs_jobs) for name in services]
    if isinstance(transport, InProcessTransport):
        for runtime in runtimes:
            transport.register(runtime.consumer)
    return runtimes


def create_embedded_app(platform: PlatformSettings, *, load_demo: bool = True) -> FastAPI:
    """All four services in one process: migrated SQLite files, in-process events, demo data.

    Events always travel in process here, even when Redis is configured: no separate workers run. The
    process also runs the jobs and the schedules a worker would.
    """
    migrate_all(platform)
    transport = InProcessTransport()
    runtimes = build_runtimes(platform, transport, runs_jobs=True)
    scheduler = Scheduler([runtime.jobs for runtime in runtimes])

    async def start() -> None:
        for runtime in runtimes:
            # One process runs every job here: a job still "running" was cut off when it last stopped.
            await runtime.jobs.sweep(stale_after=timedelta(0))
        if load_demo:
            for runtime in runtimes:
                for load in runtime.definition.demo_data:
                    await load(runtime)
        scheduler.start()

    async def close_transport() -> None:
        await transport.close()

    return create_root_app(runtimes, extra_startup=start, before_shutdown=scheduler.stop,
                           extra_shutdown=close_transport)


def create_single_service_app(service: str, platform: PlatformSettings) -> FastAPI:
    """One service's API under its own prefix, as the gateway routes to it in production."""
    transport = make_transport(platform)
    runtimes = build_runtimes(platform, transport, [service])

    async def close_transport() -> None:
        await transport.close()

    return create_root_app(runtimes, extra_shutdown=close_transport)


async def list_failed_events(platform: PlatformSettings) -> list[dict]:
    failures: list[dict] = []
    for name in SERVICE_NAMES:
        runtime = ServiceRuntime(load_service(name), platform, InProcessTransport())
        try:
            async with runtime.db.session() as session:
                rows = (await session.execute(
                    select(FailedEvent).where(FailedEvent.replayed_at.is_(None)).order_by(FailedEvent.failed_at)
                )).scalars().all()
            failures += [{"service": name, **row.model_dump(exclude={"envelope"})} for row in rows]
        finally:
            await runtime.db.dispose()
    return failures


async def replay_failed_event(platform: PlatformSettings, failure_id: str) -> tuple[str, str]:
    """Find the failure in whichever service holds it and replay it there; returns (service, outcome)."""
    try:
        key = uuid.UUID(failure_id)
    except ValueError as exc:
        raise LookupError(f"{failure_id!r} is not a failure id") from exc
    transport = make_transport(platform)
    try:
        for name in SERVICE_NAMES:
            runtime = ServiceRuntime(load_service(name), platform, transport)
            try:
                async with runtime.db.session() as session:
                    if await session.get(FailedEvent, key) is None:
                        continue
                outcome = await runtime.consumer.replay(key)
                await runtime.relay.drain()  # events the replayed handler wrote leave now
                if isinstance(transport, InProcessTransport):
                    await asyncio.sleep(0)
                return name, outcome.value
            finally:
                await runtime.db.dispose()
    finally:
        await transport.close()
    raise LookupError(f"no failed event {failure_id} in any service")


async def run_job_now(platform: PlatformSettings, name: str, params: dict, *, as_of=None,
                      services: Iterable[str] = SERVICE_NAMES) -> dict[str, object]:
    """An operator's run of one job or scheduled job, here and now, with the clock set to ``as_of``.

    A platform job runs in every service that has it (or in ``services``). Per-entity work a scheduled
    job fans out runs in this process too, so the command returns when everything is done. Returns
    what the job returned, by service.
    """
    owners = [service for service in services
              if any(spec.name == name for spec in [*load_service(service).jobs, *load_service(service).crons])]
    if not owners:
        raise LookupError(f"no job or scheduled job is named {name!r}; see 'fangfan jobs list'")
    moment = datetime.combine(as_of, clock.now().timetz()) if as_of is not None else clock.now()
    results: dict[str, object] = {}
    with clock.frozen(moment) if as_of is not None else contextlib.nullcontext():
        for owner in owners:
            transport = InProcessTransport()
            runtime = ServiceRuntime(load_service(owner), platform, transport)
            transport.register(runtime.consumer)
            try:
                spec = runtime.definition.job(name)
                results[owner] = await spec.func(JobContext(runtime, as_of=moment.date()), **params)
                await runtime.relay.drain()  # events the job wrote leave now
                await transport.join()
            finally:
                await runtime.db.dispose()
    return results
