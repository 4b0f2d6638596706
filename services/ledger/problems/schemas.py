"""API models of suspected problems: as recorded by hand, verified, listed, counted and read with history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.enums import (
    HouseholdProblemType,
    LedgerHouseholdCategory,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
    VerificationResult,
    VillageProblemType,
)
from shared.domain.examples import example_of
from shared.domain.idnumber import free_text

Text = free_text(1000)
ShortText = free_text(500)


class ProblemCreate(BaseModel):
    """A suspected problem recorded by hand (谁排查、谁录入、谁负责: the caller is recorded as its author).

    A household-level problem names the household (the ledger fills its village, group, head and
    农户类型 from what it knows); a village- or township-level one names that org unit.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{"level": "household",
                                                       "problem_type": "housing",
                                                       "description": "土坯房屋后墙体开裂，雨季存在安全隐患",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "remarks": "已拍照留存"}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{"result": "confirmed",
                                                       "measures": "申报农村危房改造，雨季前完成墙体加固",
                                                       "responsible_unit": "高楼镇村镇建设服务中心",
                                                       "immediate": False}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e",
                                                       "campaign_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "level": "household",
                                                       "problem_type": "housing",
                                                       "problem_type_label": "④住房安全",
                                                       "description": "土坯房屋后墙体开裂，雨季存在安全隐患",
                                                       "remarks": None,
                                                       "source": "visit",
                                                       "rule_code": None,
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "group_name": "三组",
                                                       "head_name": "李建国",
                                                       "category": "poverty_alleviated",
                                                       "status": "confirmed",
                                                       "recorded_by": "u-500151108201-017",
                                                       "recorded_by_name": "王春梅",
                                                       "recorded_at": "2026-03-12T11:05:00+08:00",
                                                       "verification_result": "confirmed",
                                                       "verification_reason": None,
                                                       "verified_by_name": "刘志强",
                                                       "verified_at": "2026-03-13T09:40:00+08:00",
                                                       "rectification_id": "6f5e4d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f",
                                                       "evidence_count": 1}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{**example_of(ProblemRead), **{
        'evidence': [{'key': 'visit:0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017',
               'observed_at': '2026-03-12T10:30:00+08:00',
               'event_id': '0f1e2d3c-4b5a-4968-8776-655443322110',
               'event_type': 'visit.submitted',
               'detail': '走访核实：住房不安全'}],
 'history': [{'at': '2026-03-13T09:40:00+08:00',
              'actor_id': 'u-500151108-004',
              'actor_name': '刘志强',
              'actor_role': 'town_staff',
              'action': 'verify',
              'changes': {'status': ['suspected', 'confirmed']},
              'note': None}]}}]})

    evidence: list[EvidenceRead]
    history: list[HistoryRead]


class ProblemPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [example_of(ProblemRead)], "total": 1, "limit": 50, "offset": 0}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"total": 14,
                                                       "by_type": [{"level": "household", "problem_type": "housing", "label": "④住房安全", "count": 5}],
                                                       "by_village": [{"org_code": "500151108201", "count": 9}]}]})

    total: int
    by_type: list[TypeCount]
    by_village: list[VillageCount]


def type_label(level: str, problem_type: str) -> str:
    enum = HouseholdProblemType if level == ProblemLevel.HOUSEHOLD else VillageProblemType
    try:
        return enum(problem_type).label
    except ValueError:
        return problem_type
