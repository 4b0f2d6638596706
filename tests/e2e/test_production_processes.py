"""Production mode for real: `fangfan serve` and `fangfan worker` processes on PostgreSQL and Redis.

The suite starts its own Redis server on a spare port so it can stop and restart it, and its own
databases, and talks to the four API processes over HTTP as a gateway would.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix
from sqlalchemy import func, insert, select

from shared.data.database import Database
from shared.data.platform_tables import InboxRecord, OutboxEvent, ProbeReceipt
from shared.events.contracts.platform import BusProbe
from shared.events.outbox import publish
from shared.events.routing import queue_name
from shared.events.transports import job_id
from shared.runtime.settings import SERVICE_NAMES
from tests.conftest import DISTRICT, drop_database, recreate_database, run_suffix
from tests.e2e.processes import (
    RedisServer,
    answers_ready,
    fangfan_env,
    free_port,
    log_tail,
    stop_processes,
    wait_until,
    wait_until_up,
)

pytestmark = pytest.mark.e2e

SECRETS = {
    "FANGFAN_JWT_SECRET": "e2e-jwt-secret-0123456789abcdef0123456789",
    "FANGFAN_FIELD_ENCRYPTION_KEY": "ZTJlLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=",
    "FANGFAN_BLIND_INDEX_KEY": "e2e-blind-index-key-0123456789abcdef0123",
}


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.redis = RedisServer(tmp)
        self.databases = {name: f"fangfan_e2e_{name}_{run_suffix()}" for name in SERVICE_NAMES}
        self.urls = {name: recreate_database(db) for name, db in self.databases.items()}
        self.ports = {name: free_port() for name in SERVICE_NAMES}
        self.processes: list[subprocess.Popen] = []
        self.logs: dict[str, tuple[subprocess.Popen, Path]] = {}  # what started, by the name a failure gives

    def env(self) -> dict[str, str]:
        env = fangfan_env()
        env.update(SECRETS, FANGFAN_MODE="production", FANGFAN_REDIS_URL=self.redis.url, FANGFAN_LOG_JSON="true",
                   FANGFAN_RELAY_INTERVAL_SECONDS="0.5", FANGFAN_ENV_FILE=str(self.tmp / "none.env"),
                   FANGFAN_OUTBOX_CONFIRM_AFTER_SECONDS="2")
        for name, url in self.urls.items():
            env[f"FANGFAN_{name.upper()}_DATABASE_URL"] = url
        return env

    def fangfan(self, *args: str, log: str) -> subprocess.Popen:
        with open(self.tmp / log, "wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen([sys.executable, "-m", "shared.runtime.cli", *args], env=self.env(),
                                       stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.logs[f"fangfan {' '.join(args[:2])}"] = (process, self.tmp / log)
        return process

    def start(self) -> None:
        self.redis.start()
        migrated = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "migrate"], env=self.env(),
                                  capture_output=True, text=True)
        assert migrated.returncode == 0, f"fangfan migrate failed:\n{migrated.stdout[-3000:]}{migrated.stderr[-3000:]}"
        for name in SERVICE_NAMES:
            self.fangfan("serve", name, "--host", "127.0.0.1", "--port", str(self.ports[name]), log=f"{name}-api.log")
            self.fangfan("worker", name, log=f"{name}-worker.log")
        for name in SERVICE_NAMES:
            process, log = self.logs[f"fangfan serve {name}"]
            wait_until_up(f"fangfan serve {name} (port {self.ports[name]})", process,
                          lambda n=name: self._healthy(n), log=log)
        for label, (process, log) in self.logs.items():  # a worker that died at start-up says so now
            assert process.poll() is None, f"{label} exited with code {process.returncode}:\n{log_tail(log)}"

    def _healthy(self, name: str) -> bool:
        return answers_ready(self.base(name))

    def base(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/{name}"

    def token(self) -> str:
        result = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "token", "--name", "区管理员", "--role",
                                 "district_admin", "--org", DISTRICT], env=self.env(), check=True,
                                capture_output=True, text=True)
        return result.stdout.strip()

    def stop(self) -> None:
        stop_processes(self.processes)
        self.redis.stop()
        for database in self.databases.values():
            drop_database(database)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def receipts(cluster: Cluster, event_id: str) -> dict[str, tuple[int, int]]:
    """Per service: (probe receipts, inbox rows) for the event, read from each service's database."""

    async def count() -> dict[str, tuple[int, int]]:
        found = {}
        for name, url in cluster.urls.items():
            db = Database(url, pool_size=1)
            try:
                async with db.session() as session:
                    got = await session.scalar(select(func.count()).select_from(ProbeReceipt)
                                               .where(ProbeReceipt.event_id == event_id))
                    inbox = await session.scalar(select(func.count()).select_from(InboxRecord)
                                                 .where(InboxRecord.event_id == event_id))
                found[name] = (got, inbox)
            finally:
                await db.dispose()
        return found

    return asyncio.run(count())


