"""How envelopes travel: arq over Redis in production, straight to in-process consumers when embedded."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix, result_key_prefix

from shared.events.envelope import Envelope
from shared.events.routing import consumers_of, queue_name

if TYPE_CHECKING:
    from shared.events.consumer import EventConsumer

log = structlog.get_logger(__name__)

HANDLE_JOB = "events.handle"


class TransportUnavailable(Exception):
    """The transport cannot take events now; the outbox keeps them and the relay tries again."""


class Transport(Protocol):
    async def send(self, envelope: Envelope) -> None: ...

    async def confirm(self, envelopes: Sequence[Envelope]) -> tuple[set[uuid.UUID], int]: ...

    async def close(self) -> None: ...


def job_id(envelope_id: object, consumer_service: str) -> str:
    """One arq job per (event, consuming service): a second enqueue of the same pair is a no-op."""
    return f"event:{envelope_id}:{consumer_service}"


def _unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says Redis cannot be reached (redis-py raises its own ConnectionError/TimeoutError family)."""
    return isinstance(exc, (OSError, ConnectionError, asyncio.TimeoutError)) or type(exc).__module__.startswith("redis")


class ArqTransport:
    """Enqueues one ``events.handle`` job per consuming service on that service's queue."""

    def __init__(self, redis_url: str) -> None:
        self.redis_settings = RedisSettings.from_dsn(redis_url)
        self.redis_settings.conn_timeout = 2
        self.redis_settings.conn_retries = 0
        self._pool: ArqRedis | None = None

    async def pool(self) -> ArqRedis:
        if self._pool is None:
            self._pool = await create_pool(self.redis_settings)
        return self._pool

    async def send(self, envelope: Envelope) -> None:
        try:
            pool = await self.pool()
            for service in consumers_of(envelope.type):
                await pool.enqueue_job(HANDLE_JOB, envelope.model_dump(mode="json"),
                                       _job_id=job_id(envelope.id, service), _queue_name=queue_name(service))
        except Exception as exc:
            if not _unreachable(exc):
                raise
            await self._reset()
            raise TransportUnavailable(str(exc) or type(exc).__name__) from exc

    async def confirm(self, envelopes: Sequence[Envelope]) -> tuple[set[uuid.UUID], int]:
        """Which of these published envelopes every consumer has handled, and how many deliveries were sent again.

        A consumer has handled an event when arq keeps the result of its job (an hour); the job is still
        on its way while arq keeps the job itself (queued, running or waiting for a retry). A job with
        neither was lost with Redis's data, and is enqueued again under its own id.
        """
        pairs = [(envelope, service) for envelope in envelopes for service in consumers_of(envelope.type)]
        try:
            pool = await self.pool()
            async with pool.pipeline(transaction=False) as pipe:
                for envelope, service in pairs:
                    pipe.exists(result_key_prefix + job_id(envelope.id, service))
                    pipe.exists(job_key_prefix + job_id(envelope.id, service))
                found = await pipe.execute()
            handled, lost = {envelope.id for envelope in envelopes}, 0
            for (envelope, service), has_result, has_job in zip(pairs, found[::2], found[1::2], strict=True):
                if has_result:
                    continue
                handled.discard(envelope.id)
                if not has_job:
                    await pool.enqueue_job(HANDLE_JOB, envelope.model_dump(mode="json"),
                                           _job_id=job_id(envelope.id, service), _queue_name=queue_name(service))
                    lost += 1
            return handled, lost
        except Exception as exc:
            if not _unreachable(exc):
                raise
            await self._reset()
            raise TransportUnavailable(str(exc) or type(exc).__name__) from exc

    async def ping(self) -> None:
        pool = await self.pool()
        await pool.ping()

    async def _reset(self) -> None:
        if self._pool is not None:
            try:
                await self._pool.aclose()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass
            self._pool = None

    async def close(self) -> None:
        await self._reset()


class InProcessTransport:
    """The embedded transport: hands each envelope to the consumers living in this process."""

    def __init__(self, *, deferred: bool = False) -> None:
        # deferred: hold deliveries until join() (tests run each step in order on one connection).
        self.deferred = deferred
        self.consumers: dict[str, EventConsumer] = {}
        self._tasks: set[asyncio.Task] = set()
        self._pending: list[tuple[EventConsumer, Envelope]] = []

    def register(self, consumer: EventConsumer) -> None:
        self.consumers[consumer.service] = consumer

    async def send(self, envelope: Envelope) -> None:
        for service in consumers_of(envelope.type):
            consumer = self.consumers.get(service)
            if consumer is None:
                log.warning("no_consumer_in_process", service=service, event_type=envelope.type)
                continue
            if self.deferred:
                self._pending.append((consumer, envelope))
                continue
            task = asyncio.create_task(consumer.deliver_with_retries(envelope))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def confirm(self, envelopes: Sequence[Envelope]) -> tuple[set[uuid.UUID], int]:
        """In process there is no store to lose: an envelope handed over is delivered (or the process died with it)."""
        return {envelope.id for envelope in envelopes}, 0

    async def join(self) -> None:
        """Wait until every delivery handed out so far has finished (deferred ones run now, in order)."""
        while self._pending:
            consumer, envelope = self._pending.pop(0)
            await consumer.deliver_with_retries(envelope)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.join()
