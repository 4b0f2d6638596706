"""How envelopes travel: arq over Redis in production, straight to in-process consumers when embedded."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

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

    async def close(self) -> None: ...


def job_id(envelope_id: object, consumer_service: str) -> str:
    """One arq job per (event, consuming service): a second enqueue of the same pair is a no-op."""
    return f"event:{envelope_id}:{consumer_service}"


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
        except (OSError, ConnectionError, asyncio.TimeoutError) as exc:
            await self._reset()
            raise TransportUnavailable(str(exc) or type(exc).__name__) from exc
        except Exception as exc:  # redis-py raises its own ConnectionError/TimeoutError family
            if type(exc).__module__.startswith("redis"):
                await self._reset()
                raise TransportUnavailable(str(exc) or type(exc).__name__) from exc
            raise

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

    async def join(self) -> None:
        """Wait until every delivery handed out so far has finished (deferred ones run now, in order)."""
        while self._pending:
            consumer, envelope = self._pending.pop(0)
            await consumer.deliver_with_retries(envelope)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.join()
