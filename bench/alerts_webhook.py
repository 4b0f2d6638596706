"""Department warnings through the signed webhook: warnings stored per second beside the baseline insert.

On a fresh PostgreSQL database (created, migrated and dropped by this script; loopback only):

1. registers one department through the service (its signing secret);
2. serves the alerts app of the platform's app factory with uvicorn on 127.0.0.1, in a process of its
   own, with one extra route only this benchmark adds: the baseline that inserts one row (a probe
   receipt) through the same authenticated, scoped Session dependency (as ``bench/intake_visits.py``);
3. closed loop, a pool of concurrent clients, in short alternating rounds: baseline inserts per
   second; webhook requests of one warning each (signature checked, message id recorded, the
   warning stored with its ID number encrypted and blind-indexed, its ``warning.received`` event
   written); and requests of a batch of 50 warnings, counted in warnings per second. Each ratio is
   given against the baseline of the same run.

``python -m bench alerts_webhook``; ``FANGFAN_BENCH_WEBHOOK_SECONDS`` (closed-loop seconds of each kind,
default 8), ``FANGFAN_BENCH_WEBHOOK_CONCURRENCY`` (default 16), ``FANGFAN_BENCH_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import multiprocessing
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx

from bench._harness import fresh_database
from bench.intake_visits import (
    DiscardTransport,
    baseline_router,
    cpu_seconds,
    listening_socket,
    wait_until_serving,
)

ADMIN_URL = os.environ.get("FANGFAN_BENCH_DATABASE_URL") or os.environ.get(
    "FANGFAN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
SECONDS = float(os.environ.get("FANGFAN_BENCH_WEBHOOK_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("FANGFAN_BENCH_WEBHOOK_CONCURRENCY", "16"))
ROUNDS = 8
BATCH = 50
DISTRICT = "500151000000"
DEPARTMENT = "ybj-bench"


def serve(database_url: str, fd: int) -> None:
    """The server process: the alerts app of the platform's factory, plus the baseline route."""
    import uvicorn

    from shared.runtime.app import create_root_app, freeze_heap
    from shared.runtime.definition import load_service
    from shared.runtime.logging import configure_logging
    from shared.runtime.service_runtime import ServiceRuntime
    from shared.runtime.settings import PlatformSettings

    configure_logging("WARNING")
    service = load_service("alerts")
    definition = dataclasses.replace(service, routers=[*service.routers, baseline_router()])
    # A pool as large as the offered concurrency; its size is a setting of the service, read from its environment.
    os.environ["FANGFAN_ALERTS_DATABASE_POOL_SIZE"] = str(CONCURRENCY + 2)
    runtime = ServiceRuntime(definition, PlatformSettings(_env_file=None), DiscardTransport(),
                             database_url=database_url)
    config = uvicorn.Config(create_root_app([runtime]), log_config=None, access_log=False, log_level="warning")
    freeze_heap()
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


