"""Visit intake through the real HTTP stack: submitted visits per second, and latency at a steady pace.

On a fresh PostgreSQL database (created, migrated and dropped by this script; loopback only):

1. seeds the demo org units and a few hundred households through the service itself;
2. serves the intake app of the platform's app factory with uvicorn on 127.0.0.1, in a process of
   its own, with one extra route that only this benchmark adds: a baseline that inserts one row
   (a probe receipt) through the same authenticated, scoped Session dependency, committed the same
   way (a probe receipt is a platform table, so it has no audit entry; a visit writes three rows:
   the visit, its audit entry and its event);
3. closed loop, a pool of concurrent clients: baseline inserts per second and visits per second
   (each a full 附件1 form with a new visit id), in short alternating rounds so that noise from
   the rest of a shared machine weighs on both alike, and their ratio (target: at least 1/3);
   also the server processes' CPU time per request of each kind;
4. open loop at a paced 100 requests per second for 10 seconds, first of the baseline (the
   machine's floor), then of visit submissions: p50 and p99 latency (target: visits' p99 under
   100 ms).

``python -m bench intake_visits``; sizes from ``FANGFAN_BENCH_VISITS_SECONDS`` (closed-loop seconds
of each kind, default 8), ``FANGFAN_BENCH_VISITS_CONCURRENCY`` (default 16),
``FANGFAN_BENCH_VISITS_RATE`` (the paced rate, default 100) and ``FANGFAN_BENCH_DATABASE_URL``
(the server to create the database on).

The server is set up as ``fangfan serve`` runs it: its heap frozen before serving, and a database
pool as large as the offered concurrency. The load generator (httpx) runs on the same two cores
and spends about as much CPU per request as the server does on the baseline, so the baseline's
throughput is partly the client's; the CPU-per-request line shows the server's side alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import itertools
import multiprocessing
import os
import socket
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter

from bench._harness import fresh_database
from shared.data.platform_tables import ProbeReceipt

# Module level: FastAPI resolves the route's annotations in this module's namespace.
from shared.runtime.dependencies import AnyRole, Session
from tests.factories.visit_forms import valid_visit_form

ADMIN_URL = os.environ.get("FANGFAN_BENCH_DATABASE_URL") or os.environ.get(
    "FANGFAN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
SECONDS = float(os.environ.get("FANGFAN_BENCH_VISITS_SECONDS", "8"))
ROUNDS = 8
CONCURRENCY = int(os.environ.get("FANGFAN_BENCH_VISITS_CONCURRENCY", "16"))
WORKERS = int(os.environ.get("FANGFAN_BENCH_VISITS_WORKERS", "1"))
PACED_RATE = int(os.environ.get("FANGFAN_BENCH_VISITS_RATE", "100"))
PACED_SECONDS = 10
HOUSEHOLDS = 300
VILLAGE = "500151108201"
TOWNSHIP = "500151108000"
SHANGHAI = ZoneInfo("Asia/Shanghai")


class DiscardTransport:
    """The relay still publishes every outbox row after commit; the envelopes go nowhere."""

    async def send(self, envelope) -> None:
        return None

    async def close(self) -> None:
        return None


def baseline_router() -> APIRouter:
    router = APIRouter(tags=["benchmark"])

    @router.post("/bench/receipts", status_code=201)
    async def insert_receipt(session: Session, principal: AnyRole) -> dict[str, str]:
        row = ProbeReceipt(event_id=uuid.uuid4(), origin="bench", received_by="intake", org_code=principal.org_code)
        session.add(row)
        await session.flush()
        return {"id": str(row.id)}

    return router


def serve(database_url: str, fd: int) -> None:
    """One server process on the shared listening socket: the intake app of the platform's factory, plus the
    baseline route."""
    import uvicorn

    from shared.runtime.app import create_root_app, freeze_heap
    from shared.runtime.definition import load_service
    from shared.runtime.logging import configure_logging
    from shared.runtime.service_runtime import ServiceRuntime
    from shared.runtime.settings import PlatformSettings

    configure_logging("WARNING")
    service = load_service("intake")
    definition = dataclasses.replace(service, routers=[*service.routers, baseline_router()])
    # A pool as large as the offered concurrency (plus the relay's connection), as a deployment would size
    # it: otherwise both endpoints would be measuring connections opened and closed under load.
    # (The pool's size is a setting of the service, read from its environment.)
    os.environ["FANGFAN_INTAKE_DATABASE_POOL_SIZE"] = str(CONCURRENCY + 2)
    runtime = ServiceRuntime(definition, PlatformSettings(_env_file=None), DiscardTransport(),
                             database_url=database_url)
    config = uvicorn.Config(create_root_app([runtime]), log_config=None, access_log=False, log_level="warning")
    freeze_heap()  # as ``fangfan serve`` does
    # Not ``fd=``: uvicorn wraps a bare descriptor as a Unix socket, so asyncio would leave Nagle's algorithm
    # on for the accepted TCP connections and every response would wait ~40 ms for a delayed ACK.
    # ``socket.socket(fileno=...)`` reads the real family (AF_INET) from the descriptor.
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


async def seed(database_url: str) -> list[dict]:
    """Org units and households, written through the service code; returns each household's form skeleton."""
    from services.intake.households.schemas import HouseholdCreate
    from services.intake.households.service import create_household
    from services.intake.org_units.service import load_org_units, read_org_unit_file
    from services.intake.settings import DEMO_ORG_UNITS_FILE
    from shared.data.database import Database
    from shared.runtime.settings import PlatformSettings
    from shared.security.auth import system_principal
    from shared.security.crypto import field_cipher

    db = Database(database_url)
    cipher = field_cipher(PlatformSettings(_env_file=None))
    households = []
    try:
        async with db.transaction(system_principal("bench")) as session:
            await load_org_units(session, rows=read_org_unit_file(DEMO_ORG_UNITS_FILE))
            for n in range(HOUSEHOLDS):
                data = HouseholdCreate.model_validate(household(n))
                created = await create_household(session, data=data, cipher=cipher)
                households.append({"id": str(created.id), "members": [
                    {"member_id": str(m.id), "name": m.name, "relation": m.relation.value,
                     "labour_capacity": m.labour_capacity.value} for m in created.members]})
    finally:
        await db.dispose()
    return households


