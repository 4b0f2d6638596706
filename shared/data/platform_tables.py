"""Tables every service database has: outbox, inbox, failed events, audit log and bus probes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.data.column_types import AwareDateTime, JSONDoc
from shared.domain.clock import clock

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def now_field(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column defaulting to the (settable) clock."""
    return Field(default_factory=clock.now, sa_type=AwareDateTime, **kwargs)


class OrgScoped(SQLModel):
    """Rows that belong to an org unit: every query and every write is held to the caller's prefix."""

    org_code: str = Field(max_length=12, index=True)


class PlatformTable(SQLModel):
    """Marker of the platform's own tables: not audited and not subject to the write guard."""

    __platform__ = True


UNCONFIRMED = sa.text("published_at IS NOT NULL AND confirmed_at IS NULL")


class OutboxEvent(PlatformTable, table=True):
    """An event written in the same transaction as the state change it announces."""

    __tablename__ = "outbox_events"

    id: uuid.UUID = Field(primary_key=True)
    type: str = Field(max_length=80)
    version: int
    envelope: dict = Field(sa_type=JSONDoc)
    created_at: datetime = now_field()
    published_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # When every consuming service was seen to have handled it; until then the relay checks it again.
    confirmed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    attempts: int = 0
    last_error: str | None = None

    __table_args__ = (
        sa.Index("ix_outbox_events_unpublished", "created_at", postgresql_where=sa.text("published_at IS NULL"),
                 sqlite_where=sa.text("published_at IS NULL")),
        sa.Index("ix_outbox_events_unconfirmed", "published_at", postgresql_where=UNCONFIRMED,
                 sqlite_where=UNCONFIRMED),
    )


class InboxRecord(PlatformTable, table=True):
    """One row per (event, consumer) handled: a second delivery finds it and does nothing."""

    __tablename__ = "inbox_records"

    event_id: uuid.UUID = Field(primary_key=True)
    consumer: str = Field(primary_key=True, max_length=120)
    event_type: str = Field(max_length=80)
    handled_at: datetime = now_field()


class FailedEvent(OrgScoped, PlatformTable, table=True):
    """The last failure of a consumer on an event, kept for an operator to read and replay.

    Its org code is the event's: a caller sees, and may replay, only failures of events in its scope.
    """

    __tablename__ = "failed_events"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(index=True)
    event_type: str = Field(max_length=80)
    consumer: str = Field(max_length=120)
    envelope: dict = Field(sa_type=JSONDoc)
    error: str
    attempts: int
    failed_at: datetime = now_field()
    replayed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class AuditEntry(OrgScoped, PlatformTable, table=True):
    """谁排查、谁录入、谁负责: who changed what, when, in which request (sensitive values redacted)."""

    __tablename__ = "audit_entries"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = now_field(index=True)
    actor_id: str = Field(max_length=120)
    actor_name: str = Field(max_length=120)
    actor_role: str | None = Field(default=None, max_length=40)
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=80)
    entity_id: str = Field(max_length=64, index=True)
    changes: dict = Field(default_factory=dict, sa_type=JSONDoc)


class ProbeReceipt(OrgScoped, PlatformTable, table=True):
    """A bus probe received by this service (proves the event path end to end)."""

    __tablename__ = "probe_receipts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(index=True)
    origin: str = Field(max_length=20)
    received_by: str = Field(max_length=20)
    received_at: datetime = now_field()


class JobState:
    """States of a tracked job (long work a user started): queued → running → succeeded / failed / cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    FINISHED = (SUCCEEDED, FAILED, CANCELLED)


class JobRecord(OrgScoped, PlatformTable, table=True):
    """One run of a tracked job: its parameters, state, progress and, at the end, its report.

    The table is also the queue: a worker claims the oldest queued row. A running row whose heartbeat
    stopped (its worker died) is taken back by the sweep, resumed or failed visibly.
    """

    __tablename__ = "jobs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=80)
    params: dict = Field(sa_type=JSONDoc)
    state: str = Field(max_length=12, default=JobState.QUEUED)
    progress_done: int = 0
    progress_total: int | None = None
    progress_unit: str = Field(max_length=40, default="items")
    report: dict | None = Field(default=None, sa_type=JSONDoc)
    error: str | None = None
    attempts: int = 0
    cancel_requested: bool = False
    created_by: str = Field(max_length=160)
    created_at: datetime = now_field()
    started_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    __table_args__ = (sa.Index("ix_jobs_state_created_at", "state", "created_at"),)


class JobInput(PlatformTable, table=True):
    """A file a tracked job reads (an uploaded register), kept in the database so any worker can read it."""

    __tablename__ = "job_inputs"

    job_id: uuid.UUID = Field(primary_key=True, foreign_key="jobs.id", ondelete="CASCADE")
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_type=sa.LargeBinary)


class JobOutput(PlatformTable, table=True):
    """The file a tracked job made (an export's workbook), kept in the database so any replica can hand it out.

    Only the user who submitted the job downloads it (``GET /<service>/jobs/{id}/file``); it goes with the
    job's row.
    """

    __tablename__ = "job_outputs"

    job_id: uuid.UUID = Field(primary_key=True, foreign_key="jobs.id", ondelete="CASCADE")
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=120)
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = now_field()


class ScheduledRun(PlatformTable, table=True):
    """One tick of a scheduled job: the key makes a tick run once however many schedulers fire it."""

    __tablename__ = "scheduled_runs"

    name: str = Field(max_length=80, primary_key=True)
    tick: datetime = Field(sa_type=AwareDateTime, primary_key=True)
    started_at: datetime = now_field()
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    outcome: str | None = Field(default=None, max_length=12)
    error: str | None = None
