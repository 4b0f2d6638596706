"""The ``ledger_campaigns`` table: one row per campaign and region, packaged or added by a district admin."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.data.platform_tables import now_field


class Campaign(SQLModel, table=True):
    """A campaign (行动) such as 2024's 大走访大排查大整改, for the org units under ``region``.

    Not org-scoped: every role reads the campaign that governs it. ``org_code`` is the region's own
    org unit, so the audit entry of a change lands in the district's audit log.
    """

    __tablename__ = "ledger_campaigns"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=80)
    year: int
    region: str = Field(max_length=12)
    org_code: str = Field(max_length=12)
    income_year: int
    ruleset_version: str = Field(max_length=20)
    source: str = Field(max_length=200)
    starts_on: date
    mobilisation_by: date  # 动员部署
    visits_confirmed_by: date  # 线下走访排查和线上录入信息确认
    visits_checked_by: date  # 走访排查 (and the summary report)
    rectification_by: date  # 整改到位
    rectification_final_by: date  # 确有需要的，可延长至
    immediate_fix_days: int  # 立行立改: due this many days after confirmation
    immediate_fix_unit: str = Field(max_length=20)
    # The identification procedure's clocks (None: the campaign does not set them).
    identification_days: int | None = None  # from the day the risk was found to county approval
    identification_unit: str | None = Field(default=None, max_length=20)
    notice_min_days: int | None = None  # 公示 runs at least this long, counting the day it is posted
    notice_min_unit: str | None = Field(default=None, max_length=20)
    plan_days: int | None = None  # 一户一策 due this long after approval
    plan_unit: str | None = Field(default=None, max_length=20)
    # Risk elimination: income above the line for at least this many calendar months (None: not set).
    elimination_income_months: int | None = None
    # The follow-up of an identified household (amounts in their unit, e.g. months).
    assessment_from_days: int | None = None  # identified this long ago: yearly risk assessments are owed
    assessment_from_unit: str | None = Field(default=None, max_length=20)
    assessment_days: int | None = None  # the next assessment is due this long after approval or the last one
    assessment_unit: str | None = Field(default=None, max_length=20)
    review_after_days: int | None = None  # unresolved this long after approval: 户户过筛 review
    review_after_unit: str | None = Field(default=None, max_length=20)
    origin: str = Field(max_length=20)  # packaged | admin
    updated_by: str = Field(max_length=120)
    updated_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("code", "region", name="uq_ledger_campaigns_code_region"),)
