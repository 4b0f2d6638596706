"""The visit table.

The whole form is kept encrypted (``form_cipher``: it carries ID numbers and phones); ``content``
is the same form with those values masked, for reading. Columns beside it hold what queries and
coverage need. The primary key is the client's own visit id, so the database itself decides
which of two simultaneous submissions of one visit is the first.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc
from shared.data.platform_tables import OrgScoped


class Visit(OrgScoped, table=True):
    """核实走访: one verification of one household (农户返贫致贫风险信息核实表)."""

    __tablename__ = "visits"
    __sensitive__ = {"form_cipher"}
    __audit_hidden__ = {"content"}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id")
    method: str = Field(max_length=20)
    visited_at: datetime = Field(sa_type=AwareDateTime, index=True)  # the client's time of the visit
    received_at: datetime = Field(sa_type=AwareDateTime)  # the server's receipt time
    fingerprint: str = Field(max_length=64)
    remote_reason: str | None = Field(default=None, max_length=40)
    key_target_groups: list[str] = Field(default_factory=list, sa_type=CodeList)
    income_bracket: str | None = Field(default=None, max_length=20)
    # A-E as given (judged below the monitoring line), kept apart for the next visit's comparison.
    income_amounts: dict | None = Field(default=None, sa_type=JSONDoc)
    has_risk: bool = False
    # The home visit's fix in WGS-84 (converted from GCJ-02 where the phone reported that).
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_accuracy_m: float | None = None
    gps_mock_location: bool | None = None
    findings: list[dict] = Field(default_factory=list, sa_type=JSONDoc)
    content: dict = Field(sa_type=JSONDoc)
    form_cipher: str = Field(sa_type=sa.Text)
    submitted_by: str = Field(max_length=120)
    submitted_by_name: str = Field(max_length=120)

    __table_args__ = (sa.Index("ix_visits_household_id_visited_at", "household_id", "visited_at"),)
