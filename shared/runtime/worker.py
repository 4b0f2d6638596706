"""The arq worker of one service: consumes its queue, runs its outbox relay and its scheduled jobs."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import date, datetime
from typing import Any

import structlog
from arq import Retry
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix
from arq.cron import cron
from arq.worker import Worker, func

from shared.domain.clock import SHANGHAI
from shared.events.consumer import Outcome, backoff_seconds
from shared.events.envelope import Envelope
from shared.events.routing import queue_name
from shared.events.transports import HANDLE_JOB, ArqTransport
from shared.runtime.definition import load_service
from shared.runtime.jobs import cron_fields
from shared.runtime.metrics import EVENTS_CONSUMED
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import PlatformSettings
from shared.runtime.tasks import CronSpec, JobSpec

log = structlog.get_logger(__name__)

# A job's in-progress key tells the other workers that a live worker holds the job. arq sets it for the
# longest job timeout of the worker plus ten seconds (310 s), so the events held by a killed worker
# waited five minutes. Here it lives IN_PROGRESS_TTL_SECONDS and the holding worker renews it every
# IN_PROGRESS_RENEW_SECONDS while the job runs: a dead worker's jobs are taken up by another within
# about 20 s, and a long job of a live worker keeps its hold however long it runs.
IN_PROGRESS_TTL_SECONDS = 20.0
IN_PROGRESS_RENEW_SECONDS = 5.0
# arq's limit of tries of one event's job: with the backoff capped at five minutes, about three days of a
# database away. The consumer itself fails an event after FANGFAN_EVENT_MAX_TRIES tries of any other kind.
EVENT_JOB_MAX_TRIES = 1000
# How long a worker restarting after a lost Redis waits for its running jobs before it cancels them.
CLOSE_TIMEOUT_SECONDS = 15.0


class FangfanWorker(Worker):
    """arq's worker, holding its running jobs only as long as it shows it is alive."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.in_progress_timeout_s = IN_PROGRESS_TTL_SECONDS

    async def main(self) -> None:
        renewal = asyncio.create_task(self._renew_holds(), name=f"in-progress-renewal-{self.queue_name}")
        try:
            await super().main()
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _renew_holds(self) -> None:
        """Extend the in-progress key of every job this worker runs; its own task, so no job can starve it."""
        ttl_ms = int(self.in_progress_timeout_s * 1000)
        while True:
            await asyncio.sleep(IN_PROGRESS_RENEW_SECONDS)
            running = [job_id for job_id, task in list(self.tasks.items()) if not task.done()]
            if not running or self._pool is None:
                continue
            try:
                async with self.pool.pipeline(transaction=False) as pipe:
                    for job_id in running:
                        pipe.pexpire(in_progress_key_prefix + job_id, ttl_ms)  # a finished job's key is gone
                    await pipe.execute()
            except Exception as exc:  # noqa: BLE001 - Redis away: the worker itself restarts when it notices
                log.warning("in_progress_renewal_failed", queue=self.queue_name, error=str(exc))


async def handle_event(ctx: dict[str, Any], envelope: dict[str, Any]) -> str:
    """arq job ``events.handle``: deliver one envelope to this service's consumers."""
    runtime: ServiceRuntime = ctx["runtime"]
    attempt = ctx.get("job_try", 1)
    outcome = await runtime.consumer.deliver(Envelope.model_validate(envelope), attempt=attempt)
    EVENTS_CONSUMED.labels(runtime.name, envelope.get("type", "?"), outcome.value).inc()
    if outcome == Outcome.RETRY:
        # Only Retry makes arq try again; the consumer has decided this failure is transient.
        raise Retry(defer=backoff_seconds(attempt, runtime.platform.event_retry_base_seconds))
    return outcome.value


def _job_function(spec: JobSpec):
    """An arq function running one per-entity job of this service."""

    async def run(ctx: dict[str, Any], params: dict[str, Any], as_of: str) -> Any:
        runtime: ServiceRuntime = ctx["runtime"]
        return await runtime.jobs.run_untracked(spec.name, params, as_of=date.fromisoformat(as_of))

    return func(run, name=spec.name, max_tries=3)


