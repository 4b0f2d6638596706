"""Writing events: into the outbox, in the caller's transaction, so commit and event stand or fall together."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from shared.data.database import AFTER_EVENTS_COMMITTED_KEY, insert_now
from shared.data.platform_tables import OutboxEvent
from shared.events.envelope import Actor, Envelope, EventPayload, checked_payload

PENDING_KEY = "outbox_pending"


async def publish(session, payload: EventPayload, *, org_code: str, source: str) -> Envelope:
    """Stage an event in the outbox of ``session``'s database; it leaves only if the transaction commits."""
    [envelope] = await publish_all(session, [(payload, org_code)], source=source)
    return envelope


async def publish_all(session, events: Sequence[tuple[EventPayload, str]], *, source: str) -> list[Envelope]:
    """Stage several events, each ``(payload, org_code)``, with one INSERT (a batch announcing many changes).

    Each payload must be the registered contract of its type and version and read back as it; anything
    else raises (:class:`~shared.events.envelope.UnknownContract`, :class:`~shared.events.envelope.ContractViolation`)
    and nothing is staged.
    """
    envelopes, rows = _outbox_rows(session, events, source=source)
    if rows:
        # A plain INSERT on the session's connection, at once: the same transaction, at a fraction of the
        # cost of objects in the next flush (and it triggers no flush of pending objects).
        connection = await session.connection()
        await connection.execute(insert(OutboxEvent.__table__), rows)
        session.info[PENDING_KEY] = True
    return envelopes


async def insert_and_publish(session, model: type, row: dict, events: Sequence[tuple[EventPayload, str]], *,
                             source: str) -> list[Envelope]:
    """Insert a new row of a domain table and stage the events that announce it, in one round trip where the
    database allows (see :func:`shared.data.database.insert_now`); checked as :func:`publish_all` checks."""
    envelopes, rows = _outbox_rows(session, events, source=source)
    await insert_now(session, model, row, beside=[(OutboxEvent.__table__, rows)])
    if rows:
        session.info[PENDING_KEY] = True
    return envelopes


def _outbox_rows(session, events: Sequence[tuple[EventPayload, str]], *, source: str
                 ) -> tuple[list[Envelope], list[dict]]:
    principal = session.info.get("principal")
    actor = Actor(**principal.as_actor()) if principal is not None else None
    envelopes, rows = [], []
    for payload, org_code in events:
        data = checked_payload(payload)
        envelope = Envelope(type=payload.event_type, version=payload.event_version, org_code=org_code, actor=actor,
                            source=source, payload=data)
        # The payload is JSON data already: only the envelope around it is serialised (a visit's payload is
        # the whole form, and dumping it twice was a visible part of a submission's cost).
        stored = envelope.model_dump(mode="json", exclude={"payload"}) | {"payload": data}
        envelopes.append(envelope)
        rows.append({"id": envelope.id, "type": envelope.type, "version": envelope.version, "envelope": stored,
                     "created_at": envelope.occurred_at, "published_at": None, "attempts": 0, "last_error": None})
    return envelopes, rows


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    # Publish at once after a commit that wrote events; the relay's timer catches anything missed.
    if session.info.pop(PENDING_KEY, False):
        wake = session.info.get(AFTER_EVENTS_COMMITTED_KEY)
        if wake is not None:
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