def send_probe(cluster: Cluster, origin: str = "intake") -> str:
    response = httpx.post(f"{cluster.base(origin)}/events/probe", headers={"Authorization": f"Bearer {cluster.token()}"},
                          timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["event_id"]


def everyone_once(cluster: Cluster, event_id: str) -> bool:
    return receipts(cluster, event_id) == {name: (1, 1) for name in SERVICE_NAMES}


def wait_until_everyone_once(cluster: Cluster, event_id: str, timeout: float = 60.0) -> None:
    wait_until(lambda: everyone_once(cluster, event_id), timeout, what=f"every service handling {event_id} once")


def test_production_refuses_default_secrets(tmp_path):
    env = fangfan_env(FANGFAN_MODE="production", FANGFAN_ENV_FILE=str(tmp_path / "none.env"))
    result = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "serve", "intake"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 3
    assert "FANGFAN_JWT_SECRET must be set" in result.stderr
    assert "FANGFAN_REDIS_URL is required" in result.stderr


def test_event_is_consumed_once_by_each_service_even_when_delivered_twice(cluster):
    event_id = send_probe(cluster)
    wait_until_everyone_once(cluster, event_id)

    async def enqueue_again() -> None:
        async def envelope() -> dict:
            db = Database(cluster.urls["intake"], pool_size=1)
            try:
                async with db.session() as session:
                    return (await session.get(OutboxEvent, event_id)).envelope
            finally:
                await db.dispose()

        body = await envelope()
        pool = await create_pool(RedisSettings.from_dsn(cluster.redis.url))
        try:
            for name in SERVICE_NAMES:  # a second delivery under a new job id, as after a lost acknowledgement
                await pool.enqueue_job("events.handle", body, _queue_name=queue_name(name))
        finally:
            await pool.aclose()

    asyncio.run(enqueue_again())
    time.sleep(3)
    assert everyone_once(cluster, event_id)


def test_event_committed_while_redis_is_down_arrives_when_it_is_back(cluster):
    cluster.redis.stop()
    try:
        event_id = send_probe(cluster, origin="ledger")  # the commit does not need Redis
        for name in SERVICE_NAMES:  # the APIs serve on: a gateway honouring readiness keeps them
            ready = httpx.get(f"{cluster.base(name)}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert checks["database"] == "ok" and checks["redis"].startswith("error"), checks
        assert 'fangfan_redis_up{service="ledger"} 0.0' in httpx.get(f"{cluster.base('ledger')}/metrics",
                                                                       timeout=10).text
        time.sleep(2)
        assert receipts(cluster, event_id) == {name: (0, 0) for name in SERVICE_NAMES}
    finally:
        cluster.redis.start()
    wait_until_everyone_once(cluster, event_id, timeout=120)


def test_a_rolled_back_transaction_publishes_nothing(cluster):
    async def roll_back() -> str:
        db = Database(cluster.urls["income"], pool_size=1)
        try:
            with pytest.raises(RuntimeError):
                async with db.transaction() as session:
                    envelope = await publish(session, BusProbe(origin="income", note="rolled back"),
                                             org_code=DISTRICT, source="income")
                    await session.flush()
                    raise RuntimeError("the business step failed after the event was staged")
            return str(envelope.id)
        finally:
            await db.dispose()

    event_id = asyncio.run(roll_back())
    control = send_probe(cluster, origin="income")  # the same path, committed: it must arrive
    wait_until_everyone_once(cluster, control)
    assert receipts(cluster, event_id) == {name: (0, 0) for name in SERVICE_NAMES}


def started(log: Path) -> bool:
    return log.exists() and b'"worker_started"' in log.read_bytes()


def test_an_event_held_by_a_killed_worker_is_handled_within_30_seconds(cluster):
    """SIGKILL a ledger worker in the middle of an event; another ledger worker handles it soon after.

    The test holds the worker inside the handler without slowing production code: it inserts, in a
    transaction left open, the inbox row the handler is about to write, so the handler's own insert
    waits on it.
    """
    consumer = "ledger.platform.record_probe"
    old_worker, _ = cluster.logs["fangfan worker ledger"]

    async def scenario() -> float:
        intake_db, ledger_db = Database(cluster.urls["intake"], pool_size=1), Database(cluster.urls["ledger"],
                                                                                          pool_size=1)
        redis = await create_pool(RedisSettings.from_dsn(cluster.redis.url))
        try:
            async with ledger_db.engine.connect() as blocker:
                await blocker.begin()
                async with intake_db.transaction() as session:
                    envelope = await publish(session, BusProbe(origin="intake", note="held by a worker"),
                                             org_code=DISTRICT, source="intake")
                    await blocker.execute(insert(InboxRecord.__table__).values(
                        event_id=envelope.id, consumer=consumer, event_type=envelope.type))
                held = in_progress_key_prefix + job_id(envelope.id, "ledger")
                await asyncio.to_thread(wait_until, lambda: asyncio.run(_exists(cluster, held)), 60,
                                        what="the ledger worker taking the event")
                # A second ledger worker, up before the first dies, as replicas are.
                log = "ledger-worker-2.log"
                cluster.fangfan("worker", "ledger", log=log)
                await asyncio.to_thread(wait_until, lambda: started(cluster.tmp / log), 120,
                                        what="a second ledger worker starting")
                assert await redis.exists(held), "the first worker, alive, lost its hold on the event"
                old_worker.send_signal(signal.SIGKILL)
                old_worker.wait(timeout=10)
                killed_at = time.monotonic()
                await blocker.rollback()
            await asyncio.to_thread(wait_until_everyone_once, cluster, str(envelope.id), 120)
            return time.monotonic() - killed_at
        finally:
            await redis.aclose()
            await intake_db.dispose()
            await ledger_db.dispose()

    elapsed = asyncio.run(scenario())
    assert elapsed < 30, f"the event of the killed worker was handled {elapsed:.0f} s after the kill"


async def _exists(cluster: Cluster, key: str) -> bool:
    redis = await create_pool(RedisSettings.from_dsn(cluster.redis.url))
    try:
        return bool(await redis.exists(key))
    finally:
        await redis.aclose()


def test_events_published_just_before_redis_lost_its_data_still_arrive_once(cluster):
    """Redis restarts empty after the relay marked events published and before any worker took them."""
    workers = [process for label, (process, _) in cluster.logs.items() if label.startswith("fangfan worker")]

    async def outbox(event_ids: list[str]) -> list[OutboxEvent]:
        db = Database(cluster.urls["intake"], pool_size=1)
        try:
            async with db.session() as session:
                return list(await session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids))))
        finally:
            await db.dispose()

    for worker in workers:  # nobody consumes: the jobs stay in Redis, as in the moment before a crash
        worker.send_signal(signal.SIGSTOP)
    try:
        event_ids = [send_probe(cluster) for _ in range(5)]
        wait_until(lambda: all(row.published_at for row in asyncio.run(outbox(event_ids))), 60,
                   what="the relay marking the events published")
        cluster.redis.stop()  # the test's Redis keeps nothing on disk: it comes back empty
        cluster.redis.start()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGCONT)
    for event_id in event_ids:
        wait_until_everyone_once(cluster, event_id, timeout=120)
    wait_until(lambda: all(row.confirmed_at for row in asyncio.run(outbox(event_ids))), 120,
               what="the outbox confirming every delivery")
    time.sleep(3)  # a confirmed event is not sent again
    assert all(everyone_once(cluster, event_id) for event_id in event_ids)
