"""Tables of assistance plans and their revisions, risk assessments, and the follow-up of identified cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field

from shared.data.column_types import CodeList, JSONDoc
from shared.data.platform_tables import OrgScoped, now_field


class AssistancePlan(OrgScoped, table=True):
    """The assistance plan (一户一策) of one identified case: its current revision, flag and timeliness.

    One plan per case (unique ``case_id``); a change is a new revision, and ``revision`` counts them.
    ``flags`` name what the current revision lacks for the household's labour capacity.
    """

    __tablename__ = "ledger_assistance_plans"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="ledger_cases.id")
    household_id: uuid.UUID = Field(index=True)
    head_name: str | None = Field(default=None, max_length=50)
    group_name: str | None = Field(default=None, max_length=40)
    identified_on: date
    due_on: date | None = None
    due_days: int | None = None
    due_unit: str | None = Field(default=None, max_length=20)
    drawn_up_on: date  # the first revision's date: what the 10-day clock counts
    late: bool = False
    revision: int = 0
    current_drawn_up_on: date
    helper_name: str = Field(max_length=50)
    helper_unit: str = Field(max_length=100)
    measures: list = Field(default_factory=list, sa_type=JSONDoc)
    labour: str | None = Field(default=None, max_length=20)
    flags: list[str] = Field(default_factory=list, sa_type=CodeList)
    recorded_by: str = Field(max_length=120)
    recorded_by_name: str = Field(max_length=120)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("case_id", name="uq_ledger_assistance_plans_case_id"),)

    def has_measure(self, measure_type: str) -> bool:
        """Whether the current revision holds a measure of ``measure_type`` (development, protective)."""
        return any(measure["type"] == measure_type for measure in self.measures)


class PlanRevision(OrgScoped, table=True):
    """One revision of a plan as it was recorded: never changed or removed (append-only)."""

    __tablename__ = "ledger_plan_revisions"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="ledger_assistance_plans.id", index=True)
    revision: int
    drawn_up_on: date
    helper_name: str = Field(max_length=50)
    helper_unit: str = Field(max_length=100)
    measures: list = Field(default_factory=list, sa_type=JSONDoc)
    labour: str | None = Field(default=None, max_length=20)
    flags: list[str] = Field(default_factory=list, sa_type=CodeList)
    reason: str | None = Field(default=None, max_length=1000)
    recorded_by: str = Field(max_length=120)
    recorded_by_name: str = Field(max_length=120)
    recorded_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("plan_id", "revision",
                                          name="uq_ledger_plan_revisions_plan_id_revision"),)


class RiskAssessment(OrgScoped, table=True):
    """A risk assessment (风险评估) of an identified household on a day: yearly, or the 2-year review."""

    __tablename__ = "ledger_risk_assessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="ledger_cases.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    kind: str = Field(max_length=20)  # yearly | review
    assessed_on: date
    risk_present: bool
    conclusion: str = Field(max_length=1000)
    assessor_name: str = Field(max_length=50)
    assessor_unit: str = Field(max_length=100)
    evidence_refs: list = Field(default_factory=list, sa_type=JSONDoc)
    deadline_key: str | None = Field(default=None, max_length=80)
    late: bool | None = None
    recorded_by: str = Field(max_length=120)
    recorded_by_name: str = Field(max_length=120)
    recorded_at: datetime = now_field()


class CaseFollowUp(OrgScoped, table=True):
    """What an identified case owes after approval: the next yearly assessment and the 2-year review.

    ``assessment_key`` is the deadline announced for the next assessment (None until the case is old
    enough to owe one); ``review_due_on`` the 2-year mark, ``review_flagged_on`` the day it was found
    passed with the case unresolved and no review recorded.
    """

    __tablename__ = "ledger_case_follow_ups"

    case_id: uuid.UUID = Field(foreign_key="ledger_cases.id", primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    identified_on: date
    assessments: int = 0
    last_assessed_on: date | None = None
    assessment_key: str | None = Field(default=None, max_length=80)
    assessment_due_on: date | None = None
    review_key: str | None = Field(default=None, max_length=80)
    review_due_on: date | None = None
    review_flagged_on: date | None = None
    review_by: date | None = None  # the review's due day, announced when the case is flagged
    reviewed_on: date | None = None
    resolved_on: date | None = None
    updated_at: datetime = now_field()


@event.listens_for(PlanRevision, "before_update")
@event.listens_for(PlanRevision, "before_delete")
@event.listens_for(RiskAssessment, "before_update")
@event.listens_for(RiskAssessment, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("a plan revision or a risk assessment is never changed or removed")
