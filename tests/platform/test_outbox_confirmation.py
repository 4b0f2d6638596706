"""The relay confirms each published event once every consumer handled it, and sends again what Redis lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import job_key_prefix, result_key_prefix
from sqlalchemy import select

from shared.data.platform_tables import OutboxEvent
from shared.events.contracts.platform import BusProbe
from shared.events.outbox import publish
from shared.events.routing import consumers_of, queue_name
from shared.events.transports import ArqTransport, job_id
from shared.runtime.settings import SERVICE_NAMES
from tests.conftest import DISTRICT, REDIS_URL

pytestmark = pytest.mark.asyncio


async def stage_probe(runtime):
    async with runtime.db.transaction() as session:
        return await publish(session, BusProbe(origin="intake"), org_code=DISTRICT, source="intake")


async def confirmed_at(runtime, event_id):
    async with runtime.db.session() as session:
        return (await session.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id))).confirmed_at


@pytest_asyncio.fixture
async def on_redis(system, monkeypatch):
    """Intake's relay on a real Redis, checking rows as soon as they are published; its keys removed after."""
    relay = system.runtimes["intake"].relay
    transport = ArqTransport(REDIS_URL)
    monkeypatch.setattr(relay, "transport", transport)
    monkeypatch.setattr(relay, "confirm_after", timedelta(0))
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    jobs: list[str] = []
    yield relay, redis, jobs
    for job in jobs:
        await redis.delete(job_key_prefix + job, result_key_prefix + job)
        for service in SERVICE_NAMES:
            await redis.zrem(queue_name(service), job)
    await redis.aclose()
    await transport.close()


async def test_a_published_event_is_sent_again_where_redis_lost_it_and_confirmed_once_handled(system, on_redis):
    relay, redis, jobs = on_redis
    runtime = system.runtimes["intake"]
    envelope = await stage_probe(runtime)
    jobs.extend(job_id(envelope.id, service) for service in consumers_of(envelope.type))
    assert await relay.drain() == 1

    assert await relay.confirm_deliveries() == (0, 0)  # queued and not handled yet: nothing to send again
    for job in jobs:  # Redis restarts empty
        await redis.delete(job_key_prefix + job)
        for service in SERVICE_NAMES:
            await redis.zrem(queue_name(service), job)
    assert await relay.confirm_deliveries() == (0, len(jobs))
    assert all([await redis.exists(job_key_prefix + job) for job in jobs])
    assert await relay.confirm_deliveries() == (0, 0)  # queued again: not sent a third time

    for job in jobs[:-1]:  # every consumer but one handled it (arq keeps the result of a job an hour)
        await redis.set(result_key_prefix + job, b"handled")
    assert await relay.confirm_deliveries() == (0, 0)
    assert await confirmed_at(runtime, envelope.id) is None
    await redis.set(result_key_prefix + jobs[-1], b"handled")
    assert await relay.confirm_deliveries() == (1, 0)
    assert await confirmed_at(runtime, envelope.id) is not None
    assert await relay.confirm_deliveries() == (0, 0)


async def test_an_event_is_left_alone_until_its_consumers_had_time_and_after_the_window(system, on_redis):
    relay, redis, jobs = on_redis
    envelope = await stage_probe(system.runtimes["intake"])
    jobs.extend(job_id(envelope.id, service) for service in consumers_of(envelope.type))
    await relay.drain()
    for job in jobs:
        await redis.delete(job_key_prefix + job)
        for service in SERVICE_NAMES:
            await redis.zrem(queue_name(service), job)

    relay.confirm_after = timedelta(minutes=2)
    assert await relay.confirm_deliveries() == (0, 0)  # published a moment ago
    relay.confirm_after, relay.confirm_window = timedelta(0), timedelta(0)
    assert await relay.confirm_deliveries() == (0, 0)  # outside the window
    assert not any([await redis.exists(job_key_prefix + job) for job in jobs])


async def test_in_process_deliveries_are_confirmed_at_once(system):
    runtime = system.runtimes["intake"]
    runtime.relay.confirm_after = timedelta(0)
    envelope = await stage_probe(runtime)
    await system.settle()
    assert await runtime.relay.confirm_deliveries() == (1, 0)
    assert await confirmed_at(runtime, envelope.id) is not None
