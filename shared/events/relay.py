"""The outbox relay: publishes committed outbox rows at once after commit and again on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy import and_, bindparam, case, delete, or_, select, update

from shared.data.database import Database
from shared.data.platform_tables import InboxRecord, OutboxEvent
from shared.domain.clock import clock
from shared.events.envelope import Envelope
from shared.events.transports import Transport, TransportUnavailable
from shared.runtime.metrics import EVENTS_PUBLISHED, EVENTS_REDELIVERED, OUTBOX_BACKLOG
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)

# How long the relay waits after a wake-up, so that the commits of concurrent requests share one pass
# (claiming a batch costs the same for one row as for fifty): events leave within about 0.1 s.
COALESCE_SECONDS = 0.1


class OutboxRelay:
    """Moves one service's outbox to the transport; several relays may run (rows are locked while sent)."""

    def __init__(self, service: str, db: Database, transport: Transport, *, interval: float = 2.0,
                 batch_size: int = 200, retention: timedelta = timedelta(days=7),
                 inbox_retention: timedelta = timedelta(days=30), confirm_after: timedelta = timedelta(minutes=2),
                 confirm_window: timedelta = timedelta(hours=24)) -> None:
        self.service = service
        self.db = db
        self.transport = transport
        self.interval = interval
        self.batch_size = batch_size
        self.retention = retention
        self.inbox_retention = inbox_retention
        self.confirm_after = confirm_after
        self.confirm_window = confirm_window
        # Built once: after every commit that wrote events, constructing the statement cost about as much
        # CPU as the rest of the pass.
        claimed = (select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))
                   .order_by(OutboxEvent.created_at).limit(batch_size)
                   .with_for_update(skip_locked=True).scalar_subquery())
        self._claim = (update(OutboxEvent).where(OutboxEvent.id.in_(claimed))
                       .values(published_at=bindparam("now"), attempts=OutboxEvent.attempts + 1)
                       .returning(OutboxEvent.id, OutboxEvent.type, OutboxEvent.envelope, OutboxEvent.created_at)
                       .execution_options(synchronize_session=False))
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        """Called after a commit that wrote events."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.drain()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
                # A moment's wait lets the commits of concurrent requests share one relay pass.
                await asyncio.sleep(COALESCE_SECONDS)
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 - the relay must outlive any one failure
                log.exception("outbox_relay_error", service=self.service)

    async def prune(self) -> int:
        """Delete outbox rows published, and inbox rows handled, longer ago than their retention.

        Run daily by the scheduled job ``platform.prune``.

        Neither table is an archive. An inbox row only has to outlive any redelivery of its event
        (arq keeps a job's id for an hour; a replay comes from the failed-events table), so a month
        is ample. Returns the number of outbox rows deleted.
        """
        now = clock.now()
        async with self.db.transaction(system_principal(f"{self.service}.relay")) as session:
            result = await session.execute(delete(OutboxEvent).where(
                OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < now - self.retention))
            await session.execute(delete(InboxRecord).where(InboxRecord.handled_at < now - self.inbox_retention))
        return result.rowcount or 0

    async def confirm_deliveries(self) -> tuple[int, int]:
        """Confirm the rows published ``confirm_after`` ago or more that every consumer has handled, and send
        again the deliveries the transport lost; returns (rows confirmed, deliveries sent again).

        Run by the scheduled job ``platform.confirm_deliveries``. Marking a row published means Redis took
        its jobs, not that Redis kept them: one that restarts empty, or fails over to a replica behind
        it, loses what it held. A row stays unconfirmed, and is checked at every pass, until each
        consumer's result is seen or it leaves the window (``confirm_window``) after its publication.
        """
        now, confirmed, resent = clock.now(), 0, 0
        after: tuple[datetime, uuid.UUID] | None = None
        try:
            while True:
                async with self.db.transaction(system_principal(f"{self.service}.relay")) as session:
                    rows = (await session.execute(self._unconfirmed(now, after))).all()
                    if not rows:
                        break
                    handled, lost = await self.transport.confirm([Envelope.model_validate(row.envelope)
                                                                  for row in rows])
                    if handled:
                        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(handled))
                                              .values(confirmed_at=now).execution_options(synchronize_session=False))
                confirmed, resent = confirmed + len(handled), resent + lost
                after = (rows[-1].published_at, rows[-1].id)
                if len(rows) < self.batch_size:
                    break
        except TransportUnavailable as exc:  # the next pass checks again
            log.warning("outbox_confirmation_unavailable", service=self.service, error=str(exc))
        if resent:
            EVENTS_REDELIVERED.labels(self.service).inc(resent)
        return confirmed, resent

    def _unconfirmed(self, now: datetime, after: tuple[datetime, uuid.UUID] | None):
        """A batch of published, unconfirmed rows old enough to check, after ``after`` (publication, id)."""
        query = (select(OutboxEvent.id, OutboxEvent.envelope, OutboxEvent.published_at)
                 .where(OutboxEvent.published_at.is_not(None), OutboxEvent.confirmed_at.is_(None),
                        OutboxEvent.published_at <= now - self.confirm_after,
                        OutboxEvent.published_at > now - self.confirm_window)
                 .order_by(OutboxEvent.published_at, OutboxEvent.id).limit(self.batch_size)
                 .with_for_update(skip_locked=True))
        if after is not None:
            published_at, row_id = after
            query = query.where(or_(OutboxEvent.published_at > published_at,
                                    and_(OutboxEvent.published_at == published_at, OutboxEvent.id > row_id)))
        return query

    async def drain(self) -> int:
        """Publish every unpublished row; returns how many were published. Stops early if the transport is down."""
        published = 0
        while True:
            sent, more = await self._publish_batch()
            published += sent
            if not more:
                return published

    async def _publish_batch(self) -> tuple[int, bool]:
        """Claim up to a batch of unpublished rows, marked as published in the same statement, and send them.

        Claiming and marking is one round trip; the rows stay locked until the transaction ends, so a
        second relay skips them. If the transport fails part-way, the rows not sent are unmarked
        again before the commit, and the failing one keeps its error.
        """
        async with self.db.transaction(system_principal(f"{self.service}.relay")) as session:
            # RETURNING keeps no order: events leave in the order they were written.
            rows = sorted((await session.execute(self._claim, {"now": clock.now()})).all(),
                          key=lambda row: (row.created_at, str(row.id)))
            for sent, row in enumerate(rows):
                try:
                    await self.transport.send(Envelope.model_validate(row.envelope))
                except TransportUnavailable as exc:
                    log.warning("outbox_transport_unavailable", service=self.service, error=str(exc))
                    await self._unmark(session, failed=row.id, unsent=[r.id for r in rows[sent:]], error=str(exc))
                    OUTBOX_BACKLOG.labels(self.service).set(len(rows) - sent)
                    return sent, False
                EVENTS_PUBLISHED.labels(self.service, row.type).inc()
            OUTBOX_BACKLOG.labels(self.service).set(0 if len(rows) < self.batch_size else len(rows))
            return len(rows), len(rows) == self.batch_size

    @staticmethod
    async def _unmark(session, *, failed: uuid.UUID, unsent: list[uuid.UUID], error: str) -> None:
        """Rows claimed but not sent wait for the next pass; only the one that failed counts an attempt."""
        is_failed = OutboxEvent.id == failed
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(unsent))
            .values(published_at=None,
                    attempts=case((is_failed, OutboxEvent.attempts), else_=OutboxEvent.attempts - 1),
                    last_error=case((is_failed, error[:500]), else_=OutboxEvent.last_error))
            .execution_options(synchronize_session=False))
