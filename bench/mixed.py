"""A realistic mix against the production shape: saturation, then 60 % of it held, per endpoint and end to end.

The shape is the one a deployment runs, on loopback: for each of the four services a ``fangfan serve``
API process and a ``fangfan worker`` process (``FANGFAN_MODE=production``), each service on a
database of its own (created fresh on the PostgreSQL server, migrated by ``fangfan migrate``, and
dropped at the end), all of them on a redis-server this script starts on a free port (the machine's
Redis is not touched).

1. Seeds through the services themselves: households (two members each, spread over the six demo
   villages of one township) registered by ``POST /intake/households``; a department registered by
   ``POST /alerts/departments`` (its signing secret); and a risky visit of some of those households, so
   that the ledger has cases to walk through the procedure from the first second of the load.
2. Finds the saturation throughput: the mix is offered at rising paced rates (each stage
   ``FANGFAN_BENCH_MIXED_STEP_SECONDS``, from ``FANGFAN_BENCH_MIXED_START_RATE`` requests a second,
   times ``FANGFAN_BENCH_MIXED_STEP_FACTOR`` each stage) until a stage fails to keep up: it answers
   fewer than 90 % of what was offered, its p99 passes a second, more than 1 % of its requests fail,
   or the event backlog it leaves (queued jobs plus unpublished outbox rows) is larger than two seconds
   of its own arrivals, that is, the workers fall behind even if the APIs do not. Saturation is the
   best throughput of a stage that kept up. Between stages the backlog drains.
3. Holds 60 % of it for ``FANGFAN_BENCH_MIXED_HOLD_SECONDS`` (default 300), then waits for every event
   to be consumed, and prints: throughput; per endpoint the count, errors and p50/p95/p99; the delay
   from a visit to its suspected problem and to its case; the queue depths sampled every
   ``FANGFAN_BENCH_MIXED_SAMPLE_SECONDS`` (default 5) through the whole run; how long the backlog
   took to drain and whether any event failed; and the targets met or not (no error; p99 under
   200 ms; every event consumed; visit → problem p95 under 2 s).

The mix (``FANGFAN_BENCH_MIXED_WEIGHTS``, e.g. ``visit=35,problems=15``; default below) is a campaign
day as the work plan has it. Village cadres submitting 附件1 visits are the bulk of the writes and of
the load (each visit also feeds income's assessment and the ledger's household view, rules and cases
through events). Town and district staff keep the ledger open: the problem list of a village and the
case list are what they page through most, the township's progress report a few times an hour each.
Departments push warnings as they arise, one per request (a batch is cheaper per warning, see
``bench/alerts_webhook.py``, but a real-time push is the heavier shape). Case steps are recorded as
the procedure goes (six per case, by cadre, township and district), exports are occasional. Of the
visits, 15 % find a risk (a case) and 20 % a member without medical insurance (a problem), more than
a real campaign finds, so that the delays are measured on many visits; incomes are brackets above the
monitoring line, so every case is opened by a visit.

The baseline is ``GET /ledger/campaigns/{id}``: one row read by primary key through the same
authenticated, scoped session dependency as every other route. The processes run the code as it
ships (``fangfan serve``), so a benchmark-only route like ``bench/intake_visits.py``'s one-row insert
cannot be added to them without serving the app in this process instead; this read is the cheapest
authenticated request the shipped routes have, and its figures show what the machine, the
processes and the load generator cost a request before a service does any work of its own.

The load generator is a small httpx asyncio harness, open loop: each request has a time in a paced
schedule and its latency runs from that time, not from when it was sent, so a slow answer delays no
later request and hides no queueing (coordinated omission). It is a few dozen lines around the same
client the other benchmarks use; locust's library mode would add a dependency and gevent to run the
same schedule. The harness itself refuses to start more than ``FANGFAN_BENCH_MIXED_MAX_IN_FLIGHT``
requests at once (default 512); a refusal counts as an error of that request.

Delays are read from the ledger's database after the run: a problem's first piece of evidence names
the visit that raised it (``visit:<id>``) and a visit-opened case's first evidence names its visit, so
the delay is the problem's ``recorded_at`` (the case's ``created_at``) minus the time the visit's 201
reached the client. Visits whose household already had that problem or an open case are not counted
(they add evidence to a row, which keeps no time per piece). Queue depths per service: the jobs
waiting in its arq queue in Redis (events delivered and not yet taken, the inbox's backlog), the rows
of its outbox not yet published, and its failed events.

``python -m bench mixed``; sizes from ``FANGFAN_BENCH_MIXED_HOUSEHOLDS`` (default 2400),
``FANGFAN_BENCH_MIXED_SEED_CASES`` (default 120), ``FANGFAN_BENCH_MIXED_POOL_SIZE`` (each process's
database pool, set as each service's ``FANGFAN_<SERVICE>_DATABASE_POOL_SIZE``; default 10, the
services' own default, with which the README's figures were measured: eight processes may open
twice that each, so lower it on a server whose ``max_connections`` is tight),
``FANGFAN_BENCH_DATABASE_URL`` (the server to create the databases on).
Everything runs on the machine's cores beside the load generator; say so beside any figure.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.processes import (
    RedisServer,
    answers_ready,
    fangfan_env,
    free_port,
    log_tail,
    stop_processes,
    wait_until_up,
)
from tests.factories.visit_forms import valid_guarantees, valid_risk, valid_visit_form

ADMIN_URL = os.environ.get("FANGFAN_BENCH_DATABASE_URL") or os.environ.get(
    "FANGFAN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(f"FANGFAN_BENCH_MIXED_{name}", default))


HOLD_SECONDS = _env_float("HOLD_SECONDS", 300)
STEP_SECONDS = _env_float("STEP_SECONDS", 20)
START_RATE = _env_float("START_RATE", 10)
STEP_FACTOR = _env_float("STEP_FACTOR", 1.3)
MAX_STAGES = int(_env_float("MAX_STAGES", 14))
HOLD_FRACTION = 0.6
SAMPLE_SECONDS = _env_float("SAMPLE_SECONDS", 5)
DRAIN_SECONDS = _env_float("DRAIN_SECONDS", 300)
HOUSEHOLDS = int(_env_float("HOUSEHOLDS", 2400))
SEED_CASES = int(_env_float("SEED_CASES", 120))
POOL_SIZE = int(_env_float("POOL_SIZE", 10))
MAX_IN_FLIGHT = int(_env_float("MAX_IN_FLIGHT", 512))
DEFAULT_WEIGHTS = "visit=35,problems=15,cases=10,progress=5,case_step=10,warning=10,export=3,baseline=12"
WEIGHTS_TEXT = os.environ.get("FANGFAN_BENCH_MIXED_WEIGHTS", DEFAULT_WEIGHTS)
RISKY_SHARE, UNINSURED_SHARE = 0.15, 0.20

SERVICES = ("intake", "income", "ledger", "alerts")
DISTRICT, TOWNSHIP = "500151000000", "500151108000"
VILLAGES = [f"500151108{n}" for n in range(201, 207)]
DEPARTMENT = "ybj-bench"
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_VISIT = datetime(2024, 9, 2, 8, 0, tzinfo=SHANGHAI)
# The identification procedure of a visit-opened case: (transition, days after the visit, role, extra body).
PROCEDURE = [("apply", 1, "village_cadre", {}), ("verify", 2, "village_cadre", {}),
             ("appraise", 3, "village_cadre", {}), ("post_notice", 4, "village_cadre", {}),
             ("township_review", 9, "town_staff", {}),
             ("county_approve", 11, "district_admin", {"monitoring_type": "marginal"})]
EXPECTED = {"visit": 201, "warning": 202}  # every other kind answers 200
TARGET_P99_MS, TARGET_PROBLEM_P95_S = 200.0, 2.0


# -- pure helpers (tested in tests/platform/test_bench_mixed.py) -------------------------------------------


def parse_weights(text: str) -> dict[str, float]:
    """``visit=35,problems=15`` → {"visit": 35.0, …}; unknown kinds and non-positive totals are refused."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name.strip() not in KINDS:
            raise ValueError(f"unknown kind {name.strip()!r} in the weights (known: {', '.join(KINDS)})")
        weights[name.strip()] = float(value)
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    return {k: w for k, w in weights.items() if w > 0}


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``fraction`` of the values do not exceed."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered) - 1e-9)  # the tolerance keeps 0.95 * 20 at 19, not 20
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def schedule(rate: float, seconds: float) -> list[float]:
    """Offsets (seconds from the phase's start) of the requests of a paced phase: ``rate`` a second, evenly."""
    return [n / rate for n in range(int(rate * seconds))]


