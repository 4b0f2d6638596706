"""API models of assistance plans, risk assessments and the follow-up of identified cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import LabeledEnum
from shared.domain.plausible import PersonName, PlausibleDate
from shared.domain.visit_form import Text

EvidenceRef = Annotated[str, Field(min_length=1, max_length=300)]
UnitName = Annotated[str, Field(min_length=1, max_length=100, description="the helper's work unit (单位)")]


class MeasureType(LabeledEnum):
    """帮扶措施类型."""

    DEVELOPMENT = "development", "开发式帮扶"
    PROTECTIVE = "protective", "保障性帮扶"


class PlanFlag(LabeledEnum):
    """What a plan lacks for the household's labour capacity (the plan is accepted and flagged)."""

    NO_DEVELOPMENT_MEASURE = "no_development_measure", "有劳动能力但无开发式帮扶措施"
    NO_PROTECTIVE_COVER = "no_protective_cover", "整户无劳动能力但无保障性帮扶措施"


class AssessmentKind(LabeledEnum):
    YEARLY = "yearly", "年度风险评估"
    REVIEW = "review", "两年以上未消除风险户户过筛"


MEASURE_EXAMPLE = {"type": "development", "content": "安排村内公益性岗位（保洁员），月补贴800元",
                   "helper_name": "刘志强", "helper_unit": "高楼镇农业服务中心",
                   "starts_on": "2024-09-20", "ends_on": "2024-12-31"}


class Measure(BaseModel):
    """One measure of a plan: its type, what it is, who is responsible for it, and when."""

    model_config = ConfigDict(json_schema_extra={"examples": [MEASURE_EXAMPLE]})

    type: MeasureType = Field(description="development (开发式: jobs, skills, production, land or property) or "
                                          "protective (保障性: 低保, 特困, medical and other cover)")
    content: Text
    helper_name: PersonName = Field(description="the responsible helper (帮扶人)")
    helper_unit: UnitName
    starts_on: PlausibleDate
    ends_on: PlausibleDate | None = Field(default=None, description="not before starts_on")


Measures = Annotated[list[Measure], Field(min_length=1, max_length=30)]


class PlanCreate(BaseModel):
    """The assistance plan of an identified case, as drawn up (一户一策)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                       "drawn_up_on": "2024-09-20",
                                                       "helper_name": "刘志强",
                                                       "helper_unit": "高楼镇农业服务中心",
                                                       "measures": [MEASURE_EXAMPLE]}]})

    case_id: uuid.UUID = Field(description="an identification case approved (identified)")
    drawn_up_on: PlausibleDate = Field(description="the day the plan was drawn up: not in the future, not before "
                                                   "approval")
    helper_name: PersonName = Field(description="the household's named helper (一户一策一帮扶人)")
    helper_unit: UnitName
    measures: Measures


class PlanRevise(BaseModel):
    """A new revision of a plan: the whole plan as it now stands, and why it changed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"drawn_up_on": "2024-10-08",
                                                       "helper_name": "刘志强",
                                                       "helper_unit": "高楼镇农业服务中心",
                                                       "measures": [MEASURE_EXAMPLE],
                                                       "reason": "户主参加技能培训后增加就业帮扶"}]})

    drawn_up_on: PlausibleDate = Field(description="not in the future, not before the previous revision")
    helper_name: PersonName
    helper_unit: UnitName
    measures: Measures
    reason: Text


class RevisionRead(BaseModel):
    revision: int
    drawn_up_on: date
    helper_name: str
    helper_unit: str
    measures: list[Measure]
    labour: str | None
    flags: list[str]
    reason: str | None
    recorded_by: str
    recorded_by_name: str
    recorded_at: datetime


PLAN_EXAMPLE = {"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f", "org_code": "500151108201",
                "head_name": "李建国", "group_name": "三组", "identified_on": "2024-09-16", "due_on": "2024-09-26",
                "due_days": 10, "due_unit": "calendar_days", "drawn_up_on": "2024-09-20", "late": False,
                "days_late": 0, "revision": 1, "current_drawn_up_on": "2024-09-20", "helper_name": "刘志强",
                "helper_unit": "高楼镇农业服务中心", "measures": [MEASURE_EXAMPLE], "labour": "has_labour",
                "flags": [], "labour_mismatch": False, "recorded_by": "u-500151108201-017",
                "recorded_by_name": "王春梅", "created_at": "2024-09-20T16:00:00+08:00",
                "updated_at": "2024-09-20T16:00:00+08:00",
                "revisions": [{"revision": 1, "drawn_up_on": "2024-09-20", "helper_name": "刘志强",
                               "helper_unit": "高楼镇农业服务中心", "measures": [MEASURE_EXAMPLE],
                               "labour": "has_labour", "flags": [], "reason": None,
                               "recorded_by": "u-500151108201-017", "recorded_by_name": "王春梅",
                               "recorded_at": "2024-09-20T16:00:00+08:00"}]}


class PlanRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PLAN_EXAMPLE]})

    id: uuid.UUID
    case_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    head_name: str | None
    group_name: str | None
    identified_on: date = Field(description="the day the county approved the case")
    due_on: date | None = Field(description="the plan's due day (the campaign's plan clock after approval)")
    due_days: int | None
    due_unit: str | None
    drawn_up_on: date = Field(description="the first revision's day, which the clock counts")
    late: bool
    days_late: int
    revision: int
    current_drawn_up_on: date
    helper_name: str
    helper_unit: str
    measures: list[Measure]
    labour: str | None = Field(description="the household's labour capacity when the revision was recorded")
    flags: list[str] = Field(description="no_development_measure, no_protective_cover")
    labour_mismatch: bool = Field(description="the current revision breaks the labour-capacity rule")
    recorded_by: str
    recorded_by_name: str
    created_at: datetime
    updated_at: datetime
    revisions: list[RevisionRead] = []


class PlanPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [PLAN_EXAMPLE | {"revisions": []}],
                                                       "total": 1, "limit": 50, "offset": 0}]})

    items: list[PlanRead]
    total: int
    limit: int
    offset: int


class AssessmentCreate(BaseModel):
    """A risk assessment (风险评估) of an identified household, as carried out on a day."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                                                       "kind": "yearly",
                                                       "assessed_on": "2025-09-10",
                                                       "risk_present": True,
                                                       "conclusion": "务工收入已恢复，慢性病支出仍较大，继续监测帮扶",
                                                       "assessor_name": "刘志强",
                                                       "assessor_unit": "高楼镇农业服务中心",
                                                       "evidence_refs": ["scan-风险评估表-20250910"]}]})

    case_id: uuid.UUID = Field(description="an identification case approved (identified)")
    kind: AssessmentKind = AssessmentKind.YEARLY
    assessed_on: PlausibleDate = Field(description="not in the future, not before approval")
    risk_present: bool = Field(description="whether the risk is still present")
    conclusion: Text
    assessor_name: PersonName
    assessor_unit: UnitName
    evidence_refs: Annotated[list[EvidenceRef], Field(max_length=50)] = []


ASSESSMENT_EXAMPLE = {"id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                      "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f", "org_code": "500151108201",
                      "kind": "yearly", "assessed_on": "2025-09-10", "risk_present": True,
                      "conclusion": "务工收入已恢复，慢性病支出仍较大，继续监测帮扶", "assessor_name": "刘志强",
                      "assessor_unit": "高楼镇农业服务中心", "evidence_refs": ["scan-风险评估表-20250910"],
                      "deadline_key": "case:7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a:assessment:1", "late": False,
                      "recorded_by": "u-500151108201-017", "recorded_by_name": "王春梅",
                      "recorded_at": "2025-09-10T17:00:00+08:00"}


class AssessmentRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ASSESSMENT_EXAMPLE]})

    id: uuid.UUID
    case_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    kind: str
    assessed_on: date
    risk_present: bool
    conclusion: str
    assessor_name: str
    assessor_unit: str
    evidence_refs: list[str]
    deadline_key: str | None = Field(description="the deadline this assessment met, if one was announced")
    late: bool | None
    recorded_by: str
    recorded_by_name: str
    recorded_at: datetime


class AssessmentPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ASSESSMENT_EXAMPLE], "total": 1,
                                                       "limit": 50, "offset": 0}]})

    items: list[AssessmentRead]
    total: int
    limit: int
    offset: int


FOLLOW_UP_EXAMPLE = {"case_id": "7d6e5f4a-3b2c-4d1e-9f0a-1b2c3d4e5f6a",
                     "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f", "org_code": "500151108201",
                     "identified_on": "2024-09-16", "assessments": 1, "last_assessed_on": "2025-09-10",
                     "assessment_due_on": "2026-09-10", "assessment_overdue": False,
                     "review_due_on": "2026-09-16", "review_flagged_on": "2026-09-17", "review_by": "2027-09-16",
                     "reviewed_on": None,
                     "resolved_on": None}


class FollowUpRead(BaseModel):
    """What an identified case owes: the next yearly assessment and, past two years unresolved, a review."""

    model_config = ConfigDict(json_schema_extra={"examples": [FOLLOW_UP_EXAMPLE]})

    case_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    identified_on: date
    assessments: int
    last_assessed_on: date | None
    assessment_due_on: date | None = Field(description="the next yearly assessment's due day, once owed")
    assessment_overdue: bool
    review_due_on: date | None = Field(description="the 2-year mark: unresolved by then, reviewed household by "
                                                   "household")
    review_flagged_on: date | None = Field(description="the day the case was found unresolved past the mark")
    review_by: date | None = Field(description="the review's due day (one assessment clock after the mark)")
    reviewed_on: date | None
    resolved_on: date | None


class FollowUpPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [FOLLOW_UP_EXAMPLE], "total": 1,
                                                       "limit": 50, "offset": 0}]})

    items: list[FollowUpRead]
    total: int
    limit: int
    offset: int