def id_number(n: int, sex: int) -> str:
    from stdnum.cn import ric

    body = f"500151{1960 + n % 40}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 100:02d}{sex}"
    return body + ric.calc_check_digit(body + "0")


def household(n: int) -> dict:
    return {"org_code": VILLAGE, "household_number": f"B{n:05d}", "household_kinds": ["general"],
            "key_target_groups": ["none"],
            "members": [{"name": "张德明", "relation": "head", "id_number": id_number(n, 1), "labour_capacity": "ordinary"},
                        {"name": "李桂兰", "relation": "spouse", "id_number": id_number(n, 2),
                         "labour_capacity": "ordinary"}]}


def visit_form(skeleton: dict, n: int) -> dict:
    """A complete 附件1 form (home visit with a GPS fix) for one seeded household, with a new visit id."""
    visited_at = datetime(2024, 8, 25, 8, 0, tzinfo=SHANGHAI) + timedelta(seconds=n)
    return valid_visit_form(household_id=skeleton["id"], visited_at=visited_at.isoformat(),
                            members=skeleton["members"])


Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def succeeded(request: Awaitable[httpx.Response]) -> bool:
    """Whether the request got a 200/201; a dropped connection counts as a failure, not a crash."""
    try:
        return (await request).status_code in (200, 201)
    except httpx.HTTPError:
        return False


@dataclasses.dataclass
class Tally:
    """What one kind of request achieved over all of its closed-loop rounds."""

    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # server processes' CPU seconds

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(self.done, 1)


async def closed_loop(client: httpx.AsyncClient, send: Send, seconds: float, tally: Tally,
                      pids: list[int]) -> None:
    """CONCURRENCY clients, each sending as soon as its last answer came, for ``seconds``; adds to ``tally``."""
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        while time.perf_counter() < deadline:
            if await succeeded(send(client, next(counter))):
                tally.done += 1
            else:
                tally.failed += 1

    cpu, started = cpu_seconds(pids), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    tally.seconds += time.perf_counter() - started
    tally.cpu += cpu_seconds(pids) - cpu


