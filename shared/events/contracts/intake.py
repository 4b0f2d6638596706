"""Events the intake service publishes: ``visit.submitted`` and ``household.changed``."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from shared.domain.enums import (
    HouseholdKind,
    KeyTargetGroup,
    LabourCapacity,
    Relation,
    RiskStatus,
    VerificationMethod,
)
from shared.domain.visit_form import Guarantees, Income, RiskJudgement, SelfCoping
from shared.events.envelope import EventPayload, contract


class Finding(BaseModel):
    """A data-quality finding stored with a visit: it does not block the submission (数据质量问题)."""

    code: str
    field: str
    message: str


class VisitMember(BaseModel):
    """A member as the visit left them; no ID number or phone travels in events."""

    member_id: uuid.UUID
    name: str
    relation: Relation
    birth_date: date | None
    sex: str | None
    labour_capacity: LabourCapacity
    months_in_household: int = 12
    enlisted_sharing_income: bool = False


@contract("visit.submitted", 1)
class VisitSubmitted(EventPayload):
    """A verification visit (附件1) accepted by intake, with what income and ledger need of it."""

    visit_id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    org_code: str
    group_name: str | None
    head_name: str
    method: VerificationMethod
    visited_at: datetime
    received_at: datetime
    household_kinds: list[HouseholdKind]
    risk_status: RiskStatus | None
    key_target_groups: list[KeyTargetGroup]
    members: list[VisitMember]
    income: Income
    guarantees: Guarantees
    self_coping: SelfCoping
    risk: RiskJudgement
    findings: list[Finding]
    submitted_by: str


@contract("household.changed", 1)
class HouseholdChanged(EventPayload):
    """A household was created or its register data changed (kinds, members, group)."""

    household_id: uuid.UUID
    household_number: str
    org_code: str
    group_name: str | None
    head_name: str
    household_kinds: list[HouseholdKind]
    risk_status: RiskStatus | None
    member_count: int
    change: str  # created | updated | deleted
