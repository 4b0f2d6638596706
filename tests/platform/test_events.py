"""Outbox, inbox, retries and replay, with the in-process transport."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.data.platform_tables import (
    FailedEvent,
    InboxRecord,
    OutboxEvent,
    ProbeReceipt,
)
from shared.events.consumer import Handler, Outcome, TransientError
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import Envelope
from shared.events.outbox import publish
from shared.events.transports import TransportUnavailable
from tests.conftest import DISTRICT

pytestmark = pytest.mark.asyncio


async def count(runtime, model, *where) -> int:
    async with runtime.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def stage_probe(system, origin: str = "intake", *, fail: bool = False) -> Envelope:
    runtime = system.runtimes[origin]
    try:
        async with runtime.db.transaction() as session:
            envelope = await publish(session, BusProbe(origin=origin), org_code=DISTRICT, source=origin)
            if fail:
                raise RuntimeError("the business step failed")
    except RuntimeError:
        pass
    return envelope


async def test_a_rolled_back_transaction_leaves_nothing_to_publish(system):
    envelope = await stage_probe(system, fail=True)
    await system.settle()
    assert await count(system.runtimes["intake"], OutboxEvent, OutboxEvent.id == envelope.id) == 0
    for runtime in system.runtimes.values():
        assert await count(runtime, ProbeReceipt, ProbeReceipt.event_id == envelope.id) == 0


async def test_committed_events_are_published_once_and_marked(system):
    envelope = await stage_probe(system)
    relay = system.runtimes["intake"].relay
    assert await relay.drain() == 1
    assert await relay.drain() == 0  # nothing is sent twice by the relay itself
    async with system.runtimes["intake"].db.session() as session:
        row = await session.get(OutboxEvent, envelope.id)
    assert row.published_at is not None


class BrokenAfter:
    """A transport that takes ``good`` envelopes and then is down."""

    def __init__(self, good: int) -> None:
        self.good, self.sent = good, []

    async def send(self, envelope: Envelope) -> None:
        if len(self.sent) >= self.good:
            raise TransportUnavailable("redis is down")
        self.sent.append(envelope.id)

    async def close(self) -> None:
        return None


async def test_a_transport_failing_part_way_leaves_the_unsent_rows_for_the_next_pass(system):
    from shared.events.relay import OutboxRelay

    intake = system.runtimes["intake"]
    staged = [await stage_probe(system) for _ in range(3)]
    broken = BrokenAfter(good=1)
    assert await OutboxRelay("intake", intake.db, broken).drain() == 1
    assert broken.sent == [staged[0].id]
    async with intake.db.session() as session:
        rows = {row.id: row for row in (await session.scalars(select(OutboxEvent))).all()}
    first, failed, waiting = (rows[envelope.id] for envelope in staged)
    assert first.published_at is not None and first.attempts == 1
    assert (failed.published_at, failed.attempts, failed.last_error) == (None, 1, "redis is down")
    assert (waiting.published_at, waiting.attempts, waiting.last_error) == (None, 0, None)
    working = BrokenAfter(good=10)
    assert await OutboxRelay("intake", intake.db, working).drain() == 2
    assert working.sent == [staged[1].id, staged[2].id]  # in the order they were written


async def test_transient_failures_retry_then_succeed(system):
    ledger = system.runtimes["ledger"]
    calls = []

    async def flaky(session, envelope):
        calls.append(envelope.id)
        if len(calls) < 3:
            raise TransientError("the department system timed out")

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.flaky", flaky))
    await stage_probe(system)
    await system.settle()
    assert len(calls) == 3
    assert await count(ledger, FailedEvent) == 0


async def test_permanent_failure_is_recorded_and_replayable(system):
    ledger = system.runtimes["ledger"]
    broken = {"yes": True}

    async def sometimes_broken(session, envelope):
        if broken["yes"]:
            raise ValueError("a bug in the handler")
        session.add(ProbeReceipt(event_id=envelope.id, origin="replayed", received_by="ledger",
                                 org_code=envelope.org_code))

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.broken", sometimes_broken))
    envelope = await stage_probe(system)
    await system.settle()
    async with ledger.db.session() as session:
        failures = (await session.execute(select(FailedEvent))).scalars().all()
    assert [(f.event_id, f.consumer, f.attempts) for f in failures] == [(envelope.id, "ledger.test.broken", 1)]
    assert "a bug in the handler" in failures[0].error
    # The other consumer of the same event was not held back by the failure.
    assert await count(ledger, ProbeReceipt, ProbeReceipt.origin == "intake") == 1

    headers = system.headers("district_admin", DISTRICT)
    listed = await system.client.get("/ledger/events/failed", headers=headers)
    assert [f["id"] for f in listed.json()] == [str(failures[0].id)]

    broken["yes"] = False
    replayed = await system.client.post(f"/ledger/events/failed/{failures[0].id}/replay", headers=headers)
    assert replayed.json()["outcome"] == Outcome.HANDLED
    assert await count(ledger, ProbeReceipt, ProbeReceipt.origin == "replayed") == 1
    assert (await system.client.get("/ledger/events/failed", headers=headers)).json() == []
    # A second replay of the same failure finds the inbox row and changes nothing.
    again = await system.client.post(f"/ledger/events/failed/{failures[0].id}/replay", headers=headers)
    assert again.json()["outcome"] == Outcome.DUPLICATE
    assert await count(ledger, ProbeReceipt, ProbeReceipt.origin == "replayed") == 1


async def test_exhausted_transient_failure_is_recorded(system):
    ledger = system.runtimes["ledger"]

    async def always_down(session, envelope):
        raise TransientError("still down")

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.down", always_down))
    await stage_probe(system)
    await system.settle()
    async with ledger.db.session() as session:
        failure = (await session.execute(select(FailedEvent))).scalar_one()
    assert failure.attempts == system.settings.event_max_tries


async def test_replay_of_an_unknown_failure_is_404(system):
    response = await system.client.post("/ledger/events/failed/00000000-0000-0000-0000-000000000000/replay",
                                        headers=system.headers("district_admin", DISTRICT))
    assert response.status_code == 404


async def test_a_replay_that_fails_again_updates_the_same_failure(system):
    ledger = system.runtimes["ledger"]

    async def broken(session, envelope):
        raise ValueError("still broken")

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.still_broken", broken))
    await stage_probe(system)
    await system.settle()
    async with ledger.db.session() as session:
        failure = (await session.execute(select(FailedEvent))).scalar_one()
    assert await ledger.consumer.replay(failure.id) == Outcome.FAILED
    async with ledger.db.session() as session:
        failures = (await session.execute(select(FailedEvent))).scalars().all()
    assert [(f.id, f.attempts, f.replayed_at) for f in failures] == [(failure.id, 2, None)]


async def test_published_rows_past_the_retention_are_pruned(system):
    from datetime import timedelta

    from shared.domain.clock import clock

    relay = system.runtimes["intake"].relay
    old = await stage_probe(system)
    await relay.drain()
    with clock.frozen(clock.now() + timedelta(days=3)):
        fresh = await stage_probe(system)
        unpublished = await stage_probe(system, origin="intake")
        await system.runtimes["intake"].relay.drain()
        async with system.runtimes["intake"].db.transaction() as session:
            row = await session.get(OutboxEvent, unpublished.id)
            row.published_at = None  # as if the transport had been down since
    with clock.frozen(clock.now() + timedelta(days=8)):
        assert await relay.prune() == 1
    intake = system.runtimes["intake"]
    assert await count(intake, OutboxEvent, OutboxEvent.id == old.id) == 0
    assert await count(intake, OutboxEvent, OutboxEvent.id.in_([fresh.id, unpublished.id])) == 2


async def test_inbox_rows_past_their_retention_are_pruned(system):
    from datetime import timedelta

    from shared.domain.clock import clock

    handled = await stage_probe(system)
    await system.settle()
    ledger = system.runtimes["ledger"]
    assert await count(ledger, InboxRecord, InboxRecord.event_id == handled.id) == 1
    with clock.frozen(clock.now() + timedelta(days=29)):
        await ledger.relay.prune()
    assert await count(ledger, InboxRecord, InboxRecord.event_id == handled.id) == 1
    with clock.frozen(clock.now() + timedelta(days=31)):
        await ledger.relay.prune()
    assert await count(ledger, InboxRecord, InboxRecord.event_id == handled.id) == 0


async def test_a_database_away_uses_up_no_tries_and_records_no_failure(system):
    """A handler that cannot reach its database (a restart) is tried until it can, however many tries."""
    ledger = system.runtimes["ledger"]
    calls = []

    async def database_restarting(session, envelope):
        calls.append(envelope.id)
        if len(calls) <= system.settings.event_max_tries + 2:
            raise ConnectionRefusedError(111, "Connection refused")
        session.add(ProbeReceipt(event_id=envelope.id, origin="after-restart", received_by="ledger",
                                 org_code=envelope.org_code))

    ledger.consumer.handlers.append(Handler("platform.probe", "ledger.test.restarting", database_restarting))
    await stage_probe(system)
    await system.settle()
    assert len(calls) == system.settings.event_max_tries + 3
    assert await count(ledger, FailedEvent) == 0
    assert await count(ledger, ProbeReceipt, ProbeReceipt.origin == "after-restart") == 1


async def test_a_failure_that_cannot_be_recorded_is_tried_again(system, monkeypatch):
    """The database went away between the handler's failure and its record: the delivery is not dropped."""
    ledger = system.runtimes["ledger"]

    async def broken(session, envelope):
        raise ValueError("a bug in the handler")

    async def database_gone(*args, **kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(ledger.consumer, "record_failure", database_gone)
    handler = Handler("platform.probe", "ledger.test.unrecorded", broken)
    envelope = Envelope(type="platform.probe", version=1, org_code=DISTRICT, source="intake",
                        payload={"origin": "intake"})
    assert await ledger.consumer.run_handler(handler, envelope, attempt=1) == Outcome.RETRY