def kept_up(*, offered: float, achieved: float, p99_ms: float, failed: int, total: int, backlog: int) -> bool:
    """Whether a stage of the saturation search was sustained (see the module's docstring)."""
    return (achieved >= 0.9 * offered and p99_ms <= 1000.0 and failed <= 0.01 * max(total, 1)
            and backlog <= max(50.0, 2 * offered))


KINDS = ("visit", "problems", "cases", "progress", "case_step", "warning", "export", "baseline")


def process_cpu(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core together (Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Cores used between ``start`` and ``stop``: per fangfan process, by the PostgreSQL backends of the run's
    databases, by its Redis, by this load generator, and by the whole machine (the rest is other work)."""

    def __init__(self, pids: dict[str, int], backends: Callable[[], Awaitable[list[int]]]) -> None:
        self.pids, self.backends = pids, backends

    async def start(self) -> None:
        self.began, self.machine = time.monotonic(), machine_cpu()
        self.first, self.first_backends = self._read(), await self._backends()

    async def stop(self) -> str:
        now, backends = self._read(), await self._backends()
        seconds, (busy, total) = time.monotonic() - self.began, machine_cpu()
        used = {label: (now[label] - self.first[label]) / seconds for label in now}
        # A backend that came up meanwhile counts from zero; one that went away is not counted.
        used["postgres"] = sum(cpu - self.first_backends.get(pid, 0.0) for pid, cpu in backends.items()) / seconds
        cores, machine = (total - self.machine[1]) / seconds, (busy - self.machine[0]) / seconds
        self.cores, self.used = cores, used
        top = sorted(used.items(), key=lambda item: -item[1])
        return (f"cores busy {machine:.2f} of {cores:.0f}: " + ", ".join(f"{label} {value:.2f}" for label, value in top)
                + f", other work on the machine {machine - sum(used.values()):.2f}")

    def per_request(self, answered_per_second: float) -> str:
        """The run's own CPU per answered request (after ``stop``), and what the cores could serve at that cost
        if nothing else ran on them: the figure a busy shared machine disturbs least."""
        if not answered_per_second:
            return "no request answered"
        own = sum(self.used.values())
        groups = {"APIs": sum(v for k, v in self.used.items() if k.startswith("api ")),
                  "workers": sum(v for k, v in self.used.items() if k.startswith("worker ")),
                  "postgres": self.used["postgres"], "redis": self.used["redis"],
                  "load generator": self.used["load generator"]}
        return (f"the run's own CPU {own * 1000 / answered_per_second:.1f} ms per answered request ("
                + ", ".join(f"{k} {v * 1000 / answered_per_second:.1f}" for k, v in groups.items())
                + f"): {self.cores:.0f} cores to itself would answer about {self.cores * answered_per_second / own:.0f}"
                " a second")

    def _read(self) -> dict[str, float]:
        return {label: process_cpu(pid) for label, pid in self.pids.items()}

    async def _backends(self) -> dict[int, float]:
        found = {}
        for pid in await self.backends():
            with contextlib.suppress(OSError):
                found[pid] = process_cpu(pid)
        return found


# -- the cluster -----------------------------------------------------------------------------------------


class Cluster:
    """Four APIs and four workers (``fangfan serve`` / ``fangfan worker``) on fresh databases and a Redis of its own."""

    def __init__(self) -> None:
        from cryptography.fernet import Fernet

        self.tmp = Path(tempfile.mkdtemp(prefix="fangfan-bench-mixed-"))
        self.suffix = f"{os.getpid()}"
        self.names = {s: f"fangfan_bench_mixed_{s}_{self.suffix}" for s in SERVICES}
        self.urls: dict[str, str] = {}
        self.ports = {s: free_port() for s in SERVICES}
        self.redis = RedisServer(self.tmp)
        self.processes: dict[str, subprocess.Popen] = {}
        self.secrets = {"FANGFAN_JWT_SECRET": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                        "FANGFAN_FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                        "FANGFAN_BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()}

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def env(self) -> dict[str, str]:
        env = fangfan_env(**self.secrets, FANGFAN_MODE="production", FANGFAN_REDIS_URL=self.redis_url,
                          FANGFAN_LOG_JSON="true", FANGFAN_LOG_LEVEL="WARNING",
                          FANGFAN_ENV_FILE=str(self.tmp / "none.env"))
        for name, url in self.urls.items():
            env[f"FANGFAN_{name.upper()}_DATABASE_URL"] = url
            env[f"FANGFAN_{name.upper()}_DATABASE_POOL_SIZE"] = str(POOL_SIZE)
        return env

    def settings(self):
        from pydantic import SecretStr

        from shared.runtime.settings import PlatformSettings

        return PlatformSettings(_env_file=None, jwt_secret=SecretStr(self.secrets["FANGFAN_JWT_SECRET"]))

    def start(self) -> None:
        from shared.data.pgadmin import recreate_database

        self.urls = {s: recreate_database(ADMIN_URL, name) for s, name in self.names.items()}
        self.redis.start()
        migrated = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "migrate"], env=self.env(),
                                  capture_output=True, text=True)
        if migrated.returncode != 0:
            raise RuntimeError(f"fangfan migrate failed:\n{migrated.stdout[-3000:]}{migrated.stderr[-3000:]}")
        for service in SERVICES:
            self._spawn(f"worker {service}", ["worker", service])
            self._spawn(f"api {service}", ["serve", service, "--host", "127.0.0.1", "--port", str(self.ports[service])])
        for service in SERVICES:
            label = f"api {service}"
            wait_until_up(f"fangfan serve {service}", self.processes[label], lambda s=service: self._ready(s),
                          log=self.log(label))

    def log(self, label: str) -> Path:
        return self.tmp / f"{label.replace(' ', '-')}.log"

    def _spawn(self, label: str, args: list[str]) -> None:
        with open(self.log(label), "wb") as out:
            self.processes[label] = subprocess.Popen([sys.executable, "-m", "shared.runtime.cli", *args],
                                                     env=self.env(), stdout=out, stderr=subprocess.STDOUT)

    def _ready(self, service: str) -> bool:
        return answers_ready(self.base(service))

    def base(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}/{service}"

    def dead(self) -> list[str]:
        return [f"{label} exited with {p.returncode}:\n{log_tail(self.log(label), 15)}"
                for label, p in self.processes.items() if p.poll() is not None]

    def pids(self) -> dict[str, int]:
        """Every process of the run but PostgreSQL's: the APIs, the workers, the Redis and the load generator."""
        return {**{label: p.pid for label, p in self.processes.items()}, "redis": self.redis.process.pid,
                "load generator": os.getpid()}

    def stop(self) -> None:
        from shared.data.pgadmin import drop_database

        stop_processes(self.processes.values(), timeout=20)
        self.redis.stop()
        for name in self.names.values():
            with contextlib.suppress(Exception):
                drop_database(ADMIN_URL, name)
        shutil.rmtree(self.tmp, ignore_errors=True)


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


# -- what the load knows -------------------------------------------------------------------------------


@dataclasses.dataclass
class Household:
    id: str
    village: str
    members: list[dict]
    id_numbers: list[str]


@dataclasses.dataclass
class Case:
    id: str
    started_on: date
    village: str
    next_step: int = 0
    busy: bool = False


@dataclasses.dataclass
class Result:
    kind: str
    phase: str
    latency_ms: float
    ok: bool
    outcome: str  # status code, or the exception's name


@dataclasses.dataclass
class Sample:
    at: float
    phase: str
    queued: dict[str, int]
    unpublished: dict[str, int]
    failed: dict[str, int]

    def backlog(self) -> int:
        return sum(self.queued.values()) + sum(self.unpublished.values())


def id_number(n: int, sex: int) -> str:
    from stdnum.cn import ric

    body = f"500151{1950 + n % 50}{n % 12 + 1:02d}{n % 28 + 1:02d}{(n // 336) % 100:02d}{sex}"
    return body + ric.calc_check_digit(body + "0")


def household_body(n: int) -> dict:
    return {"org_code": VILLAGES[n % len(VILLAGES)], "household_number": f"M{n:05d}", "household_kinds": ["general"],
            "key_target_groups": ["none"],
            "members": [{"name": "张德明", "relation": "head", "id_number": id_number(n, 1), "labour_capacity": "ordinary"},
                        {"name": "李桂兰", "relation": "spouse", "id_number": id_number(n, 2),
                         "labour_capacity": "ordinary"}]}


def visit_form(household: Household, n: int, *, risky: bool, uninsured: bool) -> dict:
    """A complete 附件1 home visit with an income bracket above the line; ``n`` orders the visits in time."""
    return valid_visit_form(
        household_id=household.id, visited_at=(FIRST_VISIT + timedelta(seconds=n)).isoformat(),
        members=household.members, guarantees=valid_guarantees(uninsured=uninsured),
        risk=valid_risk(has_risk=True, causes=["illness"]) if risky else valid_risk())


class Load:
    """The requests of the mix, the state they need (households, cases), and what every request got."""

    def __init__(self, cluster: Cluster, client: httpx.AsyncClient, households: list[Household], secret: str,
                 campaign_id: str, weights: dict[str, float]) -> None:
        from shared.domain.enums import Role
        from shared.security.auth import issue_token

        settings = cluster.settings()

        def bearer(role: str, org: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {issue_token(settings, name='压测', role=Role(role), org_code=org)}"}

        self.cluster, self.client, self.households, self.secret = cluster, client, households, secret
        self.campaign_id = campaign_id
        self.cadres = {village: bearer("village_cadre", village) for village in VILLAGES}
        self.staff, self.admin = bearer("town_staff", TOWNSHIP), bearer("district_admin", DISTRICT)
        self.kinds, self.weights = list(weights), list(weights.values())
        self.random = random.Random(15)
        self.sequence = itertools.count()  # visit times: a household's later visit is later
        self.next_household = itertools.count()
        self.cases: dict[str, Case] = {}
        self.visits: dict[str, tuple[float, str]] = {}  # visit id -> (wall time of its 201, phase)
        self.results: list[Result] = []
        self.skipped: Counter = Counter()  # case steps with no case ready, per phase
        self.in_flight: set[asyncio.Task] = set()
        self.warnings = itertools.count()

    # -- one request of each kind --------------------------------------------------------------------

    async def visit(self, phase: str) -> httpx.Response:
        household = self.households[next(self.next_household) % len(self.households)]
        form = visit_form(household, next(self.sequence), risky=self.random.random() < RISKY_SHARE,
                          uninsured=self.random.random() < UNINSURED_SHARE)
        response = await self.client.post(f"{self.cluster.base('intake')}/visits", json=form,
                                          headers=self.cadres[household.village])
        if response.status_code == 201:
            self.visits[form["visit_id"]] = (time.time(), phase)
        return response

    async def problems(self, phase: str) -> httpx.Response:
        return await self.client.get(f"{self.cluster.base('ledger')}/problems", headers=self.staff,
                                     params={"org": self.random.choice(VILLAGES), "limit": 20})

    async def case_list(self, phase: str) -> httpx.Response:
        return await self.client.get(f"{self.cluster.base('ledger')}/cases", headers=self.staff, params={"limit": 20})

    async def progress(self, phase: str) -> httpx.Response:
        return await self.client.get(f"{self.cluster.base('ledger')}/reports/progress", headers=self.staff)

    async def export(self, phase: str) -> httpx.Response:
        return await self.client.get(f"{self.cluster.base('ledger')}/problems.xlsx", headers=self.staff,
                                     params={"org": self.random.choice(VILLAGES), "problem_type": "medical"})

    async def baseline(self, phase: str) -> httpx.Response:
        return await self.client.get(f"{self.cluster.base('ledger')}/campaigns/{self.campaign_id}", headers=self.staff)

    async def warning(self, phase: str) -> httpx.Response:
        from services.alerts.webhooks.signatures import signed_headers
        from shared.domain.clock import clock

        n = next(self.warnings)
        household = self.households[(n * 7) % len(self.households)]
        body = {"id": f"YB-{uuid.uuid4().hex[:16]}", "signal_type": "high_medical_cost",
                "id_number": household.id_numbers[n % 2], "occurred_on": "2024-09-20", "details": "住院自付 4.2 万元"}
        text = json.dumps(body, ensure_ascii=False)
        headers = signed_headers(self.secret, message_id=f"msg_{uuid.uuid4().hex}", timestamp=clock.now(), body=text)
        return await self.client.post(f"{self.cluster.base('alerts')}/webhooks/department-warnings",
                                      params={"department": DEPARTMENT}, content=text.encode("utf-8"),
                                      headers=headers | {"content-type": "application/json"})

    def ready_case(self) -> Case | None:
        for case in self.cases.values():
            if not case.busy and case.next_step < len(PROCEDURE):
                return case
        return None

    async def case_step(self, case: Case) -> httpx.Response:
        transition, days, role, extra = PROCEDURE[case.next_step]
        headers = {"village_cadre": self.cadres[case.village], "town_staff": self.staff,
                   "district_admin": self.admin}[role]
        case.busy = True
        try:
            response = await self.client.post(
                f"{self.cluster.base('ledger')}/cases/{case.id}/steps", headers=headers,
                json={"transition": transition, "on": (case.started_on + timedelta(days=days)).isoformat(),
                      "place": "村委会", "evidence_refs": [f"photo-{transition}"], **extra})
        finally:
            case.busy = False
        case.next_step = case.next_step + 1 if response.status_code == 200 else len(PROCEDURE)
        return response

    # -- the schedule ----------------------------------------------------------------------------------

    async def one(self, kind: str, phase: str, due: float) -> None:
        send = {"visit": self.visit, "problems": self.problems, "cases": self.case_list, "progress": self.progress,
                "export": self.export, "baseline": self.baseline, "warning": self.warning}
        try:
            if kind == "case_step":
                case = self.ready_case()
                if case is None:  # nothing to step yet: recorded, not sent
                    self.skipped[phase] += 1
                    return
                response = await self.case_step(case)
            else:
                response = await send[kind](phase)
            outcome, ok = str(response.status_code), response.status_code == EXPECTED.get(kind, 200)
        except httpx.HTTPError as exc:
            outcome, ok = type(exc).__name__, False
        self.results.append(Result(kind, phase, (time.monotonic() - due) * 1000, ok, outcome))

    async def paced(self, phase: str, rate: float, seconds: float) -> float:
        """Offer the mix at ``rate`` a second for ``seconds`` (open loop); returns the seconds until the last answer."""
        started = time.monotonic()
        for offset in schedule(rate, seconds):
            due = started + offset
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            kind = self.random.choices(self.kinds, self.weights)[0]
            if len(self.in_flight) >= MAX_IN_FLIGHT:
                self.results.append(Result(kind, phase, 0.0, False, "refused by the harness (too many in flight)"))
                continue
            task = asyncio.create_task(self.one(kind, phase, due))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        if self.in_flight:
            await asyncio.wait(list(self.in_flight))
        return time.monotonic() - started

    async def discover_cases(self, watcher: Watcher) -> None:
        """Add the visit-opened cases the ledger has opened since the last look."""
        rows = await watcher.fetch("ledger", "SELECT id, started_on, org_code FROM ledger_cases WHERE closed_on IS NULL "
                                   "AND source = 'visit' AND NOT (id = ANY($1::uuid[]))",
                                   [uuid.UUID(c) for c in self.cases])
        for row in rows:
            self.cases[str(row["id"])] = Case(str(row["id"]), row["started_on"], row["org_code"])


# -- queue depths and the events owed ---------------------------------------------------------------------


class Watcher:
    """Samples every service's queue depths, and says which events are still owed to a consumer."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.samples: list[Sample] = []
        self.phase = "seed"
        self.started = time.monotonic()

    async def __aenter__(self) -> Watcher:
        import asyncpg
        from redis.asyncio import Redis

        self.db = {s: await asyncpg.connect(dsn(self.cluster.urls[s])) for s in SERVICES}
        self.lock = asyncio.Lock()  # the sampler, the case finder and the run share these connections
        self.redis = Redis.from_url(self.cluster.redis_url)
        return self

    async def fetch(self, service: str, sql: str, *args) -> list:
        async with self.lock:
            return await self.db[service].fetch(sql, *args)

    async def fetchval(self, service: str, sql: str, *args):
        async with self.lock:
            return await self.db[service].fetchval(sql, *args)

    async def __aexit__(self, *exc) -> None:
        for connection in self.db.values():
            await connection.close()
        await self.redis.aclose()

    async def sample(self) -> Sample:
        from shared.events.routing import queue_name

        queued, unpublished, failed = {}, {}, {}
        for service in SERVICES:
            # Jobs due by now (arq scores a job by the millisecond it may run): deferred ones are not a backlog.
            queued[service] = int(await self.redis.zcount(queue_name(service), "-inf", int(time.time() * 1000)))
            unpublished[service] = await self.fetchval(
                service, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")
            failed[service] = await self.fetchval(service, "SELECT count(*) FROM failed_events")
        sample = Sample(time.monotonic() - self.started, self.phase, queued, unpublished, failed)
        self.samples.append(sample)
        return sample

    async def backends(self) -> list[int]:
        """The PostgreSQL server processes serving this run's databases now (the server is on this machine)."""
        rows = await self.fetch("intake", "SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])",
                                list(self.cluster.names.values()))
        return [row["pid"] for row in rows]

    async def every(self, seconds: float) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(seconds)

    async def owed(self) -> int:
        """(event, consumer) pairs not yet handled, plus unpublished outbox rows, over every service."""
        from shared.events.routing import consumers_of
        from shared.runtime.definition import load_service

        consumers = {s: defaultdict(list) for s in SERVICES}
        for service in SERVICES:
            for handler in load_service(service).handlers:
                consumers[service][handler.event_type].append(f"{service}.{handler.name}")
        inbox = {s: {(str(r["event_id"]), r["consumer"]) for r in
                     await self.fetch(s, "SELECT event_id, consumer FROM inbox_records")} for s in SERVICES}
        owed = 0
        for publisher in SERVICES:
            for row in await self.fetch(publisher, "SELECT id, type, published_at FROM outbox_events"):
                if row["published_at"] is None:
                    owed += 1
                    continue
                for consumer_service in consumers_of(row["type"]):
                    owed += sum((str(row["id"]), c) not in inbox[consumer_service]
                                for c in consumers[consumer_service][row["type"]])
        return owed


# -- the run ---------------------------------------------------------------------------------------------


async def seed(cluster: Cluster, client: httpx.AsyncClient) -> tuple[list[Household], str, str]:
    from shared.domain.enums import Role
    from shared.security.auth import issue_token

    settings = cluster.settings()
    admin = {"Authorization": "Bearer " + issue_token(settings, name="压测管理员", role=Role.DISTRICT_ADMIN,
                                                      org_code=DISTRICT)}

    def registrar(n: int) -> dict[str, str]:
        """The cadre of the household's village: one per 25 households, as each village registers its own
        (a user may look up 60 ID numbers a minute, two a household)."""
        token = issue_token(settings, name="村干部", role=Role.VILLAGE_CADRE, org_code=VILLAGES[n % len(VILLAGES)],
                            user_id=f"bench-cadre-{n // (25 * len(VILLAGES))}-{n % len(VILLAGES)}")
        return {"Authorization": f"Bearer {token}"}
    households: list[Household | None] = [None] * HOUSEHOLDS
    numbers = iter(range(HOUSEHOLDS))

    async def register() -> None:
        for n in numbers:
            body = household_body(n)
            response = await client.post(f"{cluster.base('intake')}/households", json=body, headers=registrar(n))
            if response.status_code != 201:
                raise RuntimeError(f"registering household {n}: {response.status_code} {response.text[:300]}")
            created = response.json()
            households[n] = Household(created["id"], body["org_code"], [
                {"member_id": m["id"], "name": m["name"], "relation": m["relation"],
                 "labour_capacity": m["labour_capacity"]} for m in created["members"]],
                [m["id_number"] for m in body["members"]])

    await asyncio.gather(*(register() for _ in range(16)))
    department = await client.post(f"{cluster.base('alerts')}/departments", headers=admin,
                                   json={"code": DEPARTMENT, "name": "铜梁区医疗保障局"})
    if department.status_code != 201:
        raise RuntimeError(f"registering the department: {department.status_code} {department.text[:300]}")
    campaigns = await client.get(f"{cluster.base('ledger')}/campaigns", headers=admin)
    campaigns.raise_for_status()
    return [h for h in households if h is not None], department.json()["secret"], campaigns.json()[0]["id"]


def latency_table(results: list[Result], seconds: float) -> list[str]:
    lines = [f"  {'endpoint':10} {'count':>6} {'per s':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
             f"{'max ms':>8}"]
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_kind[result.kind].append(result)
    for kind in [*KINDS, "all"]:
        rows = results if kind == "all" else by_kind.get(kind, [])
        if not rows:
            continue
        latencies = [r.latency_ms for r in rows if r.ok]
        failed = [r for r in rows if not r.ok]
        lines.append(f"  {kind:10} {len(rows):>6} {len(rows) / seconds:>7.1f} {len(failed):>6} "
                     f"{percentile(latencies, .5):>8.1f} {percentile(latencies, .95):>8.1f} "
                     f"{percentile(latencies, .99):>8.1f} {max(latencies, default=float('nan')):>8.1f}")
    errors = Counter((r.kind, r.outcome) for r in results if not r.ok)
    if errors:
        lines.append("  errors: " + ", ".join(f"{kind} {outcome} ×{n}" for (kind, outcome), n in errors.most_common(8)))
    return lines


async def drain(watcher: Watcher, limit: float) -> float | None:
    """Wait (at most ``limit`` seconds) for an empty backlog; the seconds it took, or None."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if (await watcher.sample()).backlog() == 0:
            return time.monotonic() - started
        await asyncio.sleep(1)
    return None


async def delays(watcher: Watcher, visits: dict[str, tuple[float, str]], phase: str) -> dict[str, list[float]]:
    """Seconds from each visit's 201 to the problem (case) it raised first, for the visits of ``phase``."""
    found: dict[str, list[float]] = {"problem": [], "case": []}
    for label, sql in (("problem", "SELECT evidence->0->>'key' AS key, min(recorded_at) AS at FROM ledger_problems "
                                   "WHERE evidence->0->>'key' LIKE 'visit:%' GROUP BY 1"),
                       ("case", "SELECT evidence->0->>'key' AS key, min(created_at) AS at FROM ledger_cases "
                                "WHERE evidence->0->>'key' LIKE 'visit:%' GROUP BY 1")):
        for row in await watcher.fetch("ledger", sql):
            answered = visits.get(row["key"].removeprefix("visit:"))
            if answered is not None and answered[1] == phase:
                found[label].append(row["at"].timestamp() - answered[0])
    return found


def buckets(samples: list[Sample], most: int) -> list[Sample]:
    """At most ``most`` samples in time order: consecutive samples merged, each depth the largest it had."""
    size = max(1, math.ceil(len(samples) / most))
    merged = []
    for start in range(0, len(samples), size):
        group = samples[start:start + size]
        merged.append(Sample(group[-1].at, group[-1].phase,
                             {s: max(g.queued[s] for g in group) for s in SERVICES},
                             {s: max(g.unpublished[s] for g in group) for s in SERVICES},
                             {s: max(g.failed[s] for g in group) for s in SERVICES}))
    return merged


def series(samples: list[Sample], most: int = 40) -> list[str]:
    """The queue depths over time, 'queued/unpublished' per service, at most ``most`` lines."""
    lines = [f"  {'t s':>6} {'phase':10} " + " ".join(f"{s:>12}" for s in SERVICES) + f" {'failed':>6}"]
    for sample in buckets(samples, most):
        lines.append(f"  {sample.at:>6.0f} {sample.phase:10} "
                     + " ".join(f"{sample.queued[s]:>6}/{sample.unpublished[s]:<5}" for s in SERVICES)
                     + f" {sum(sample.failed.values()):>6}")
    return lines


async def run(cluster: Cluster, weights: dict[str, float]) -> None:
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client, Watcher(cluster) as watcher:
        began = time.monotonic()
        households, secret, campaign_id = await seed(cluster, client)
        load = Load(cluster, client, households, secret, campaign_id, weights)
        # Risky visits of the first households, so that case steps have cases from the start.
        for n in range(SEED_CASES):
            response = await load.client.post(f"{cluster.base('intake')}/visits", headers=load.cadres[households[n].village],
                                              json=visit_form(households[n], next(load.sequence), risky=True,
                                                              uninsured=False))
            response.raise_for_status()
        load.next_household = itertools.count(SEED_CASES)
        drained = await drain(watcher, DRAIN_SECONDS)
        await load.discover_cases(watcher)
        print(f"seeded {len(households)} households, {len(load.cases)} open cases, a department "
              f"({time.monotonic() - began:.0f} s; events drained in {drained if drained is None else round(drained)} s)")
        print(f"mix: {', '.join(f'{k} {w:g}' for k, w in weights.items())}; processes: "
              f"{', '.join(f'{label} ({pid})' for label, pid in cluster.pids().items())}; {os.cpu_count()} cores",
              flush=True)

        sampler = asyncio.create_task(watcher.every(SAMPLE_SECONDS))

        async def cases_found() -> None:
            while True:
                await asyncio.sleep(2)
                await load.discover_cases(watcher)

        finder = asyncio.create_task(cases_found())
        try:
            meter = CpuMeter(cluster.pids(), watcher.backends)
            watcher.phase = "warm-up"  # new connections, statements prepared, caches filled: not measured
            await load.paced("warm-up", START_RATE, 5)
            await drain(watcher, DRAIN_SECONDS)
            # Saturation: rising paced rates until a stage does not keep up.
            best, rate = 0.0, START_RATE
            print("saturation search (offered → achieved requests a second):")
            for stage in range(MAX_STAGES):
                phase = f"stage {stage + 1}"
                watcher.phase = phase
                await meter.start()
                seconds = await load.paced(phase, rate, STEP_SECONDS)
                cpu = await meter.stop()
                rows = [r for r in load.results if r.phase == phase]
                done = [r for r in rows if r.ok]
                achieved = len(done) / seconds
                p99 = percentile([r.latency_ms for r in done], .99)
                backlog = (await watcher.sample()).backlog()
                ok = kept_up(offered=rate, achieved=achieved, p99_ms=p99, failed=len(rows) - len(done), total=len(rows),
                             backlog=backlog)
                print(f"  {phase:8} offered {rate:6.1f}, achieved {achieved:6.1f}, p99 {p99:8.1f} ms, "
                      f"{len(rows) - len(done)} errors, backlog {backlog}: {'kept up' if ok else 'did not keep up'}",
                      flush=True)
                print(f"           {cpu}\n           {meter.per_request(achieved)}", flush=True)
                if cluster.dead():
                    raise RuntimeError("\n".join(cluster.dead()))
                if not ok:
                    break
                best = max(best, achieved)
                rate *= STEP_FACTOR
                watcher.phase = "drain"
                await drain(watcher, DRAIN_SECONDS)
            else:
                print(f"  (the search stopped after {MAX_STAGES} stages: raise FANGFAN_BENCH_MIXED_MAX_STAGES)")
            if best == 0:
                raise RuntimeError("not even the first stage kept up: lower FANGFAN_BENCH_MIXED_START_RATE")
            watcher.phase = "drain"
            await drain(watcher, DRAIN_SECONDS)

            held = HOLD_FRACTION * best
            print(f"saturation: {best:.1f} requests a second; holding {held:.1f} (60 %) for {HOLD_SECONDS:g} s", flush=True)
            watcher.phase = "hold"
            await meter.start()
            seconds = await load.paced("hold", held, HOLD_SECONDS)
            hold_cpu = await meter.stop()
            hold_per_request = meter.per_request(sum(r.ok for r in load.results if r.phase == "hold") / seconds)
            watcher.phase = "settle"
            settle_started = time.monotonic()
            owed = await watcher.owed()
            while owed and time.monotonic() - settle_started < DRAIN_SECONDS:
                await asyncio.sleep(2)
                owed = await watcher.owed()
            settled = time.monotonic() - settle_started
        finally:
            sampler.cancel()
            finder.cancel()
        final = await watcher.sample()
        found = await delays(watcher, load.visits, "hold")

    hold = [r for r in load.results if r.phase == "hold"]
    done = [r for r in hold if r.ok]
    print(f"held {held:.1f} requests a second for {HOLD_SECONDS:g} s: {len(hold)} requests in {seconds:.1f} s, "
          f"{len(done) / seconds:.1f} answered a second, {len(hold) - len(done)} errors, "
          f"{load.skipped['hold']} case steps skipped (no case ready)")
    print("\n".join(latency_table(hold, seconds)))
    print(f"CPU during the hold, {hold_cpu}; {hold_per_request}")
    for label in ("problem", "case"):
        values = found[label]
        print(f"visit → {label}: {len(values)} measured, p50 {percentile(values, .5):.2f} s, "
              f"p95 {percentile(values, .95):.2f} s, max {max(values, default=float('nan')):.2f} s")
    print("queue depths (arq jobs queued / outbox rows unpublished, per service; failed events in all):")
    print("\n".join(series(watcher.samples)))
    failed_events = sum(final.failed.values())
    print(f"after the hold: {owed} (event, consumer) pairs or outbox rows still owed after {settled:.0f} s, "
          f"{failed_events} failed events")
    p99_all = percentile([r.latency_ms for r in done], .99)
    p99_by_kind = {k: percentile([r.latency_ms for r in done if r.kind == k], .99) for k in {r.kind for r in done}}
    worst = max(p99_by_kind, key=p99_by_kind.get)
    problem_p95 = percentile(found["problem"], .95)
    print("targets at 60 % of saturation:")
    print(f"  no error: {len(hold) - len(done)} errors — {'met' if len(done) == len(hold) else 'not met'}")
    print(f"  p99 under {TARGET_P99_MS:.0f} ms on every endpoint: worst {worst} {p99_by_kind[worst]:.1f} ms "
          f"(all together {p99_all:.1f} ms) — {'met' if p99_by_kind[worst] < TARGET_P99_MS else 'not met'}")
    print(f"  every event consumed: {owed} owed, {failed_events} failed — "
          f"{'met' if owed == 0 and failed_events == 0 else 'not met'}")
    print(f"  visit → problem p95 under {TARGET_PROBLEM_P95_S:g} s: {problem_p95:.2f} s — "
          f"{'met' if problem_p95 < TARGET_PROBLEM_P95_S else 'not met'}")


def main() -> None:
    from sqlalchemy.engine import make_url

    if make_url(ADMIN_URL).host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing a non-loopback database host {make_url(ADMIN_URL).host!r}")
    weights = parse_weights(WEIGHTS_TEXT)
    cluster = Cluster()
    try:
        cluster.start()
        asyncio.run(run(cluster, weights))
    finally:
        dead = cluster.dead()
        if dead:
            print("processes that exited:\n" + "\n".join(dead))
        cluster.stop()


if __name__ == "__main__":
    main()
