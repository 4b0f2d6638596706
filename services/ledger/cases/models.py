"""Tables of cases and their steps; a step is written once and never changed or removed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc
from shared.data.platform_tables import OrgScoped, now_field


class Case(OrgScoped, table=True):
    """One episode of the procedure for one household: identification (识别) or risk elimination (风险消除).

    ``open_key`` is ``<kind>:<household>`` while the case is open and None once closed, so the unique
    constraint on it allows one open case of a kind per household, under concurrency too. ``version``
    counts the steps recorded; each step is stored with it, unique per case.
    """

    __tablename__ = "ledger_cases"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    kind: str = Field(max_length=20)
    state: str = Field(max_length=30, index=True)
    open_key: str | None = Field(default=None, max_length=60)
    version: int = 0
    source: str = Field(max_length=30)
    started_on: date = Field(index=True)
    campaign_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_campaigns.id")
    head_name: str | None = Field(default=None, max_length=50)
    group_name: str | None = Field(default=None, max_length=40)
    risk_causes: list[str] = Field(default_factory=list, sa_type=CodeList)
    green_channel: bool = False
    green_channel_reason: str | None = Field(default=None, max_length=500)
    evidence: list = Field(default_factory=list, sa_type=JSONDoc)
    due_on: date | None = None  # county approval due (start + the campaign's identification clock)
    due_days: int | None = None
    due_unit: str | None = Field(default=None, max_length=20)
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    objection_open: bool = False
    last_step_on: date | None = None
    monitoring_type: str | None = Field(default=None, max_length=30)
    outcome: str | None = Field(default=None, max_length=20)
    closed_on: date | None = None
    plan_due_on: date | None = None
    opened_by: str = Field(max_length=120)
    opened_by_name: str = Field(max_length=120)
    created_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("open_key", name="uq_ledger_cases_open_key"),)


class CaseStep(OrgScoped, table=True):
    """One transition of a case: what, on which day, who, where, with which evidence (append-only)."""

    __tablename__ = "ledger_case_steps"

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="ledger_cases.id", index=True)
    seq: int
    transition: str = Field(max_length=40)
    from_state: str = Field(max_length=30)
    to_state: str = Field(max_length=30)
    happened_on: date
    place: str = Field(max_length=200)
    evidence_refs: list = Field(default_factory=list, sa_type=JSONDoc)
    note: str | None = Field(default=None, max_length=1000)
    details: dict = Field(default_factory=dict, sa_type=JSONDoc)
    recorded_by: str = Field(max_length=120)
    recorded_by_name: str = Field(max_length=120)
    recorded_by_role: str | None = Field(default=None, max_length=40)
    recorded_at: datetime = now_field()

    # The same step cannot be recorded twice: two writers who read the same version collide here.
    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_ledger_case_steps_case_id_seq"),)


@event.listens_for(CaseStep, "before_update")
@event.listens_for(CaseStep, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("a case step is never changed or removed")


class HouseholdMonitoring(OrgScoped, table=True):
    """A household's monitoring status as its closed cases decided it (the ledger's 农户类型 follows it).

    One row per household, kept by the ``case.closed`` events: the latest decision, by the day the case
    closed and then by the time the event occurred, holds, whatever order the events arrive in.
    """

    __tablename__ = "ledger_household_monitoring"

    household_id: uuid.UUID = Field(primary_key=True)
    category: str = Field(max_length=30)  # LedgerHouseholdCategory: monitored_unresolved | monitored_resolved
    case_id: uuid.UUID
    outcome: str = Field(max_length=20)
    decided_on: date
    event_at: datetime = Field(sa_type=AwareDateTime)
    updated_at: datetime = now_field()
