"""API models of suspected problems: as recorded by hand, verified, listed, counted and read with history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from shared.domain.enums import (
    HouseholdProblemType,
    LedgerHouseholdCategory,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
    VerificationResult,
    VillageProblemType,
)

Text = Annotated[str, Field(min_length=1, max_length=1000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]


class ProblemCreate(BaseModel):
    """A suspected problem recorded by hand (谁排查、谁录入、谁负责: the caller is recorded as its author).

    A household-level problem names the household (the ledger fills its village, group, head and
    农户类型 from what it knows); a village- or township-level one names that org unit.
    """

    level: ProblemLevel
    problem_type: Annotated[str, Field(description="a HouseholdProblemType code for a household, else a "
                                                   "VillageProblemType code")]
    description: Text
    household_id: uuid.UUID | None = None
    org_code: Annotated[str | None, Field(pattern=r"^\d{12}$")] = None
    remarks: ShortText | None = None
    campaign_id: uuid.UUID | None = Field(default=None, description="default: the latest campaign begun today")


class VerificationCreate(BaseModel):
    """核实: ① not a problem (a reason is required) or ② confirmed (its rectification opens at once)."""

    result: VerificationResult
    reason: ShortText | None = None
    measures: Text | None = Field(default=None, description="整改措施, for a confirmed problem")
    responsible_unit: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    immediate: bool = Field(default=False, description="立行立改: due at once rather than by the campaign's date")

    @model_validator(mode="after")
    def _reason_for_not_a_problem(self) -> Self:
        if self.result == VerificationResult.NOT_A_PROBLEM and not self.reason:
            raise ValueError("reason: a problem verified as not a problem needs the reason")
        return self


class EvidenceRead(BaseModel):
    key: str
    observed_at: str
    event_id: str | None
    event_type: str | None
    detail: str


class HistoryRead(BaseModel):
    at: datetime
    actor_id: str
    actor_name: str
    actor_role: str | None
    action: str
    changes: dict
    note: str | None


class ProblemRead(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    org_code: str
    level: ProblemLevel
    problem_type: str
    problem_type_label: str
    description: str
    remarks: str | None
    source: ProblemSource
    rule_code: str | None
    household_id: uuid.UUID | None
    group_name: str | None
    head_name: str | None
    category: LedgerHouseholdCategory | None
    status: ProblemStatus
    recorded_by: str
    recorded_by_name: str
    recorded_at: datetime
    verification_result: VerificationResult | None
    verification_reason: str | None
    verified_by_name: str | None
    verified_at: datetime | None
    rectification_id: uuid.UUID | None = None
    evidence_count: int


class ProblemDetail(ProblemRead):
    evidence: list[EvidenceRead]
    history: list[HistoryRead]


class ProblemPage(BaseModel):
    items: list[ProblemRead]
    total: int
    limit: int
    offset: int


class TypeCount(BaseModel):
    level: ProblemLevel
    problem_type: str
    label: str
    count: int


class VillageCount(BaseModel):
    org_code: str
    count: int


class ProblemCounts(BaseModel):
    total: int
    by_type: list[TypeCount]
    by_village: list[VillageCount]


def type_label(level: str, problem_type: str) -> str:
    enum = HouseholdProblemType if level == ProblemLevel.HOUSEHOLD else VillageProblemType
    try:
        return enum(problem_type).label
    except ValueError:
        return problem_type
