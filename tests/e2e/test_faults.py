"""Faults against the production shape, each during a small load, and what must hold after each.

The four services run as `fangfan serve` and `fangfan worker` processes on a PostgreSQL cluster and a
Redis server the module owns (so it can stop them; the machine's shared servers are never touched).
While a thread posts visits for a dozen households (a third of them finding a risk, so the ledger
opens cases and announces their deadlines to alerts), each test injects one fault: Redis stopped for
30 seconds, a worker killed with SIGKILL in the middle of an event, PostgreSQL stopped and started,
the relay killed between publishing and marking, a consumer raising on one event, the deadline scan
killed half way. After each, `settled_and_consistent` checks everything since the start: every
committed visit exists once in intake with one event; every event every service published was
consumed by every consumer (an inbox row each, nothing left in any outbox or awaiting replay but
what the test injected); each visit has one assessment (or one pending visit) in income; each
household has at most one open case, which holds each of its risky visits once; every deadline
reached alerts; every alert was raised once and announced once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from shared.data import pgadmin
from shared.data.database import Database
from shared.domain.clock import SHANGHAI
from shared.events.contracts.ledger import DeadlineScheduled
from shared.events.outbox import publish
from shared.events.routing import consumers_of, queue_name
from shared.runtime.definition import load_service
from shared.runtime.jobs import untracked_job_id
from shared.runtime.settings import SERVICE_NAMES
from shared.security.auth import system_principal
from tests.conftest import DISTRICT, VILLAGE
from tests.e2e.processes import (
    PostgresServer,
    RedisServer,
    answers_ready,
    fangfan_env,
    free_port,
    log_tail,
    stop_processes,
    wait_until,
    wait_until_up,
)
from tests.e2e.test_production_processes import SECRETS
from tests.factories.id_numbers import valid_id_number
from tests.factories.visit_forms import valid_guarantees, valid_risk, valid_visit_form

pytestmark = pytest.mark.e2e

HOUSEHOLDS = 12  # under load; one more is kept out of it for the consumer that raises
VISITS_PER_SECOND = 4.0
SETTLE_SECONDS = 120.0
# Each service's consumer keys by event type, as its inbox rows name them.
CONSUMERS = {service: defaultdict(list) for service in SERVICE_NAMES}
for _service in SERVICE_NAMES:
    for _handler in load_service(_service).handlers:
        CONSUMERS[_service][_handler.event_type].append(f"{_service}.{_handler.name}")


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class FaultCluster:
    """Four APIs and four workers on a PostgreSQL and a Redis of the test's own."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg = PostgresServer()
        self.redis = RedisServer(tmp)
        self.urls: dict[str, str] = {}
        self.ports = {name: free_port() for name in SERVICE_NAMES}
        self.processes: dict[str, subprocess.Popen] = {}  # "api intake", "worker ledger", …
        self.relay_trigger = tmp / "kill-relay-after-send"
        self._token: str | None = None

    def env(self, **extra: str) -> dict[str, str]:
        env = fangfan_env()
        env.update(SECRETS, FANGFAN_MODE="production", FANGFAN_REDIS_URL=self.redis.url, FANGFAN_LOG_JSON="true",
                   FANGFAN_RELAY_INTERVAL_SECONDS="0.5", FANGFAN_ENV_FILE=str(self.tmp / "none.env"),
                   FANGFAN_OUTBOX_CONFIRM_AFTER_SECONDS="2",
                   FANGFAN_EVENT_MAX_TRIES="3", **extra)
        for name, url in self.urls.items():
            env[f"FANGFAN_{name.upper()}_DATABASE_URL"] = url
        return env

    def log(self, label: str) -> Path:
        return self.tmp / f"{label.replace(' ', '-')}.log"

    def spawn(self, kind: str, service: str) -> subprocess.Popen:
        """Start (or start again) one process; the intake API is started armed with the relay fault."""
        label = f"{kind} {service}"
        args = (["serve", service, "--host", "127.0.0.1", "--port", str(self.ports[service])] if kind == "api"
                else ["worker", service])
        extra = {"FAULT_KILL_AFTER_SEND": str(self.relay_trigger)} if label == "api intake" else {}
        with open(self.log(label), "ab") as out:  # the child keeps its own descriptor; restarts append
            process = subprocess.Popen([sys.executable, "-m", "tests.e2e.fault_hooks", *args], env=self.env(**extra),
                                       stdout=out, stderr=subprocess.STDOUT)
        self.processes[label] = process
        return process

    def start(self) -> None:
        self.pg.init()
        self.urls = {name: pgadmin.recreate_database(self.pg.url, f"fangfan_{name}") for name in SERVICE_NAMES}
        self.redis.start()
        migrated = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "migrate"], env=self.env(),
                                  capture_output=True, text=True)
        assert migrated.returncode == 0, f"fangfan migrate failed:\n{migrated.stdout[-3000:]}{migrated.stderr[-3000:]}"
        for name in SERVICE_NAMES:
            self.spawn("worker", name)
        for name in SERVICE_NAMES:
            self.start_api(name)

    def start_api(self, name: str) -> None:
        """Start an API and wait until it is ready, on another port if its port was taken meanwhile.

        A port found free can be taken before the API binds it (as the local end of some other
        process's connection on this busy machine); the API then exits at once, saying so.
        """
        label = f"api {name}"
        for attempt in range(3):
            if attempt:
                self.ports[name] = free_port()
            process = self.spawn("api", name)
            try:
                wait_until_up(f"fangfan serve {name}", process, lambda: self.ready(name), log=self.log(label))
                return
            except AssertionError:
                if process.poll() is None or "address already in use" not in log_tail(self.log(label), 5):
                    raise
        raise AssertionError(f"fangfan serve {name} found no free port in three tries")

    def ready(self, name: str) -> bool:
        return answers_ready(self.base(name))

    def base(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/{name}"

    def headers(self) -> dict[str, str]:
        if self._token is None:
            self._token = subprocess.run(
                [sys.executable, "-m", "shared.runtime.cli", "token", "--name", "区管理员", "--role", "district_admin",
                 "--org", DISTRICT], env=self.env(), check=True, capture_output=True, text=True).stdout.strip()
        return {"Authorization": f"Bearer {self._token}"}

    def kill(self, label: str) -> None:
        process = self.processes[label]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def all_alive(self) -> None:
        for label, process in self.processes.items():
            assert process.poll() is None, f"{label} exited with code {process.returncode}:\n{log_tail(self.log(label))}"

    def logs(self) -> str:
        """The last warnings and errors of every process, a line each, for a failure's message."""
        parts = []
        for label in self.processes:
            lines = [line[:300] for line in self.log(label).read_text("utf-8", errors="replace").splitlines()
                     if '"level": "warning"' in line or '"level": "error"' in line or not line.startswith("{")]
            parts.append(f"--- {label} ({self.log(label)})\n" + "\n".join(lines[-8:]))
        return "\n".join(parts)

    def stop(self) -> None:
        stop_processes(self.processes.values())
        self.redis.stop()
        self.pg.remove()

    # -- reading the databases -------------------------------------------------------------------------

    def query(self, service: str, sql: str, *args) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(dsn(self.urls[service]), timeout=10)
            try:
                return await connection.fetch(sql, *args)
            finally:
                await connection.close()

        return asyncio.run(run())


@dataclass
class Household:
    id: str
    members: list[dict]


def register_households(cluster: FaultCluster, count: int) -> list[Household]:
    households = []
    born = date(1965, 1, 1)
    for n in range(count):
        body = {"org_code": VILLAGE, "household_number": f"F{n:04d}", "household_kinds": ["general"],
                "key_target_groups": ["none"],
                "members": [{"name": "张德明", "relation": "head", "labour_capacity": "ordinary",
                             "id_number": valid_id_number(born + timedelta(days=2 * n), "male")},
                            {"name": "李桂兰", "relation": "spouse", "labour_capacity": "ordinary",
                             "id_number": valid_id_number(born + timedelta(days=2 * n + 1), "female")}]}
        response = httpx.post(f"{cluster.base('intake')}/households", json=body, headers=cluster.headers(), timeout=30)
        assert response.status_code == 201, response.text
        created = response.json()
        households.append(Household(created["id"], [
            {"member_id": m["id"], "name": m["name"], "relation": m["relation"],
             "labour_capacity": m["labour_capacity"]} for m in created["members"]]))
    return households


SEQUENCE = itertools.count()


def visit_form(household: Household, *, risky: bool, uninsured: bool = False) -> dict:
    """A complete home visit (附件1) of a registered household; a risky one judges a risk present, an
    uninsured one finds a member without medical insurance (a problem for the ledger's campaign)."""
    visited_at = datetime(2024, 9, 2, 8, 0, tzinfo=SHANGHAI) + timedelta(seconds=next(SEQUENCE))
    return valid_visit_form(household_id=household.id, visited_at=visited_at.isoformat(), members=household.members,
                            guarantees=valid_guarantees(uninsured=uninsured),
                            risk=valid_risk(has_risk=True, causes=["accident"]) if risky else valid_risk())


@dataclass
class Attempt:
    visit_id: str
    household_id: str
    risky: bool
    at: float
    outcome: str  # the status code, or the exception's name when no answer came
    uninsured: bool = False


@dataclass
class Load:
    """A thread posting visits at a steady few per second, recording every attempt and what it got."""

    cluster: FaultCluster
    households: list[Household]
    attempts: list[Attempt] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visit-load", daemon=True)

    def _run(self) -> None:
        headers = self.cluster.headers()
        with httpx.Client(timeout=10) as client:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                started = time.monotonic()
                household = self.households[n % len(self.households)]
                form = visit_form(household, risky=n % 3 == 0, uninsured=n % 4 == 1)
                try:
                    outcome = str(client.post(f"{self.cluster.base('intake')}/visits", json=form,
                                              headers=headers).status_code)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                self.attempts.append(Attempt(form["visit_id"], household.id, n % 3 == 0, started, outcome,
                                             uninsured=n % 4 == 1))
                self._stop.wait(max(0.0, 1 / VISITS_PER_SECOND - (time.monotonic() - started)))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def outcomes(self, start: float = 0.0, end: float = float("inf")) -> Counter:
        return Counter(a.outcome for a in self.attempts if start <= a.at < end)


@dataclass
class World:
    cluster: FaultCluster
    households: list[Household]
    spare: Household  # kept out of the load
    attempts: list[Attempt] = field(default_factory=list)  # every load attempt of every test so far
    injected_failures: set[tuple[str, str]] = field(default_factory=set)  # (service, event id)

    def load(self) -> Load:
        return Load(self.cluster, self.households)

    def record(self, load: Load) -> None:
        self.attempts.extend(load.attempts)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    cluster = FaultCluster(tmp_path_factory.mktemp("faults"))
    try:
        cluster.start()
        households = register_households(cluster, HOUSEHOLDS + 1)
        yield World(cluster, households[:HOUSEHOLDS], households[HOUSEHOLDS])
    finally:
        cluster.stop()


# -- what must hold after every fault -------------------------------------------------------------------


def unhandled(cluster: FaultCluster, injected: set[tuple[str, str]]) -> list[str]:
    """What is still owed: unpublished outbox rows, and (event, consumer) pairs without an inbox row."""
    owed: list[str] = []
    inbox = {service: {(str(r["event_id"]), r["consumer"])
                       for r in cluster.query(service, "SELECT event_id, consumer FROM inbox_records")}
             for service in SERVICE_NAMES}
    for publisher in SERVICE_NAMES:
        rows = cluster.query(publisher, "SELECT id, type, published_at FROM outbox_events")
        owed += [f"{publisher} outbox {r['type']} {r['id']} unpublished" for r in rows if r["published_at"] is None]
        for row in rows:
            event_id = str(row["id"])
            for consumer_service in consumers_of(row["type"]):
                if (consumer_service, event_id) in injected:
                    continue
                owed += [f"{consumer} has not handled {row['type']} {event_id}"
                         for consumer in CONSUMERS[consumer_service][row["type"]]
                         if (event_id, consumer) not in inbox[consumer_service]]
    return owed


def settled_and_consistent(world: World) -> None:
    cluster = world.cluster
    try:
        wait_until(lambda: not unhandled(cluster, world.injected_failures), SETTLE_SECONDS, interval=1.0,
                   what="every event published and consumed")
    except AssertionError as failure:
        owed = unhandled(cluster, world.injected_failures)
        raise AssertionError(f"{failure}: {len(owed)} owed, e.g. {owed[:5]}\n{cluster.logs()}") from None
    cluster.all_alive()

    # Failed events: exactly the injected ones, and none of them awaiting replay once the test fixed it.
    failures = {(service, str(r["event_id"])) for service in SERVICE_NAMES
                for r in cluster.query(service, "SELECT event_id FROM failed_events")}
    assert failures == world.injected_failures, failures

    # Intake: every visit answered 201 exists once, with one visit.submitted event.
    committed = {a.visit_id for a in world.attempts if a.outcome == "201"}
    visits = Counter(str(r["id"]) for r in cluster.query("intake", "SELECT id FROM visits"))
    assert committed <= set(visits), f"committed visits missing: {sorted(committed - set(visits))[:5]}"
    assert all(n == 1 for n in visits.values())
    events = Counter(r["visit_id"] for r in cluster.query(
        "intake", "SELECT envelope->'payload'->>'visit_id' AS visit_id FROM outbox_events "
                  "WHERE type = 'visit.submitted'"))
    assert events == Counter(set(visits)), "each visit has exactly one visit.submitted"

    # Income: one assessment, or one pending visit, per visit.
    assessed = Counter(str(r["v"]) for r in cluster.query(
        "income", "SELECT source_visit_id AS v FROM income_assessments WHERE source_visit_id IS NOT NULL "
                  "UNION ALL SELECT visit_id AS v FROM income_pending_visits"))
    assert assessed == Counter(set(visits)), "each visit assessed (or kept pending) exactly once"
    announced = Counter(str(r["id"]) for r in cluster.query(
        "income", "SELECT envelope->'payload'->>'assessment_id' AS id FROM outbox_events WHERE type = 'income.assessed'"))
    assert all(n == 1 for n in announced.values()), "an assessment announced twice"

    # Ledger: one open case per household at most, holding each risky visit of its household once.
    cases = cluster.query("ledger", "SELECT household_id, open_key, evidence FROM ledger_cases")
    open_keys = Counter(r["open_key"] for r in cases if r["open_key"])
    assert all(n == 1 for n in open_keys.values())
    evidence_by_household: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        evidence = case["evidence"] if isinstance(case["evidence"], list) else json.loads(case["evidence"])
        evidence_by_household[str(case["household_id"])] += [item["key"] for item in evidence]
    for keys in evidence_by_household.values():
        assert len(keys) == len(set(keys)), f"evidence recorded twice: {keys}"
    stored = set(visits)
    for attempt in world.attempts:
        if attempt.risky and attempt.visit_id in stored:
            assert f"visit:{attempt.visit_id}" in evidence_by_household[attempt.household_id], attempt

    # Ledger problems: each once per (campaign, rule, subject), each fact in it once, a history entry per
    # fact added; a household found uninsured on a stored visit has its problem.
    problems = cluster.query("ledger", "SELECT p.id, p.campaign_id, p.rule_code, p.subject_key, p.household_id, "
                                       "p.evidence, (SELECT count(*) FROM ledger_problem_history h WHERE h.problem_id"
                                       " = p.id AND h.action IN ('evidence_added', 'reraised')) AS added "
                                       "FROM ledger_problems p")
    assert all(n == 1 for n in Counter((r["campaign_id"], r["rule_code"], r["subject_key"]) for r in problems).values())
    for problem in problems:
        evidence = problem["evidence"] if isinstance(problem["evidence"], list) else json.loads(problem["evidence"])
        keys = [item["key"] for item in evidence]
        assert len(keys) == len(set(keys)) and problem["added"] == len(keys) - 1, (problem["rule_code"], keys)
    uninsured = {str(r["household_id"]) for r in problems if r["rule_code"] == "guarantee.uninsured"}
    expected = {a.household_id for a in world.attempts if a.uninsured and a.visit_id in stored}
    assert expected and expected <= uninsured, (expected - uninsured)

    # Alerts: every deadline the ledger announced is registered; each alert raised and announced once.
    keys = {r["key"] for r in cluster.query(
        "ledger", "SELECT DISTINCT envelope->'payload'->>'key' AS key FROM outbox_events WHERE type = 'deadline.scheduled'")}
    registered = Counter(r["key"] for r in cluster.query("alerts", "SELECT key FROM alerts_deadlines"))
    assert keys <= set(registered) and all(n == 1 for n in registered.values())
    alerts = Counter(str(r["id"]) for r in cluster.query("alerts", "SELECT id FROM alerts_alerts"))
    raised = Counter(r["id"] for r in cluster.query(
        "alerts", "SELECT envelope->'payload'->>'alert_id' AS id FROM outbox_events WHERE type = 'alert.raised'"))
    assert raised == alerts, "each alert announced exactly once"


def summary(load: Load, start: float, end: float) -> str:
    return f"during the fault: {dict(load.outcomes(start, end))}; overall: {dict(load.outcomes())}"


# -- the faults ------------------------------------------------------------------------------------------


def test_redis_stopped_for_30_seconds(world):
    """Writes go on while Redis is away (their events wait in the outbox) and everything catches up."""
    cluster = world.cluster
    with world.load() as load:
        time.sleep(3)
        cluster.redis.stop()
        down = time.monotonic()
        try:
            time.sleep(30)
        finally:
            cluster.redis.start()
        up = time.monotonic()
        time.sleep(3)
    world.record(load)
    during = load.outcomes(down, up)
    assert set(during) == {"201"} and during["201"] >= 60, summary(load, down, up)
    settled_and_consistent(world)


def test_a_worker_killed_in_the_middle_of_an_event(world):
    """SIGKILL the ledger worker while it is inside a visit's handler; a new worker handles it once."""
    cluster = world.cluster
    household = world.households[0]

    async def scenario() -> tuple[float, str]:
        blocker = await asyncpg.connect(dsn(cluster.urls["ledger"]))
        try:
            transaction = blocker.transaction()
            await transaction.start()
            # The ledger's handler writes the household's row: hold it so the handler waits inside.
            await blocker.execute("SELECT 1 FROM ledger_households WHERE household_id = $1 FOR UPDATE",
                                  uuid.UUID(household.id))
            form = visit_form(household, risky=False)
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(f"{cluster.base('intake')}/visits", json=form, headers=cluster.headers())
            assert response.status_code == 201, response.text
            world.attempts.append(Attempt(form["visit_id"], household.id, False, time.monotonic(), "201"))

            async def handler_waits() -> bool:
                rows = await blocker.fetch("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
                                           " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
                return rows[0]["n"] > 0

            deadline = time.monotonic() + 60
            while not await handler_waits():
                assert time.monotonic() < deadline, "the ledger worker never reached the held row"
                await asyncio.sleep(0.2)
            cluster.kill("worker ledger")
            killed = time.monotonic()
            await transaction.rollback()
            cluster.spawn("worker", "ledger")
            return killed, form["visit_id"]
        finally:
            await blocker.close()

    with world.load() as load:
        killed, visit_id = asyncio.run(scenario())
        time.sleep(5)
    world.record(load)

    def handled() -> bool:
        rows = cluster.query("ledger", "SELECT count(*) AS n FROM ledger_source_events "
                                       "WHERE envelope->'payload'->>'visit_id' = $1", visit_id)
        return rows[0]["n"] == 1

    wait_until(handled, 60, what="the held visit handled by the new ledger worker")
    elapsed = time.monotonic() - killed
    assert elapsed < 45, f"the killed worker's event was handled {elapsed:.0f} s after the kill"
    assert set(load.outcomes()) == {"201"}, summary(load, killed, killed)
    settled_and_consistent(world)


def test_postgresql_stopped_and_started(world):
    """The databases' server goes away for 5 s: requests fail fast with 503, nothing is half-written."""
    cluster = world.cluster
    with world.load() as load:
        time.sleep(3)
        cluster.pg.stop("fast")
        down = time.monotonic()
        try:
            time.sleep(2)
            readiness = httpx.get(f"{cluster.base('intake')}/readyz", timeout=10)
            time.sleep(3)
        finally:
            cluster.pg.start()
        up = time.monotonic()
        time.sleep(8)
    world.record(load)
    assert readiness.status_code == 503, readiness.text
    during = load.outcomes(down, up)
    assert set(during) <= {"201", "503"} and during["503"] > 0, summary(load, down, up)
    after = load.outcomes(up + 3)
    assert set(after) == {"201"}, summary(load, down, up)
    settled_and_consistent(world)


def test_the_relay_killed_between_publish_and_mark(world):
    """The intake API dies after Redis took a visit's jobs and before the row was marked published."""
    cluster = world.cluster
    sent = Path(f"{cluster.relay_trigger}.sent")
    with world.load() as load:
        time.sleep(2)
        cluster.relay_trigger.touch()
        try:
            wait_until(lambda: cluster.processes["api intake"].poll() is not None, 30,
                       what="the intake API's relay reaching the fault")
        finally:
            cluster.relay_trigger.unlink()
        died = time.monotonic()
        assert cluster.processes["api intake"].returncode == -signal.SIGKILL
        cluster.start_api("intake")
        back = time.monotonic()
        time.sleep(3)
    world.record(load)
    event_id = sent.read_text()
    row = cluster.query("intake", "SELECT published_at, envelope->'payload'->>'visit_id' AS visit_id "
                                  "FROM outbox_events WHERE id = $1", uuid.UUID(event_id))[0]
    settled_and_consistent(world)
    # Sent twice (before the kill, and again by a surviving relay), consumed once.
    for service, consumer in (("income", "income.assess_visit"), ("ledger", "ledger.households.visit_submitted")):
        rows = cluster.query(service, "SELECT count(*) AS n FROM inbox_records WHERE event_id = $1 AND consumer = $2",
                             uuid.UUID(event_id), consumer)
        assert rows[0]["n"] == 1, (service, event_id)
    assert row["visit_id"]
    during = load.outcomes(died, back)
    assert set(during) <= {"201", "ConnectError", "ReadError", "RemoteProtocolError"}, summary(load, died, back)


TRIGGER = """
CREATE FUNCTION fault_refuse_visit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected fault: this visit is refused'; END $$;
CREATE TRIGGER fault_refuse_visit BEFORE INSERT ON ledger_source_events FOR EACH ROW
WHEN (NEW.event_type = 'visit.submitted' AND NEW.household_id = '{household}')
EXECUTE FUNCTION fault_refuse_visit();
"""


def test_a_consumer_raising_on_one_event(world):
    """One visit makes the ledger's consumer raise: the failure is listed, replayed after the fix, applied once."""
    cluster = world.cluster
    spare = world.spare
    consumer = "ledger.households.visit_submitted"

    async def ddl(sql: str) -> None:
        connection = await asyncpg.connect(dsn(cluster.urls["ledger"]))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(ddl(TRIGGER.format(household=spare.id)))
    try:
        with world.load() as load:
            form = visit_form(spare, risky=False)
            response = httpx.post(f"{cluster.base('intake')}/visits", json=form, headers=cluster.headers(), timeout=10)
            assert response.status_code == 201, response.text
            event_id = str(cluster.query("intake", "SELECT id FROM outbox_events "
                                                   "WHERE envelope->'payload'->>'visit_id' = $1", form["visit_id"])[0]["id"])
            world.injected_failures.add(("ledger", event_id))

            def listed() -> list[dict]:
                failed = httpx.get(f"{cluster.base('ledger')}/events/failed", headers=cluster.headers(), timeout=10)
                assert failed.status_code == 200, failed.text
                return [f for f in failed.json() if f["event_id"] == event_id]

            failures = wait_until(listed, 60, what="the failure listed in GET /ledger/events/failed")
            time.sleep(3)
        world.record(load)
        world.attempts.append(Attempt(form["visit_id"], spare.id, False, time.monotonic(), "201"))
        assert [f["consumer"] for f in failures] == [consumer], failures
        assert "injected fault" in failures[0]["error"]
        settled_and_consistent(world)  # everything else went on; the failure is recorded, not retried for ever
    finally:
        asyncio.run(ddl("DROP TRIGGER IF EXISTS fault_refuse_visit ON ledger_source_events; "
                        "DROP FUNCTION IF EXISTS fault_refuse_visit()"))

    replayed = httpx.post(f"{cluster.base('ledger')}/events/failed/{failures[0]['id']}/replay",
                          headers=cluster.headers(), timeout=30)
    assert replayed.status_code == 200, replayed.text
    assert not listed()
    again = httpx.post(f"{cluster.base('ledger')}/events/failed/{failures[0]['id']}/replay",
                       headers=cluster.headers(), timeout=30)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate"), again.text  # the inbox row holds
    rows = cluster.query("ledger", "SELECT count(*) AS n FROM ledger_source_events WHERE event_id = $1",
                         uuid.UUID(event_id))
    assert rows[0]["n"] == 1
    world.injected_failures.discard(("ledger", event_id))
    replayed_rows = cluster.query("ledger", "SELECT replayed_at FROM failed_events WHERE event_id = $1",
                                  uuid.UUID(event_id))
    assert [r["replayed_at"] is not None for r in replayed_rows] == [True]
    world.injected_failures.add(("ledger", event_id))  # recorded, and replayed: it stays in the table
    settled_and_consistent(world)


SCAN_VILLAGES = [f"500151108{n:03d}" for n in range(211, 217)]
DEADLINES_PER_VILLAGE = 6


def test_the_deadline_scan_killed_half_way(world):
    """Kill the alerts worker while the scan's per-unit jobs run; a new worker finishes it, each alert once."""
    cluster = world.cluster
    today = datetime.now(SHANGHAI).date()
    keys = {village: [f"fault-scan:{village}:{n}" for n in range(DEADLINES_PER_VILLAGE)] for village in SCAN_VILLAGES}

    async def announce() -> None:
        db = Database(cluster.urls["ledger"], pool_size=1)
        try:
            async with db.transaction(system_principal("ledger.fault-test")) as session:
                for village, village_keys in keys.items():
                    for key in village_keys:
                        await publish(session, DeadlineScheduled(
                            key=key, kind="rectification", subject={"type": "rectification", "id": uuid.uuid4()},
                            org_code=village, due=today - timedelta(days=10), unit="calendar_days", amount=10,
                            counted_from=today - timedelta(days=20), basis="fault test", rule_code="fault_test"),
                            org_code=village, source="ledger")
        finally:
            await db.dispose()

    async def scenario() -> float:
        await announce()
        everything = [key for village_keys in keys.values() for key in village_keys]
        deadline = time.monotonic() + 60
        while len(await _fetch(cluster, "alerts", "SELECT key FROM alerts_deadlines WHERE key = ANY($1)",
                                everything)) < len(everything):
            assert time.monotonic() < deadline, "the deadlines did not reach alerts"
            await asyncio.sleep(0.5)
        blocker = await asyncpg.connect(dsn(cluster.urls["alerts"]))
        redis = await create_pool(RedisSettings.from_dsn(cluster.redis.url))

        async def fan_out(villages: list[str]) -> None:  # what alerts.scan enqueues, under the same job ids
            for village in villages:
                params = {"org_code": village}
                await redis.enqueue_job("alerts.scan_unit", params, today.isoformat(),
                                        _job_id=untracked_job_id("alerts.scan_unit", params, today),
                                        _queue_name=queue_name("alerts"))

        try:
            first, held = SCAN_VILLAGES[:-1], SCAN_VILLAGES[-1]
            others = [key for village in first for key in keys[village]]
            await fan_out(first)
            deadline = time.monotonic() + 60
            while len(await _fetch(cluster, "alerts", "SELECT DISTINCT deadline_key FROM alerts_alerts "
                                                      "WHERE deadline_key = ANY($1)", others)) < len(others):
                assert time.monotonic() < deadline, "the scan's first units were not scanned"
                await asyncio.sleep(0.3)
            # The last unit's job waits inside its transaction: an uncommitted alert holds the key of one
            # it is about to raise (the scan skips locked deadlines, so a locked deadline would not hold it).
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute(
                "CREATE TEMP TABLE held_alert ON COMMIT DROP AS SELECT * FROM alerts_alerts WHERE deadline_key = $1 "
                "AND dedupe_key = $1 || ':overdue'; UPDATE held_alert SET id = gen_random_uuid(), "
                "deadline_key = $2, dedupe_key = $2 || ':overdue'; INSERT INTO alerts_alerts SELECT * FROM held_alert"
                .replace("$1", f"'{others[0]}'").replace("$2", f"'{keys[held][0]}'"))
            await fan_out([held])
            deadline = time.monotonic() + 60
            while not (await blocker.fetch("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = "
                                           "'Lock' AND datname = current_database() AND pid <> pg_backend_pid()"))[0]["n"]:
                assert time.monotonic() < deadline, "the last unit's job never reached the held alert"
                await asyncio.sleep(0.3)
            assert not await _fetch(cluster, "alerts", "SELECT 1 FROM alerts_alerts WHERE deadline_key = ANY($1)",
                                    keys[held])
            cluster.kill("worker alerts")
            killed = time.monotonic()
            await transaction.rollback()
            cluster.spawn("worker", "alerts")
            return killed
        finally:
            await redis.aclose()
            await blocker.close()

    with world.load() as load:
        killed = asyncio.run(scenario())
        everything = [key for village_keys in keys.values() for key in village_keys]
        wait_until(lambda: len({r["deadline_key"] for r in cluster.query(
            "alerts", "SELECT deadline_key FROM alerts_alerts WHERE deadline_key = ANY($1)", everything)})
            == len(everything), 90, interval=1.0, what="the scan finished by a new alerts worker")
    world.record(load)
    finished = time.monotonic() - killed
    kinds = defaultdict(list)
    for row in cluster.query("alerts", "SELECT deadline_key, dedupe_key FROM alerts_alerts "
                                       "WHERE deadline_key = ANY($1)", everything):
        kinds[row["deadline_key"]].append(row["dedupe_key"].removeprefix(row["deadline_key"] + ":"))
    # Ten days overdue: overdue once, and escalated to the township and to the district, once each.
    assert {key: sorted(found) for key, found in kinds.items()} == {
        key: ["escalation:1", "escalation:2", "overdue"] for key in everything}
    assert finished < 60
    settled_and_consistent(world)


async def _fetch(cluster: FaultCluster, service: str, sql: str, *args) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn(cluster.urls[service]), timeout=10)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()
