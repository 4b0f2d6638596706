"""The scan raises each alert once and escalates; subscribers get signed deliveries, retried, then recorded."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from services.alerts.deadlines import service as deadlines
from shared.domain.clock import SHANGHAI, clock
from shared.security.auth import system_principal
from tests.alerts.conftest import run_schedule
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio

DUE = date(2024, 10, 10)


def moment(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


async def a_deadline(system, key: str = "rectification:demo", org_code: str = VILLAGE) -> None:
    async with system.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.schedule(session, key=key, kind="rectification", subject_type="rectification",
                                 subject_id="demo", org_code=org_code, due=DUE, source="ledger",
                                 basis="campaign 2024 rectification_by", rule_code="rectification.by_campaign_date",
                                 as_of=moment(date(2024, 9, 1)))


async def scan(system, day: date, hour: int = 9) -> list[tuple[str, str]]:
    """Scan as of ``day``; returns every alert (kind, addressed org code) raised so far, sorted."""
    with clock.frozen(moment(day, hour)):
        await run_schedule(system, "alerts.scan", day)
    response = await system.client.get("/alerts/alerts", params={"limit": 500},
                                       headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 200, response.text
    return sorted((a["kind"], a["org_code"]) for a in response.json()["items"])


async def test_scans_as_of_chosen_days_raise_each_alert_once_remind_and_escalate(alerts):
    await a_deadline(alerts)
    assert await scan(alerts, date(2024, 10, 7)) == []  # three days ahead: not yet
    assert await scan(alerts, date(2024, 10, 9)) == [("due_soon", VILLAGE)]
    assert await scan(alerts, date(2024, 10, 10)) == [("due_soon", VILLAGE)]
    assert await scan(alerts, date(2024, 10, 11)) == [("due_soon", VILLAGE), ("overdue", VILLAGE)]
    assert await scan(alerts, date(2024, 10, 11), hour=15) == [("due_soon", VILLAGE), ("overdue", VILLAGE)]
    assert await scan(alerts, date(2024, 10, 12), hour=10) == [("due_soon", VILLAGE), ("overdue", VILLAGE),
                                                                ("reminder", VILLAGE)]
    assert await scan(alerts, date(2024, 10, 13), hour=10) == [("due_soon", VILLAGE), ("escalation", TOWNSHIP),
                                                                ("overdue", VILLAGE)] + [("reminder", VILLAGE)] * 2
    assert await scan(alerts, date(2024, 10, 16), hour=10) == [
        ("due_soon", VILLAGE), ("escalation", DISTRICT), ("escalation", TOWNSHIP), ("overdue", VILLAGE)] + [
        ("reminder", VILLAGE)] * 3
    assert len(await scan(alerts, date(2024, 10, 16), hour=11)) == 7  # within the reminder interval: nothing
    township = (await alerts.client.get("/alerts/alerts", params={"kind": "escalation"},
                                        headers=alerts.headers("town_staff", TOWNSHIP))).json()["items"]
    assert [a["org_code"] for a in township] == [TOWNSHIP]
    acknowledged = await alerts.client.post(f"/alerts/alerts/{township[0]['id']}/acknowledgement",
                                            headers=alerts.headers("town_staff", TOWNSHIP, name="李镇长"))
    assert acknowledged.status_code == 200
    assert (acknowledged.json()["state"], acknowledged.json()["acknowledged_by_name"]) == ("acknowledged", "李镇长")


async def test_a_deadline_met_late_is_recorded_as_met_late_and_no_longer_raises(alerts):
    await a_deadline(alerts)
    assert await scan(alerts, date(2024, 10, 11)) == [("overdue", VILLAGE)]  # first heard late: no due_soon
    async with alerts.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.record_met(session, key="rectification:demo", met_on=date(2024, 10, 12), late=False,
                                   as_of=moment(date(2024, 10, 12)), org_code=VILLAGE, source="ledger")
    assert await scan(alerts, date(2024, 10, 20)) == [("overdue", VILLAGE)]
    [deadline] = (await alerts.client.get("/alerts/deadlines", headers=alerts.headers("town_staff", TOWNSHIP))
                  ).json()["items"]
    assert (deadline["state"], deadline["met_on"], deadline["met_late"]) == ("met", "2024-10-12", True)


class _Receiver(BaseHTTPRequestHandler):
    status = 204

    def do_POST(self):  # noqa: N802 - the http.server naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.received.append((dict(self.headers), body.decode("utf-8")))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


class LoopbackReceiver:
    """A tiny HTTP receiver on 127.0.0.1 in a thread, answering every POST with ``status``."""

    def __init__(self, status: int) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        self.server.received, self.server.status, self.server.timeout = [], status, 5
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


async def subscribe(system, url: str, **body) -> dict:
    response = await system.client.post("/alerts/subscriptions", json={"url": url} | body,
                                        headers=system.headers("town_staff", TOWNSHIP))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_loopback_url_is_refused_unless_its_host_is_allowed(alerts, alerts_env):
    refused = await alerts.client.post("/alerts/subscriptions", json={"url": "http://127.0.0.1:9/hook"},
                                       headers=alerts.headers("town_staff", TOWNSHIP))
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "body.url"
    private = await alerts.client.post("/alerts/subscriptions", json={"url": "http://10.1.2.3/hook"},
                                       headers=alerts.headers("town_staff", TOWNSHIP))
    assert private.status_code == 422
    alerts_env.setenv("FANGFAN_ALERTS_SUBSCRIBER_ALLOWED_HOSTS", '["127.0.0.1"]')
    from services.alerts.settings import reset_alerts_settings
    reset_alerts_settings()
    assert (await subscribe(alerts, "http://127.0.0.1:9/hook"))["org_code"] == TOWNSHIP


async def test_a_subscriber_gets_signed_deliveries_and_a_failing_one_is_retried_then_recorded(alerts, alerts_env):
    alerts_env.setenv("FANGFAN_ALERTS_SUBSCRIBER_ALLOWED_HOSTS", '["127.0.0.1"]')
    alerts_env.setenv("FANGFAN_ALERTS_DELIVERY_BACKOFF_SECONDS", "0")
    alerts_env.setenv("FANGFAN_ALERTS_DELIVERY_MAX_ATTEMPTS", "3")
    from services.alerts.settings import reset_alerts_settings
    reset_alerts_settings()
    await a_deadline(alerts)
    with LoopbackReceiver(204) as good, LoopbackReceiver(500) as failing:
        ok = await subscribe(alerts, good.url, kinds=["due_soon"])
        bad = await subscribe(alerts, failing.url)
        await scan(alerts, date(2024, 10, 9))
        for _ in range(4):
            await run_schedule(alerts, "subscriptions.deliver", date(2024, 10, 9))
    [(headers, body)] = good.server.received
    message = Webhook(ok["secret"]).verify(body, headers)
    assert (message["type"], message["data"]["kind"], message["data"]["org_code"]) == ("alert.raised", "due_soon",
                                                                                       VILLAGE)
    assert len(failing.server.received) == 3
    assert len({h["webhook-id"] for h, _ in failing.server.received}) == 1  # one message id across retries
    listed = await alerts.client.get("/alerts/subscriptions/deliveries", params={"subscription_id": bad["id"]},
                                     headers=alerts.headers("town_staff", TOWNSHIP))
    [delivery] = listed.json()
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("failed", 3, 500)
    log = (await alerts.client.get(f"/alerts/subscriptions/deliveries/{delivery['id']}",
                                   headers=alerts.headers("town_staff", TOWNSHIP))).json()["log"]
    assert [(a["attempt"], a["status_code"]) for a in log] == [(1, 500), (2, 500), (3, 500)]
    replayed = await alerts.client.post(f"/alerts/subscriptions/deliveries/{delivery['id']}/replay",
                                        headers=alerts.headers("town_staff", TOWNSHIP))
    assert replayed.status_code == 200 and replayed.json()["state"] == "pending"
    assert json.loads(body)["data"]["due_on"] == "2024-10-10"