async def paced(client: httpx.AsyncClient, send: Send) -> tuple[list[float], int]:
    """Latencies (ms) of requests sent on a fixed schedule, whatever the answers' pace (open loop)."""
    latencies: list[float] = []
    failed = 0

    async def one(n: int) -> None:
        nonlocal failed
        started = time.perf_counter()
        ok = await succeeded(send(client, n))
        latencies.append((time.perf_counter() - started) * 1000)
        failed += not ok

    tasks = []
    # The load generator's own garbage collector is kept out of the clock: one full collection of its heap
    # took 100 to 150 ms and delayed every answer in flight, a pause of the client that read as the server's
    # p99. What it would collect waits until the phase ends.
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for n in range(PACED_RATE * PACED_SECONDS):
            await asyncio.sleep(max(0.0, start + n / PACED_RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    finally:
        gc.enable()
    return latencies, failed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the server processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


async def measure(port: int, households: list[dict], pids: list[int]) -> None:
    from shared.domain.enums import Role
    from shared.runtime.settings import PlatformSettings
    from shared.security.auth import issue_token

    token = issue_token(PlatformSettings(_env_file=None), name="bench", role=Role.TOWN_STAFF, org_code=TOWNSHIP)
    limits = httpx.Limits(max_connections=CONCURRENCY * 4, max_keepalive_connections=CONCURRENCY * 4)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        sequence = itertools.count()  # later visits of a household come later, as in the field

        async def receipt(c: httpx.AsyncClient, _: int) -> httpx.Response:
            return await c.post("/intake/bench/receipts")

        async def visit(c: httpx.AsyncClient, n: int) -> httpx.Response:
            return await c.post("/intake/visits", json=visit_form(households[n % len(households)], next(sequence)))

        await closed_loop(client, receipt, 1.0, Tally(), pids)  # warm both paths: connections, statements
        await closed_loop(client, visit, 1.0, Tally(), pids)
        # Short rounds taking turns, so that a noisy neighbour on a shared machine weighs on both alike.
        baseline, visits = Tally(), Tally()
        for _ in range(ROUNDS):
            await closed_loop(client, receipt, SECONDS / ROUNDS, baseline, pids)
            await closed_loop(client, visit, SECONDS / ROUNDS, visits, pids)
        baseline_latencies, baseline_paced_failed = await paced(client, receipt)
        latencies, paced_failed = await paced(client, visit)
    ratio = visits.rate / baseline.rate if baseline.rate else 0.0
    print(f"{WORKERS} server process(es), {CONCURRENCY} concurrent clients, {SECONDS:g} s of each kind "
          f"in {ROUNDS} alternating rounds")
    print(f"baseline (one-row insert): {baseline.rate:8.1f} req/s  ({baseline.done} ok, {baseline.failed} failed)")
    print(f"visits (附件1 submissions): {visits.rate:8.1f} req/s  ({visits.done} ok, {visits.failed} failed)")
    print(f"ratio visits/baseline:     {ratio:8.3f}   (target >= 1/3: {'met' if ratio >= 1 / 3 else 'not met'})")
    print(f"server CPU per request:    baseline {baseline.cpu_ms:.2f} ms, visit {visits.cpu_ms:.2f} ms "
          f"(ratio {visits.cpu_ms / baseline.cpu_ms if baseline.cpu_ms else 0:.2f})")
    for label, values, failed in (("baseline", baseline_latencies, baseline_paced_failed),
                                  ("visits", latencies, paced_failed)):
        print(f"paced {PACED_RATE} req/s for {PACED_SECONDS} s, {label + ':':9s} {len(values)} sent, {failed} failed, "
              f"p50 {statistics.median(values):6.1f} ms, p99 {percentile(values, 0.99):6.1f} ms, "
              f"max {max(values):6.1f} ms" + (f"   (target p99 < 100 ms: {'met' if percentile(values, 0.99) < 100 else 'not met'})"
                                               if label == "visits" else ""))


def listening_socket() -> socket.socket:
    """A loopback socket the server processes share (the kernel spreads connections over them)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def wait_until_serving(port: int, servers: list[multiprocessing.Process], timeout: float = 60.0, *,
                       service: str = "intake") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not all(server.is_alive() for server in servers):
            raise RuntimeError("a benchmark server exited during startup")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/{service}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start in time")


def main() -> None:
    servers: list[multiprocessing.Process] = []
    with fresh_database(ADMIN_URL, "intake", "intake") as database_url:
        try:
            households = asyncio.run(seed(database_url))
            sock = listening_socket()
            port = sock.getsockname()[1]
            # fork: each server process inherits the listening socket as it is.
            context = multiprocessing.get_context("fork")
            servers = [context.Process(target=serve, args=(database_url, sock.fileno()), daemon=True)
                       for _ in range(WORKERS)]
            for server in servers:
                server.start()
            sock.close()
            wait_until_serving(port, servers)
            asyncio.run(measure(port, households, [server.pid for server in servers]))
        finally:
            for server in servers:
                if server.is_alive():
                    server.terminate()
                    server.join(timeout=20)


if __name__ == "__main__":
    main()
