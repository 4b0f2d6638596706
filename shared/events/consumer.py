"""Receiving events: the inbox makes each (event, consumer) run once; failures retry, then wait for replay."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import structlog
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import shared.events.contracts  # noqa: F401 - every contract is registered before an envelope is read
from shared.data.database import AppSession, Database
from shared.data.platform_tables import FailedEvent, InboxRecord
from shared.domain.clock import clock
from shared.errors import database_unreachable
from shared.events.envelope import Envelope
from shared.security.auth import system_principal

log = structlog.get_logger(__name__)

HandlerFunc = Callable[[AppSession, Envelope], Awaitable[None]]


class TransientError(Exception):
    """A failure worth retrying (a dependency down, a lock timeout)."""


@dataclass(frozen=True)
class Handler:
    """A consumer of one event type; ``name`` (``domain.action``) keys its inbox rows."""

    event_type: str
    name: str
    func: HandlerFunc


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    FAILED = "failed"


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (TransientError, OperationalError, ConnectionError, asyncio.TimeoutError, OSError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff: base, 2×base, 4×base … capped at five minutes."""
    return min(base * 2 ** (attempt - 1), 300.0)


class EventConsumer:
    """One service's handlers, run against that service's database."""

    def __init__(self, service: str, db: Database, handlers: list[Handler], *, max_tries: int = 6,
                 retry_base_seconds: float = 1.0) -> None:
        self.service = service
        self.db = db
        self.handlers = handlers
        self.max_tries = max_tries
        self.retry_base_seconds = retry_base_seconds

    def handlers_for(self, event_type: str) -> list[Handler]:
        return [h for h in self.handlers if h.event_type == event_type]

    async def deliver(self, envelope: Envelope, *, attempt: int = 1) -> Outcome:
        """Run every handler of this envelope once; the worst outcome wins."""
        outcomes = [await self.run_handler(h, envelope, attempt=attempt) for h in self.handlers_for(envelope.type)]
        for worst in (Outcome.RETRY, Outcome.FAILED, Outcome.HANDLED):
            if worst in outcomes:
                return worst
        return Outcome.DUPLICATE

    async def deliver_with_retries(self, envelope: Envelope) -> Outcome:
        """The in-process path: retry transient failures with backoff, in this task."""
        attempt = 1
        while True:
            outcome = await self.deliver(envelope, attempt=attempt)
            if outcome != Outcome.RETRY:
                return outcome
            await asyncio.sleep(backoff_seconds(attempt, self.retry_base_seconds))
            attempt += 1

    async def run_handler(self, handler: Handler, envelope: Envelope, *, attempt: int) -> Outcome:
        """Run one handler once; a final failure is recorded for an operator to replay.

        A failure that cannot be recorded because the database went away in between is tried again
        later: a delivery ended without its inbox row or a failure record would be lost.
        """
        outcome, error = await self.attempt(handler, envelope, attempt=attempt)
        if outcome == Outcome.FAILED:
            try:
                await self.record_failure(handler, envelope, attempt, error)
            except Exception as exc:
                if not database_unreachable(exc):
                    raise
                log.warning("event_failure_not_recorded", event_id=str(envelope.id), consumer=handler.name,
                            error=f"{type(exc).__name__}: {exc}"[:300])
                return Outcome.RETRY
        return outcome

    async def attempt(self, handler: Handler, envelope: Envelope, *, attempt: int) -> tuple[Outcome, str]:
        """One try of one handler inside its own transaction, guarded by the inbox."""
        bound = log.bind(event_id=str(envelope.id), event_type=envelope.type, consumer=handler.name, attempt=attempt)
        structlog.contextvars.bind_contextvars(event_id=str(envelope.id))
        try:
            async with self.db.transaction(system_principal(handler.name)) as session:
                session.info["service"] = self.service
                if await _already_handled(session, envelope, handler):
                    return Outcome.DUPLICATE, ""
                # Inserting the inbox row first makes a concurrent duplicate wait on it, then fail on the key.
                session.add(InboxRecord(event_id=envelope.id, consumer=handler.name, event_type=envelope.type))
                await session.flush()
                await handler.func(session, envelope)
            bound.info("event_handled")
            return Outcome.HANDLED, ""
        except IntegrityError as exc:
            if await self._handled_elsewhere(envelope, handler):
                return Outcome.DUPLICATE, ""
            error, transient = f"IntegrityError: {exc.orig}", False
        except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
            error, transient = f"{type(exc).__name__}: {exc}", is_transient(exc)
            if database_unreachable(exc):
                # The service's own database is away (restarting, failing over): no fault of this event,
                # so it waits, with the usual backoff, however long that takes, and uses up no tries.
                bound.warning("event_waits_for_database", error=error)
                return Outcome.RETRY, error
        finally:
            structlog.contextvars.unbind_contextvars("event_id")
        if transient and attempt < self.max_tries:
            bound.warning("event_retry", error=error)
            return Outcome.RETRY, error
        bound.error("event_failed", error=error)
        return Outcome.FAILED, error

    async def _handled_elsewhere(self, envelope: Envelope, handler: Handler) -> bool:
        async with self.db.session(system_principal(handler.name)) as session:
            return await _already_handled(session, envelope, handler)

    async def record_failure(self, handler: Handler, envelope: Envelope, attempt: int, error: str) -> None:
        """One record per (event, consumer) awaiting replay: a delivery that fails again updates it."""
        async with self.db.transaction(system_principal(handler.name)) as session:
            query = select(FailedEvent).where(FailedEvent.event_id == envelope.id,
                                              FailedEvent.consumer == handler.name, FailedEvent.replayed_at.is_(None))
            stored = (await session.scalars(query.limit(1))).first()
            if stored is not None:
                stored.attempts += attempt
                stored.error, stored.failed_at = error[:4000], clock.now()
                return
            session.add(FailedEvent(event_id=envelope.id, event_type=envelope.type, consumer=handler.name,
                                    org_code=envelope.org_code, envelope=envelope.model_dump(mode="json"),
                                    error=error[:4000], attempts=attempt))

    async def replay(self, failure_id) -> Outcome:
        """Run the failed handler again; on success the failure is marked replayed."""
        async with self.db.session(system_principal("replay")) as session:
            failure = await session.get(FailedEvent, failure_id)
        if failure is None:
            raise LookupError(f"no failed event {failure_id} in {self.service}")
        handler = next((h for h in self.handlers if h.name == failure.consumer), None)
        if handler is None:
            raise LookupError(f"consumer {failure.consumer} no longer exists in {self.service}")
        outcome, error = await self.attempt(handler, Envelope.model_validate(failure.envelope),
                                            attempt=self.max_tries)
        async with self.db.transaction(system_principal("replay")) as session:
            stored = await session.get(FailedEvent, failure_id)
            if outcome in (Outcome.HANDLED, Outcome.DUPLICATE):
                stored.replayed_at = clock.now()
            else:  # still failing: the same record keeps the latest error, no second record
                stored.attempts += 1
                stored.error = error[:4000]
        return outcome


async def _already_handled(session: AppSession, envelope: Envelope, handler: Handler) -> bool:
    found = await session.execute(
        select(InboxRecord.event_id).where(InboxRecord.event_id == envelope.id, InboxRecord.consumer == handler.name)
    )
    return found.first() is not None
