"""The ``income_pending_visits`` table: visits no rule set covered when they arrived."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, JSONDoc
from shared.data.platform_tables import OrgScoped, now_field


class PendingVisit(OrgScoped, table=True):
    """A ``visit.submitted`` kept until a rule set covers its date and region.

    ``visit`` is the event's payload as received (it holds no ID number or phone). ``visited_on`` is
    the visit's date in Asia/Shanghai, the day a rule set's income year has to contain. ``reason``
    says why it is still waiting.
    """

    __tablename__ = "income_pending_visits"

    visit_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID
    visited_at: datetime = Field(sa_type=AwareDateTime)
    visited_on: date
    visit: dict = Field(sa_type=JSONDoc)
    reason: str
    pending_since: datetime = now_field()

    __table_args__ = (sa.Index("ix_income_pending_visits_visited_on", "visited_on"),)
