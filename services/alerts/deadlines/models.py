"""The table of the deadline registry."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped, now_field


class Deadline(OrgScoped, table=True):
    """One legal deadline under its key: when it is due, whether it was met (and late), what was raised.

    ``scheduled_as_of`` and ``met_as_of`` are the times of the events applied, so a late or repeated
    event never undoes a newer one.
    """

    __tablename__ = "alerts_deadlines"

    key: str = Field(max_length=200, primary_key=True)
    kind: str = Field(max_length=60)
    subject_type: str = Field(max_length=60)
    subject_id: str = Field(max_length=64)
    source: str = Field(max_length=20)
    due_on: date
    due_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    unit: str | None = Field(default=None, max_length=20)
    amount: int | None = None
    counted_from: date | None = None
    basis: str = Field(max_length=200)
    rule_code: str = Field(max_length=80)
    state: str = Field(max_length=12)
    met_on: date | None = None
    met_late: bool | None = None
    scheduled_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)
    met_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_reminded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    reminders: int = 0
    escalation_level: int = 0
    updated_at: datetime = now_field()

    # The scan reads one unit's open deadlines by due day: a partial index holds only the open ones.
    __table_args__ = (sa.Index("ix_alerts_deadlines_state_due_on", "state", "due_on"),
                      sa.Index("ix_alerts_deadlines_subject", "subject_type", "subject_id"),
                      sa.Index("ix_alerts_deadlines_open_org_code_due_on", "org_code", "due_on",
                               postgresql_where=sa.text("state = 'open'")))


class ClosedSubject(OrgScoped, table=True):
    """A record that ended without the work its deadlines asked for (a case rejected or withdrawn).

    Kept so that a ``deadline.scheduled`` of the subject heard after its closing (events of one
    transaction may arrive in any order) is cancelled at once instead of standing open for ever.
    """

    __tablename__ = "alerts_closed_subjects"

    subject_type: str = Field(max_length=60, primary_key=True)
    subject_id: str = Field(max_length=64, primary_key=True)
    outcome: str = Field(max_length=40)
    closed_on: date
    as_of: datetime = Field(sa_type=AwareDateTime)
