"""Jobs and schedules in production processes: two workers of a service, an import as a job, a worker killed.

Intake runs one API process and two worker processes on PostgreSQL and a Redis of the test's own.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shared.data.database import Database
from shared.data.platform_tables import ScheduledRun
from tests.conftest import TOWNSHIP, drop_database, recreate_database, run_suffix
from tests.e2e.processes import (
    RedisServer,
    free_port,
    log_tail,
    stop_processes,
    wait_until,
    wait_until_up,
)
from tests.e2e.test_production_processes import SECRETS
from tests.factories.id_numbers import valid_id_number

pytestmark = pytest.mark.e2e

def wait_for(check, *, timeout: float, what: str, logs: list[Path] = ()):
    """``wait_until``, and on failure the end of each log named."""
    try:
        return wait_until(check, timeout=timeout, interval=0.3, what=what)
    except AssertionError as failure:
        tails = "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in logs)
        raise AssertionError(f"{failure}\n{tails}") from None


class IntakeCluster:
    """Intake's API and two of its workers, with jobs taken back 5 s after a worker's heart stops."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.redis = RedisServer(tmp)
        self.database = f"fangfan_e2e_jobs_{run_suffix()}"
        self.url = recreate_database(self.database)
        self.port = free_port()
        self.workers: dict[str, subprocess.Popen] = {}
        self.api: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FANGFAN_")}
        env.update(SECRETS, FANGFAN_MODE="production", FANGFAN_REDIS_URL=self.redis.url, FANGFAN_LOG_JSON="true",
                   FANGFAN_LOG_LEVEL="DEBUG", FANGFAN_RELAY_INTERVAL_SECONDS="0.5", FANGFAN_JOB_STALE_SECONDS="5",
                   FANGFAN_INTAKE_DATABASE_URL=self.url, FANGFAN_ENV_FILE=str(self.tmp / "none.env"))
        return env

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        out = open(self.log(name), "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, "-m", "shared.runtime.cli", *args], env=self.env(), stdout=out,
                                stderr=subprocess.STDOUT)

    def start(self) -> None:
        self.redis.start()
        subprocess.run([sys.executable, "-m", "shared.runtime.cli", "migrate", "intake"], env=self.env(), check=True,
                       capture_output=True)
        self.api = self.spawn("api", "serve", "intake", "--host", "127.0.0.1", "--port", str(self.port))
        for name in ("worker-a", "worker-b"):
            self.workers[name] = self.spawn(name, "worker", "intake")
        wait_until_up(f"fangfan serve intake (port {self.port})", self.api, self._ready, log=self.log("api"))

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/intake"

    def headers(self) -> dict[str, str]:
        token = subprocess.run([sys.executable, "-m", "shared.runtime.cli", "token", "--name", "镇干部", "--role",
                                "town_staff", "--org", TOWNSHIP], env=self.env(), check=True, capture_output=True,
                               text=True).stdout.strip()
        return {"Authorization": f"Bearer {token}"}

    def stop(self) -> None:
        stop_processes(p for p in (self.api, *self.workers.values()) if p is not None)
        self.redis.stop()
        drop_database(self.database)


@pytest.fixture(scope="module")
def intake_cluster(tmp_path_factory) -> Iterator[IntakeCluster]:
    cluster = IntakeCluster(tmp_path_factory.mktemp("jobs"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def scheduled_runs(url: str, name: str) -> list[ScheduledRun]:
    async def read() -> list[ScheduledRun]:
        db = Database(url, pool_size=1)
        try:
            async with db.session() as session:
                return list((await session.execute(select(ScheduledRun).where(ScheduledRun.name == name)
                                                   .order_by(ScheduledRun.tick))).scalars().all())
        finally:
            await db.dispose()

    return asyncio.run(read())


def ran_in_logs(cluster: IntakeCluster, tick: str) -> list[str]:
    """The workers whose log says they ran the sweep's body for this tick."""
    return [name for name in cluster.workers
            if any('"scheduled_job_ran"' in line and f'"tick": "{tick}"' in line and '"platform.sweep_jobs"' in line
                   for line in cluster.log(name).read_text(errors="replace").splitlines())]


def test_two_workers_run_each_tick_of_a_schedule_once(intake_cluster):
    cluster = intake_cluster
    runs = wait_for(lambda: [r for r in scheduled_runs(cluster.url, "platform.sweep_jobs") if r.outcome][:2]
                    if len([r for r in scheduled_runs(cluster.url, "platform.sweep_jobs") if r.outcome]) >= 2 else None,
                    timeout=60, what="two ticks of platform.sweep_jobs",
                    logs=[cluster.log(name) for name in cluster.workers])

    assert [run.outcome for run in runs] == ["succeeded", "succeeded"]
    assert (runs[1].tick - runs[0].tick).total_seconds() % 15 == 0
    for run in runs:
        assert len(ran_in_logs(cluster, run.tick.isoformat())) == 1, run.tick


def register_csv(households: int, *, members: int = 3) -> bytes:
    header = ["村代码", "户编号", "社", "户类型", "姓名", "与户主关系", "身份证号码", "劳动能力"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    relations = ["户主", "配偶", "子", "女"]
    born = date(1970, 1, 1)
    serial = 0
    for number in range(households):
        for index in range(members):
            serial += 1
            writer.writerow(["500151108201", f"J{number:05d}", "1社", "一般农户", f"成员{serial}", relations[index],
                             valid_id_number(born + timedelta(days=serial), "female" if index % 2 else "male"),
                             "普通劳动力"])
    return ("\ufeff" + buffer.getvalue()).encode()


def test_an_import_is_a_job_a_worker_runs_and_a_killed_worker_does_not_lose_it(intake_cluster):
    cluster = intake_cluster
    headers = cluster.headers()
    response = httpx.post(f"{cluster.base}/households/import", headers=headers, timeout=60,
                          files={"file": ("register.csv", register_csv(800))})
    assert response.status_code == 202, response.text
    location = f"http://127.0.0.1:{cluster.port}{response.headers['Location']}"

    def job() -> dict:
        return httpx.get(location, headers=headers, timeout=5).json()

    running = wait_for(lambda: (j := job())["state"] == "running" and j["progress"]["done"] > 0 and j,
                       timeout=60, what="the import to start", logs=[cluster.log(n) for n in cluster.workers])
    # Kill whichever worker holds it: find it by its log, then start another in its place.
    holder = next(name for name in cluster.workers
                  if running["id"] in cluster.log(name).read_text(errors="replace"))
    cluster.workers[holder].send_signal(signal.SIGKILL)
    cluster.workers[holder].wait(timeout=10)
    cluster.workers[holder] = cluster.spawn(holder, "worker", "intake")

    done = wait_for(lambda: (j := job())["state"] in ("succeeded", "failed") and j, timeout=180,
                    what="the import to finish after its worker died", logs=[cluster.log(n) for n in cluster.workers])

    assert done["state"] == "succeeded", done
    assert done["attempts"] == 2
    summary = done["report"]["summary"]
    assert summary["rows"] == 2400
    assert summary["households_created"] + summary["households_unchanged"] + summary["households_updated"] == 800
    listed = httpx.get(f"{cluster.base}/households", params={"village": "500151108201", "limit": 1},
                       headers=headers, timeout=10).json()
    assert listed["total"] >= 800
