"""Tables the reports keep: the warnings the ledger has heard of, and what a village records for 附件2."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from shared.data.platform_tables import OrgScoped, now_field


class ReportWarning(OrgScoped, table=True):
    """A department warning as alerts announced it: received, then checked (on time or late).

    Built only from ``warning.received`` and ``warning.checked``; ``org_code`` is the unit the warning
    was addressed to until its check names the household's village.
    """

    __tablename__ = "ledger_report_warnings"

    warning_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID | None = None
    signal_type: str = Field(max_length=40)
    received_on: date
    check_due_on: date | None = None
    checked_on: date | None = None
    check_result: str | None = Field(default=None, max_length=20)
    checked_late: bool | None = None
    updated_at: datetime = now_field()


class ChecklistAnswer(OrgScoped, table=True):
    """One answer a village or township recorded for its checklist of a campaign: what, who and when.

    ``item`` is a question code of the checklist or a figure only people know (resident households and
    population). Recording it again replaces the answer and its author.
    """

    __tablename__ = "ledger_checklist_answers"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="ledger_campaigns.id")
    item: str = Field(max_length=40)
    answer: str = Field(max_length=2000)
    answered_by: str = Field(max_length=120)
    answered_by_name: str = Field(max_length=120)
    answered_at: datetime = now_field()

    __table_args__ = (sa.UniqueConstraint("org_code", "campaign_id", "item",
                                          name="uq_ledger_checklist_answers_org_code_campaign_id_item"),)