def _cron_function(service: str, spec: CronSpec):
    """arq's cron for one scheduled job: each worker fires it; the tick's key lets one of them run it.

    arq names a tick's job after the cron alone, and every service shares one Redis: under the bare
    name of a platform schedule, the first service to enqueue a tick took it from all the others.
    """

    async def fire(ctx: dict[str, Any]) -> str:
        runtime: ServiceRuntime = ctx["runtime"]
        # arq names a cron job's run "<name>:<tick in unix ms>"; that tick is the one every worker agrees on.
        tick_ms = int(str(ctx.get("job_id", "")).rsplit(":", 1)[-1] or 0) or int(time.time() * 1000)
        tick = datetime.fromtimestamp(tick_ms / 1000, tz=SHANGHAI).replace(microsecond=0)
        return await runtime.jobs.fire(spec.name, tick=tick)

    return cron(fire, name=f"{service}.{spec.name}", unique=True, keep_result=3600, **cron_fields(spec))


def worker_settings(service: str, platform: PlatformSettings) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` serving ``service``."""
    if not platform.redis_url:
        raise SystemExit("a worker needs FANGFAN_REDIS_URL")
    definition = load_service(service)

    async def startup(ctx: dict[str, Any]) -> None:
        runtime = ServiceRuntime(definition, platform, ArqTransport(platform.redis_url), runs_jobs=True)
        await runtime.start()
        ctx["runtime"] = runtime
        log.info("worker_started", service=service, queue=queue_name(service))

    async def shutdown(ctx: dict[str, Any]) -> None:
        runtime: ServiceRuntime | None = ctx.get("runtime")
        if runtime is not None:
            await runtime.stop()
            await runtime.transport.close()

    return {
        # The consumer decides when an event has failed (FANGFAN_EVENT_MAX_TRIES, counted by arq's job_try);
        # arq's own limit only bounds the wait for a database that is away, which uses up no tries.
        "functions": [func(handle_event, name=HANDLE_JOB, max_tries=EVENT_JOB_MAX_TRIES),
                      *(_job_function(spec) for spec in definition.jobs if not spec.tracked)],
        "cron_jobs": [_cron_function(service, spec) for spec in definition.crons],
        "timezone": SHANGHAI,
        "queue_name": queue_name(service),
        "redis_settings": RedisSettings.from_dsn(platform.redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": platform.event_max_tries + 1,
        "handle_signals": True,
        "keep_result": 3600,
    }


async def run_worker_until_stopped(service: str, platform: PlatformSettings, *, restart_delay: float = 2.0) -> None:
    """Run the worker; when Redis goes away, wait and start it again instead of dying with it.

    arq's worker stops at the first lost Redis connection. Committed events wait in the outbox and
    queued jobs in Redis, so starting again once Redis answers loses nothing.
    """
    delay = restart_delay
    while True:
        worker = FangfanWorker(**worker_settings(service, platform))
        try:
            await worker.async_run()
            return  # stopped by a signal
        except asyncio.CancelledError:
            return
        except Exception as exc:  # noqa: BLE001 - only the connection kind restarts, the rest re-raise
            if not _is_connection_error(exc):
                raise
            log.warning("worker_lost_redis", service=service, error=str(exc), restart_in=delay)
        finally:
            await _close(worker)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


def _is_connection_error(exc: BaseException) -> bool:
    """A lost Redis connection, also when redis-py reports it as another error raised while handling it.

    A connection lost while arq watches a job's keys comes out as ``WatchError`` ("A ConnectionError
    occurred on while watching one or more keys"), with the connection error as its context.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (ConnectionError, OSError, asyncio.TimeoutError)) or (
                type(seen).__module__.startswith("redis") and "Connection" in type(seen).__name__):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _close(worker: Worker, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
    """Close the worker; when Redis is gone its close fails early, so release the runtime directly.

    arq's close waits for every job the worker runs. A job that cannot finish because it lost Redis
    (seen once in a Redis outage under load: four jobs never ended, and the worker never restarted) is
    cancelled after ``timeout``: its transaction rolls back, its hold on the job expires and the job
    runs again, which the inbox makes harmless.
    """
    try:
        await asyncio.wait_for(worker.close(), timeout)
    except Exception:  # noqa: BLE001 - the connection is already broken, or a job hangs with it
        for task in list(worker.tasks.values()):
            task.cancel()
        if worker.on_shutdown is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.on_shutdown(worker.ctx), timeout)
