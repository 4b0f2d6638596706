"""Fixtures of the alerts tests: the system with intake's demo org units, departments, signed messages, scans."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from typing import Any

import pytest
import pytest_asyncio

from services.alerts.settings import reset_alerts_settings
from services.alerts.webhooks.signatures import signed_headers
from shared.domain.clock import clock
from shared.runtime.jobs import JobContext
from shared.security.auth import system_principal
from tests.conftest import DISTRICT
from tests.factories.intake import load_demo_org_units

WEBHOOK = "/alerts/webhooks/department-warnings"


@pytest_asyncio.fixture
async def alerts(system):
    """The in-process system with the demo township's org units in intake."""
    async with system.runtimes["intake"].db.transaction(system_principal("tests")) as session:
        await load_demo_org_units(session)
    return system


@pytest.fixture
def alerts_env(monkeypatch):
    """Set FANGFAN_ALERTS_* variables for one test; the cached settings follow them."""
    reset_alerts_settings()
    yield monkeypatch
    monkeypatch.undo()
    reset_alerts_settings()


async def register_department(system, code: str = "ybj-500151", name: str = "铜梁区医疗保障局") -> dict:
    response = await system.client.post("/alerts/departments", json={"code": code, "name": name},
                                        headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 201, response.text
    return response.json()


def warning_row(id_number: str, **overrides: Any) -> dict:
    return {"id": f"YB-{uuid.uuid4().hex[:10]}", "signal_type": "high_medical_cost", "id_number": id_number,
            "occurred_on": "2024-09-20", "details": "住院自付 4.2 万元"} | overrides


async def send(system, department: str, secret: str, body: Any, *, message_id: str | None = None,
               timestamp: datetime | None = None, sign_with: str | None = None):
    """POST a message signed as a department would (the timestamp is the service clock's by default)."""
    text = json.dumps(body, ensure_ascii=False)
    headers = signed_headers(sign_with or secret, message_id=message_id or f"msg_{uuid.uuid4().hex}",
                             timestamp=timestamp or clock.now(), body=text)
    return await system.client.post(WEBHOOK, params={"department": department}, content=text.encode("utf-8"),
                                    headers=headers | {"content-type": "application/json"})


async def run_schedule(system, name: str, as_of: date) -> Any:
    """Run a scheduled job of alerts as a tick on ``as_of`` would (per-entity work runs at once in process)."""
    runtime = system.runtimes["alerts"]
    return await runtime.definition.job(name).func(JobContext(runtime, as_of=as_of))


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc).astimezone(clock.now().tzinfo)
