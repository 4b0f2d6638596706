"""Tables of suspected problems and their append-only history."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, JSONDoc
from shared.data.platform_tables import OrgScoped, now_field


class Problem(OrgScoped, table=True):
    """A suspected problem (疑似问题) of one campaign, at household, village or township level.

    ``org_code`` is the household's village, the village, or the township. A rule's problem is keyed
    by (campaign, rule, subject): the same rule firing again adds its evidence to this row.
    """

    __tablename__ = "ledger_problems"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="ledger_campaigns.id")
    level: str = Field(max_length=12)
    problem_type: str = Field(max_length=40)
    description: str = Field(max_length=1000)
    remarks: str | None = Field(default=None, max_length=500)
    source: str = Field(max_length=12)
    rule_code: str | None = Field(default=None, max_length=80)
    subject_key: str | None = Field(default=None, max_length=80)
    household_id: uuid.UUID | None = Field(default=None, index=True)
    group_name: str | None = Field(default=None, max_length=40)
    head_name: str | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=30)  # 农户类型 when recorded
    status: str = Field(max_length=20)
    evidence: list = Field(default_factory=list, sa_type=JSONDoc)
    recorded_by: str = Field(max_length=120)
    recorded_by_name: str = Field(max_length=120)
    recorded_at: datetime = now_field()
    verification_result: str | None = Field(default=None, max_length=20)
    verification_reason: str | None = Field(default=None, max_length=500)
    verified_by: str | None = Field(default=None, max_length=120)
    verified_by_name: str | None = Field(default=None, max_length=120)
    verified_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "rule_code", "subject_key",
                            name="uq_ledger_problems_campaign_id_rule_code_subject_key"),
    )


class ProblemHistory(OrgScoped, table=True):
    """One change of a problem or of its rectification: who, when, what and how (never updated)."""

    __tablename__ = "ledger_problem_history"

    # A counter, so the history reads in the order it was written even within one instant.
    id: int | None = Field(default=None, primary_key=True)
    problem_id: uuid.UUID = Field(foreign_key="ledger_problems.id", index=True)
    at: datetime = now_field()
    actor_id: str = Field(max_length=120)
    actor_name: str = Field(max_length=120)
    actor_role: str | None = Field(default=None, max_length=40)
    action: str = Field(max_length=40)
    changes: dict = Field(default_factory=dict, sa_type=JSONDoc)
    note: str | None = Field(default=None, max_length=1000)
