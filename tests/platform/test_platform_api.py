"""Auth, scope, audit, errors and the bus probe, through the HTTP API of the in-process system."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.data.platform_tables import InboxRecord, OutboxEvent, ProbeReceipt
from shared.events.transports import TransportUnavailable
from shared.runtime.settings import SERVICE_NAMES
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_each_service_answers_health_readiness_and_openapi(system, service):
    assert (await system.client.get(f"/{service}/healthz")).json() == {"status": "ok", "service": service}
    ready = await system.client.get(f"/{service}/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    spec = (await system.client.get(f"/{service}/openapi.json")).json()
    assert spec["info"]["title"].startswith(f"fangfan {service}")
    assert (await system.client.get(f"/{service}/metrics")).status_code == 200


class RedisTransport:
    """An event transport on a Redis that answers, or (``down``) one that does not."""

    def __init__(self, *, down: bool) -> None:
        self.down = down

    async def ping(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def send(self, envelope) -> None:
        if self.down:
            raise TransportUnavailable("redis is down")

    async def close(self) -> None:
        return None


def use_transport(system, monkeypatch, transport: RedisTransport) -> None:
    for runtime in system.runtimes.values():
        monkeypatch.setattr(runtime, "transport", transport)
        monkeypatch.setattr(runtime.relay, "transport", transport)


def redis_up_gauge(metrics: str, service: str) -> str:
    [line] = [line for line in metrics.splitlines() if line.startswith(f'fangfan_redis_up{{service="{service}"}}')]
    return line.rsplit(" ", 1)[1]


async def test_a_redis_outage_leaves_every_api_ready_and_its_writes_waiting_in_the_outbox(system, monkeypatch):
    use_transport(system, monkeypatch, RedisTransport(down=True))
    for service in SERVICE_NAMES:
        ready = await system.client.get(f"/{service}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "error: ConnectionError"}}
        assert redis_up_gauge((await system.client.get(f"/{service}/metrics")).text, service) == "0.0"

    sent = await system.client.post("/ledger/events/probe", headers=system.headers("district_admin", DISTRICT))
    assert sent.status_code == 202, sent.text
    assert await system.runtimes["ledger"].relay.drain() == 0
    async with system.runtimes["ledger"].db.session() as session:
        waiting = await session.get(OutboxEvent, sent.json()["event_id"])
    assert (waiting.published_at, waiting.last_error) == (None, "redis is down")

    use_transport(system, monkeypatch, RedisTransport(down=False))
    assert (await system.client.get("/ledger/readyz")).json()["checks"]["redis"] == "ok"
    assert redis_up_gauge((await system.client.get("/ledger/metrics")).text, "ledger") == "1.0"
    assert await system.runtimes["ledger"].relay.drain() == 1


async def test_readiness_fails_when_the_database_does_not_answer(system, monkeypatch):
    async def unreachable() -> None:
        raise ConnectionRefusedError("the database is down")

    monkeypatch.setattr(system.runtimes["income"].db, "ping", unreachable)
    ready = await system.client.get("/income/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "checks": {"database": "error: ConnectionRefusedError"}}
    assert (await system.client.get("/ledger/readyz")).status_code == 200


async def test_no_token_is_401_and_a_forged_token_is_401(system):
    response = await system.client.get("/intake/audit")
    assert response.status_code == 401
    assert response.json()["error"] == "NotAuthenticated"
    forged = await system.client.get("/intake/audit", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


async def test_village_cadre_cannot_read_the_audit_log(system):
    response = await system.client.get("/intake/audit", headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 403
    assert "district_admin" in response.json()["detail"]


async def test_probe_reaches_every_service_once_even_when_delivered_twice(system):
    sent = await system.client.post("/intake/events/probe", headers=system.headers("district_admin", DISTRICT))
    assert sent.status_code == 202
    event_id = sent.json()["event_id"]
    await system.settle()
    # Deliver the same envelope again to every consumer: the inbox turns it into a no-op.
    for runtime in system.runtimes.values():
        async with runtime.db.session() as session:
            envelope = None
            from shared.data.platform_tables import OutboxEvent

            row = await session.get(OutboxEvent, event_id) if runtime.name == "intake" else None
            if row is not None:
                envelope = row.envelope
        if envelope is not None:
            from shared.events.envelope import Envelope

            await system.transport.send(Envelope.model_validate(envelope))
    await system.transport.join()
    for name, runtime in system.runtimes.items():
        async with runtime.db.session() as session:
            receipts = (await session.execute(
                select(func.count()).select_from(ProbeReceipt).where(ProbeReceipt.event_id == event_id))).scalar()
            inbox = (await session.execute(
                select(func.count()).select_from(InboxRecord).where(InboxRecord.event_id == event_id))).scalar()
        assert (name, receipts, inbox) == (name, 1, 1)
        seen = await system.client.get(f"/{name}/events/probes/{event_id}",
                                       headers=system.headers("district_admin", DISTRICT))
        assert [r["received_by"] for r in seen.json()] == [name]


async def test_probe_receipts_outside_the_callers_scope_are_invisible(system):
    sent = await system.client.post("/ledger/events/probe", headers=system.headers("district_admin", DISTRICT))
    await system.settle()
    event_id = sent.json()["event_id"]
    # A probe belongs to the district's org code; a township is narrower and does not see it.
    township = await system.client.get(f"/ledger/events/probes/{event_id}",
                                       headers=system.headers("town_staff", TOWNSHIP))
    assert township.json() == []


async def test_auditor_reads_the_audit_log_but_cannot_send_a_probe(system):
    auditor = system.headers("auditor", DISTRICT)
    assert (await system.client.get("/alerts/audit", headers=auditor)).status_code == 200
    assert (await system.client.post("/alerts/events/probe", headers=auditor)).status_code == 403


async def test_validation_errors_name_the_field(system):
    response = await system.client.get("/intake/audit?limit=0", headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationError"
    assert body["fields"][0]["field"] == "query.limit"
    too_far = await system.client.get("/intake/audit?offset=99999999999999999999999",
                                      headers=system.headers("district_admin", DISTRICT))
    assert too_far.status_code == 422 and too_far.json()["fields"][0]["field"] == "query.offset"


async def test_request_id_is_echoed(system):
    response = await system.client.get("/income/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_a_value_the_database_cannot_store_is_a_422_not_a_500(system):
    response = await system.client.get("/intake/audit?entity=a%00b", headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"org_code": "\xff\xfe"}', "not valid UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
    (b'{"household_number": ' + b"9" * 5_000 + b"}", "cannot be read"),
])
async def test_a_body_that_cannot_be_read_is_a_422_in_the_error_shape_naming_the_body(system, body, reason):
    response = await system.client.post("/intake/households", content=body,
                                        headers={**system.headers("village_cadre", VILLAGE),
                                                 "Content-Type": "application/json"})
    assert response.status_code == 422
    answer = response.json()
    assert answer["error"] == "ValidationError" and reason in answer["detail"]
    assert [field["field"] for field in answer["fields"]] == ["body"]


async def test_a_multipart_body_that_cannot_be_read_is_a_422_naming_the_body(system):
    boundary = "d179e1be866c7109f564f879b78645d0"
    response = await system.client.post(
        "/intake/households/import", params={"dry_run": True},
        content=f"--{boundary}\r\n0.0--{boundary}--\r\n".encode(),
        headers={**system.headers("town_staff", TOWNSHIP), "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "ValidationError" and "multipart" in answer["detail"]
    assert [(field["field"], field["type"]) for field in answer["fields"]] == [("body", "unreadable_body")]


async def test_an_unknown_path_and_method_answer_in_the_error_shape(system):
    unknown = await system.client.get("/intake/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "NotFound" and unknown.json()["detail"]
    wrong_method = await system.client.delete("/intake/healthz")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "MethodNotAllowed"
    outside_every_service = await system.client.get("/no-such-service")
    assert outside_every_service.status_code == 404 and outside_every_service.json()["error"] == "NotFound"
