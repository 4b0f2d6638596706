"""The ledger's household view and the log of the source events it was built from."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlmodel import Field

from shared.data.column_types import AwareDateTime, CodeList, JSONDoc, Money
from shared.data.platform_tables import OrgScoped, PlatformTable, now_field


class LedgerHousehold(OrgScoped, table=True):
    """What the ledger knows of one household, each part stamped with the version it came from.

    Three sources feed it, each with its own order, so an event that arrives late never overwrites
    newer data: the register (户主, 社, 户类型, 风险状态) by the time its event occurred, the latest
    visit by ``visited_at`` (then receipt), and the latest income by (income year, time assessed).
    """

    __tablename__ = "ledger_households"

    household_id: uuid.UUID = Field(primary_key=True)
    # The register part: None until a household.changed or a visit has told the ledger about it.
    household_number: str | None = Field(default=None, max_length=40)
    group_name: str | None = Field(default=None, max_length=40)
    head_name: str | None = Field(default=None, max_length=50)
    household_kinds: list[str] = Field(default_factory=list, sa_type=CodeList)
    risk_status: str | None = Field(default=None, max_length=20)
    member_count: int | None = None
    removed: bool = False
    register_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)
    visit_id: uuid.UUID | None = None
    visited_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    visit_received_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    visit_method: str | None = Field(default=None, max_length=20)
    visit_has_risk: bool | None = None
    visit_risk_causes: list[str] = Field(default_factory=list, sa_type=CodeList)
    visit_guarantees: dict | None = Field(default=None, sa_type=JSONDoc)
    # Labour capacity (劳动能力) of the members, summarised from the latest visit (stamped like it):
    # has_labour / weak_labour / no_labour / unknown (see households.service.labour_summary).
    labour: str | None = Field(default=None, max_length=20)
    labour_members: list[str] = Field(default_factory=list, sa_type=JSONDoc)  # names of members able to work
    visit_key_target_groups: list[str] = Field(default_factory=list, sa_type=CodeList)  # 10类重点对象
    income_assessment_id: uuid.UUID | None = None
    income_year: int | None = None
    income_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)
    income_class: str | None = Field(default=None, max_length=40)
    income_below_line: bool | None = None
    income_per_capita: Decimal | None = Field(default=None, sa_type=Money)
    updated_at: datetime = now_field()


class LedgerSourceEvent(OrgScoped, PlatformTable, table=True):
    """Every source event the household view consumed, kept whole and never changed (append-only).

    The view is rebuilt by replaying these in order of occurrence. Like the inbox, a log of
    deliveries rather than a record anyone edits, so it is not audited row by row.
    """

    __tablename__ = "ledger_source_events"

    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str = Field(max_length=80)
    version: int
    household_id: uuid.UUID = Field(index=True)
    occurred_at: datetime = Field(sa_type=AwareDateTime, index=True)
    envelope: dict = Field(sa_type=JSONDoc)
    received_at: datetime = now_field()