async def seed(database_url: str) -> str:
    """Register the department through the service; returns its signing secret."""
    from services.alerts.departments.schemas import DepartmentCreate
    from services.alerts.departments.service import register
    from shared.data.database import Database
    from shared.domain.enums import Role
    from shared.runtime.settings import PlatformSettings
    from shared.security.auth import Principal
    from shared.security.crypto import field_cipher

    db = Database(database_url)
    admin = Principal(user_id="bench-admin", name="bench", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
    try:
        async with db.transaction(admin) as session:
            issued = await register(session, principal=admin, cipher=field_cipher(PlatformSettings(_env_file=None)),
                                    data=DepartmentCreate(code=DEPARTMENT, name="铜梁区医疗保障局"))
        return issued.secret
    finally:
        await db.dispose()


def id_number(n: int) -> str:
    from stdnum.cn import ric

    body = f"500151{1950 + n % 50}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def warning(n: int) -> dict:
    return {"id": f"YB-{uuid.uuid4().hex[:16]}", "signal_type": "high_medical_cost", "id_number": id_number(n),
            "occurred_on": "2024-09-20", "details": "住院自付 4.2 万元"}


Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def succeeded(request: Awaitable[httpx.Response]) -> bool:
    """A 201 (baseline) or 202 (webhook) counts; a dropped connection is a failure, not a crash."""
    try:
        return (await request).status_code in (201, 202)
    except httpx.HTTPError:
        return False


@dataclasses.dataclass
class Tally:
    requests: int = 0
    items: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(self.items, 1)


async def closed_loop(client: httpx.AsyncClient, send: Send, per_request: int, seconds: float, tally: Tally,
                      pids: list[int]) -> None:
    deadline, counter = time.perf_counter() + seconds, itertools.count()

    async def worker() -> None:
        while time.perf_counter() < deadline:
            if await succeeded(send(client, next(counter))):
                tally.requests, tally.items = tally.requests + 1, tally.items + per_request
            else:
                tally.failed += 1

    cpu, started = cpu_seconds(pids), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    tally.seconds += time.perf_counter() - started
    tally.cpu += cpu_seconds(pids) - cpu


async def measure(port: int, secret: str, pids: list[int]) -> None:
    from services.alerts.webhooks.signatures import signed_headers
    from shared.domain.clock import clock
    from shared.domain.enums import Role
    from shared.runtime.settings import PlatformSettings
    from shared.security.auth import issue_token

    token = issue_token(PlatformSettings(_env_file=None), name="bench", role=Role.DISTRICT_ADMIN, org_code=DISTRICT)
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=CONCURRENCY * 4, max_keepalive_connections=CONCURRENCY * 4)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        bearer = {"Authorization": f"Bearer {token}"}

        async def receipt(c: httpx.AsyncClient, _: int) -> httpx.Response:
            return await c.post("/alerts/bench/receipts", headers=bearer)

        def signed(body: object):
            text = json.dumps(body, ensure_ascii=False)
            headers = signed_headers(secret, message_id=f"msg_{uuid.uuid4().hex}", timestamp=clock.now(), body=text)
            return text.encode("utf-8"), headers | {"content-type": "application/json"}

        async def one(c: httpx.AsyncClient, _: int) -> httpx.Response:
            content, headers = signed(warning(next(numbers)))
            return await c.post("/alerts/webhooks/department-warnings", params={"department": DEPARTMENT},
                                content=content, headers=headers)

        async def batch(c: httpx.AsyncClient, _: int) -> httpx.Response:
            content, headers = signed({"warnings": [warning(next(numbers)) for _ in range(BATCH)]})
            return await c.post("/alerts/webhooks/department-warnings", params={"department": DEPARTMENT},
                                content=content, headers=headers)

        for send, size in ((receipt, 1), (one, 1), (batch, BATCH)):  # warm every path
            await closed_loop(client, send, size, 1.0, Tally(), pids)
        baseline, singles, batches = Tally(), Tally(), Tally()
        for _ in range(ROUNDS):
            await closed_loop(client, receipt, 1, SECONDS / ROUNDS, baseline, pids)
            await closed_loop(client, one, 1, SECONDS / ROUNDS, singles, pids)
            await closed_loop(client, batch, BATCH, SECONDS / ROUNDS, batches, pids)
    print(f"{CONCURRENCY} concurrent clients, {SECONDS:g} s of each kind in {ROUNDS} alternating rounds")
    print(f"{'':34} {'per s':>8} {'ok':>7} {'failed':>6} {'× baseline':>10} {'server CPU ms':>13}")
    for label, tally in (("baseline inserts", baseline), ("warnings, one per request", singles),
                         (f"warnings, {BATCH} per request", batches)):
        ratio = tally.rate() / baseline.rate() if baseline.rate() else 0.0
        print(f"{label:34} {tally.rate():>8.1f} {tally.items:>7} {tally.failed:>6} {ratio:>10.2f} "
              f"{tally.cpu_ms():>13.2f}")


def main() -> None:
    server: multiprocessing.Process | None = None
    with fresh_database(ADMIN_URL, "alerts", "alerts_webhook") as database_url:
        try:
            secret = asyncio.run(seed(database_url))
            sock = listening_socket()
            port = sock.getsockname()[1]
            server = multiprocessing.get_context("fork").Process(target=serve, args=(database_url, sock.fileno()),
                                                                 daemon=True)
            server.start()
            sock.close()
            wait_until_serving(port, [server], service="alerts")
            asyncio.run(measure(port, secret, [server.pid]))
        finally:
            if server is not None and server.is_alive():
                server.terminate()
                server.join(timeout=20)


if __name__ == "__main__":
    main()
