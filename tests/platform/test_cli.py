"""The fangfan command on the embedded defaults: migrate, token, failed events and replay, jobs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime

from sqlalchemy import func, select

from shared.data.database import Database
from shared.data.platform_tables import FailedEvent, JobRecord, JobState, ProbeReceipt
from shared.domain.clock import SHANGHAI
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import Envelope
from shared.runtime.settings import PlatformSettings
from shared.security.auth import decode_token


def fangfan(tmp_path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGFAN_")}
    env.update(FANGFAN_DATA_DIR=str(tmp_path / "data"), FANGFAN_ENV_FILE=str(tmp_path / "none.env"), **settings)
    return subprocess.run([sys.executable, "-m", "shared.runtime.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_token_is_accepted_by_the_embedded_settings(tmp_path):
    result = fangfan(tmp_path, "token", "--name", "李镇干", "--role", "town_staff", "--org", "500151108000")
    assert result.returncode == 0, result.stderr
    principal = decode_token(PlatformSettings(_env_file=None), result.stdout.strip())
    assert principal.name == "李镇干" and principal.scope_prefix == "500151108"


def test_token_for_the_wrong_level_is_refused_with_a_reason(tmp_path):
    result = fangfan(tmp_path, "token", "--name", "x", "--role", "district_admin", "--org", "500151108201")
    assert result.returncode == 2
    assert "district level" in result.stderr


def test_token_refuses_full_width_digits_no_real_unit_and_a_long_life(tmp_path):
    full_width = fangfan(tmp_path, "token", "--name", "x", "--role", "town_staff", "--org", "５００１５１１０８０００")
    assert full_width.returncode == 2 and "12 ASCII digits" in full_width.stderr
    no_district = fangfan(tmp_path, "token", "--name", "x", "--role", "district_admin", "--org", "000000000000")
    assert no_district.returncode == 2 and "no real district" in no_district.stderr
    century = fangfan(tmp_path, "token", "--name", "x", "--role", "auditor", "--org", "500151000000",
                      "--ttl-minutes", str(100 * 365 * 24 * 60))
    assert century.returncode == 2 and "lifetime" in century.stderr
    long_name = fangfan(tmp_path, "token", "--name", "名" * 121, "--role", "auditor", "--org", "500151000000")
    assert long_name.returncode == 2 and "at most 120" in long_name.stderr


def test_failed_events_are_listed_and_replayed(tmp_path):
    assert fangfan(tmp_path, "migrate").returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'alerts.db'}"
    envelope = Envelope(type="platform.probe", version=1, org_code="500151000000", source="intake",
                        payload=BusProbe(origin="intake").model_dump(mode="json"))

    async def fail_once() -> uuid.UUID:
        db = Database(url)
        try:
            async with db.transaction() as session:
                failure = FailedEvent(event_id=envelope.id, event_type=envelope.type,
                                      consumer="alerts.platform.record_probe", org_code=envelope.org_code,
                                      envelope=envelope.model_dump(mode="json"), error="ConnectionError: down",
                                      attempts=6)
                session.add(failure)
            return failure.id
        finally:
            await db.dispose()

    failure_id = asyncio.run(fail_once())
    listed = fangfan(tmp_path, "events", "failed", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(f["id"], f["service"]) for f in json.loads(listed.stdout)] == [(str(failure_id), "alerts")]

    replayed = fangfan(tmp_path, "events", "replay", str(failure_id))
    assert replayed.returncode == 0, replayed.stderr
    assert "alerts: handled" in replayed.stdout
    assert "no failed events" in fangfan(tmp_path, "events", "failed").stdout

    async def receipts() -> int:
        db = Database(url)
        try:
            async with db.session() as session:
                return await session.scalar(select(func.count()).select_from(ProbeReceipt))
        finally:
            await db.dispose()

    assert asyncio.run(receipts()) == 1
    assert fangfan(tmp_path, "events", "replay", str(uuid.uuid4())).returncode == 1


def test_an_unusable_field_key_stops_the_embedded_server_before_it_serves(tmp_path):
    # 44 characters like a Fernet key, but not one: every household write would have answered 500.
    result = fangfan(tmp_path, "serve", "intake", "--port", "1", FANGFAN_FIELD_ENCRYPTION_KEY="k" * 44)
    assert result.returncode == 1
    assert "refusing to start" in result.stderr and "FANGFAN_FIELD_ENCRYPTION_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_the_development_field_key_behind_a_comma(tmp_path):
    from shared.runtime.settings import DEV_FIELD_KEY

    result = fangfan(tmp_path, "serve", "intake", "--port", "1", FANGFAN_MODE="production",
                     FANGFAN_REDIS_URL="redis://127.0.0.1:1/0",
                     FANGFAN_JWT_SECRET="own-jwt-secret-0123456789abcdef0123456789",
                     FANGFAN_BLIND_INDEX_KEY="own-blind-index-key-0123456789abcdef01234",
                     FANGFAN_FIELD_ENCRYPTION_KEY=f"{DEV_FIELD_KEY},")
    assert result.returncode == 3
    assert "FANGFAN_FIELD_ENCRYPTION_KEY must be set to a secret of the deployment's own" in result.stderr


def test_jobs_list_shows_every_job_and_schedule(tmp_path):
    result = fangfan(tmp_path, "jobs", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for service in ("intake", "income", "ledger", "alerts"):
        assert any(line.split()[:3] == [service, "platform.sweep_jobs", "scheduled"] for line in lines), service
    assert any(line.split()[:3] == ["income", "reassessments.run", "tracked"] for line in lines)
    assert any(line.split()[:3] == ["intake", "imports.run", "tracked"] for line in lines)
    assert any("hour=3 minute=17" in line for line in lines if "platform.prune" in line)


def test_jobs_run_runs_a_scheduled_job_now_for_a_chosen_day(tmp_path):
    assert fangfan(tmp_path, "migrate").returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'income.db'}"

    async def a_job_cut_off_by_a_dead_worker() -> uuid.UUID:
        db = Database(url)
        try:
            async with db.transaction() as session:
                record = JobRecord(name="reassessments.run", params={}, org_code="500151000000", created_by="admin",
                                   state=JobState.RUNNING, attempts=1,
                                   heartbeat_at=datetime(2024, 9, 26, 9, 0, tzinfo=SHANGHAI))
                session.add(record)
            return record.id
        finally:
            await db.dispose()

    job_id = asyncio.run(a_job_cut_off_by_a_dead_worker())

    result = fangfan(tmp_path, "jobs", "run", "platform.sweep_jobs", "--as-of", "2024-09-27", "--service", "income")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"job": "platform.sweep_jobs", "as_of": "2024-09-27",
                                                          "results": {"income": None}}

    async def state() -> str:
        db = Database(url)
        try:
            async with db.session() as session:
                return (await session.get(JobRecord, job_id)).state
        finally:
            await db.dispose()

    assert asyncio.run(state()) == JobState.QUEUED  # resumed: on 27 September its heartbeat is a day old


def test_jobs_run_refuses_an_unknown_job_or_a_bad_date(tmp_path):
    unknown = fangfan(tmp_path, "jobs", "run", "no.such_job")
    assert unknown.returncode == 2 and "no job or scheduled job is named 'no.such_job'" in unknown.stderr
    bad_date = fangfan(tmp_path, "jobs", "run", "platform.prune", "--as-of", "2024-13-01")
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr
