"""API models of campaigns: the campaign as data, as created, changed and read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.deadlines import DeadlineUnit

# The identification procedure's clocks and those of the follow-up of an identified household, each an
# amount (``<clock>_days``, whatever its unit) and its unit.
PROCEDURE_CLOCKS = ("identification", "notice_min", "plan", "assessment_from", "assessment", "review_after")
# The phase dates in the order the campaign runs through them.
PHASES = ("starts_on", "mobilisation_by", "visits_confirmed_by", "visits_checked_by")


class CampaignDates(BaseModel):
    """The phase dates, each no earlier than the one before it."""

    starts_on: date = Field(description="first day of the campaign (the work plan's date)")
    mobilisation_by: date = Field(description="动员部署 done by")
    visits_confirmed_by: date = Field(description="offline visits and online confirmation (线上录入信息确认) done by")
    visits_checked_by: date = Field(description="visits, checks and the summary report (走访排查, 总结报告) done by")
    rectification_by: date = Field(description="rectification (整改到位) due by")
    rectification_final_by: date = Field(description="the latest date a rectification may be extended to")
    immediate_fix_days: Annotated[int, Field(ge=1, le=30)] = Field(
        description="立行立改 items are due this many days after confirmation")
    immediate_fix_unit: DeadlineUnit = DeadlineUnit.CALENDAR_DAYS
    identification_days: Annotated[int | None, Field(ge=1, le=365)] = Field(
        default=None, description="识别认定: from the day a risk is found to county approval, at most this long")
    identification_unit: DeadlineUnit | None = None
    notice_min_days: Annotated[int | None, Field(ge=1, le=60)] = Field(
        default=None, description="公示: at least this long, counting the day it is posted")
    notice_min_unit: DeadlineUnit | None = None
    plan_days: Annotated[int | None, Field(ge=1, le=365)] = Field(
        default=None, description="一户一策: the assistance plan is due this long after approval")
    plan_unit: DeadlineUnit | None = None
    elimination_income_months: Annotated[int | None, Field(ge=1, le=60)] = Field(
        default=None, description="风险消除: income above the line for at least this many calendar months")
    assessment_from_days: Annotated[int | None, Field(ge=1, le=365)] = Field(
        default=None, description="风险评估: a case identified this long ago owes yearly risk assessments")
    assessment_from_unit: DeadlineUnit | None = None
    assessment_days: Annotated[int | None, Field(ge=1, le=365)] = Field(
        default=None, description="风险评估: the next assessment is due this long after approval or the previous one")
    assessment_unit: DeadlineUnit | None = None
    review_after_days: Annotated[int | None, Field(ge=1, le=365)] = Field(
        default=None, description="户户过筛: a case unresolved this long after approval is reviewed household by "
                                  "household")
    review_after_unit: DeadlineUnit | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        order = [*PHASES, "rectification_by", "rectification_final_by"]
        for earlier, later in zip(order, order[1:]):
            if getattr(self, later) < getattr(self, earlier):
                raise ValueError(f"{later} ({getattr(self, later)}) is before {earlier} ({getattr(self, earlier)})")
        if self.rectification_by < self.starts_on:
            raise ValueError("rectification_by is before the campaign starts")
        for clock in PROCEDURE_CLOCKS:
            if (getattr(self, f"{clock}_days") is None) != (getattr(self, f"{clock}_unit") is None):
                raise ValueError(f"{clock}_days and {clock}_unit are given together or not at all")
        return self


class CampaignCreate(CampaignDates):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "2025",
                                                       "name": "2025年防止返贫大走访大排查",
                                                       "year": 2025,
                                                       "region": "500151",
                                                       "income_year": 2025,
                                                       "ruleset_version": "2025.1",
                                                       "source": "西河府〔2025〕62号",
                                                       "starts_on": "2025-08-20",
                                                       "mobilisation_by": "2025-08-22",
                                                       "visits_confirmed_by": "2025-09-10",
                                                       "visits_checked_by": "2025-09-18",
                                                       "rectification_by": "2025-09-18",
                                                       "rectification_final_by": "2025-10-31",
                                                       "immediate_fix_days": 1,
                                                       "immediate_fix_unit": "calendar_days",
                                                       "identification_days": 15,
                                                       "identification_unit": "calendar_days",
                                                       "notice_min_days": 5,
                                                       "notice_min_unit": "calendar_days",
                                                       "plan_days": 10,
                                                       "plan_unit": "calendar_days",
                                                       "elimination_income_months": 6,

                                                       "assessment_from_days": 6,
                                                       "assessment_from_unit": "calendar_months",
                                                       "assessment_days": 12,
                                                       "assessment_unit": "calendar_months",
                                                       "review_after_days": 24,
                                                       "review_after_unit": "calendar_months"}]})

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z._-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    year: Annotated[int, Field(ge=2000, le=2100)]
    region: Annotated[str, Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="org-code prefix it governs")]
    income_year: Annotated[int, Field(ge=2000, le=2100)]
    ruleset_version: Annotated[str, Field(min_length=1, max_length=20)]
    source: Annotated[str, Field(min_length=1, max_length=200)]


class CampaignUpdate(BaseModel):
    """A change to a campaign; the dates are checked together with those not changed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"visits_checked_by": "2024-09-25",
                                                       "rectification_by": "2024-09-25",
                                                       "source": "西河府〔2024〕90号，延期通知〔2024〕97号"}]})

    name: Annotated[str | None, Field(min_length=1, max_length=80)] = None
    income_year: Annotated[int | None, Field(ge=2000, le=2100)] = None
    ruleset_version: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    source: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    starts_on: date | None = None
    mobilisation_by: date | None = None
    visits_confirmed_by: date | None = None
    visits_checked_by: date | None = None
    rectification_by: date | None = None
    rectification_final_by: date | None = None
    immediate_fix_days: Annotated[int | None, Field(ge=1, le=30)] = None
    immediate_fix_unit: DeadlineUnit | None = None
    identification_days: Annotated[int | None, Field(ge=1, le=365)] = None
    identification_unit: DeadlineUnit | None = None
    notice_min_days: Annotated[int | None, Field(ge=1, le=60)] = None
    notice_min_unit: DeadlineUnit | None = None
    plan_days: Annotated[int | None, Field(ge=1, le=365)] = None
    plan_unit: DeadlineUnit | None = None
    elimination_income_months: Annotated[int | None, Field(ge=1, le=60)] = None
    assessment_from_days: Annotated[int | None, Field(ge=1, le=365)] = None
    assessment_from_unit: DeadlineUnit | None = None
    assessment_days: Annotated[int | None, Field(ge=1, le=365)] = None
    assessment_unit: DeadlineUnit | None = None
    review_after_days: Annotated[int | None, Field(ge=1, le=365)] = None
    review_after_unit: DeadlineUnit | None = None


class CampaignRead(CampaignCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "2024",
                                                       "name": "大走访大排查大整改",
                                                       "year": 2024,
                                                       "region": "500151",
                                                       "income_year": 2024,
                                                       "ruleset_version": "2024.1",
                                                       "source": "西河府〔2024〕90号, after 铜农委〔2024〕131号: 五、时间安排 and 四（三）",
                                                       "starts_on": "2024-08-23",
                                                       "mobilisation_by": "2024-08-25",
                                                       "visits_confirmed_by": "2024-09-12",
                                                       "visits_checked_by": "2024-09-20",
                                                       "rectification_by": "2024-09-20",
                                                       "rectification_final_by": "2024-10-31",
                                                       "immediate_fix_days": 1,
                                                       "immediate_fix_unit": "calendar_days",
                                                       "identification_days": 15,
                                                       "identification_unit": "calendar_days",
                                                       "notice_min_days": 5,
                                                       "notice_min_unit": "calendar_days",
                                                       "plan_days": 10,
                                                       "plan_unit": "calendar_days",
                                                       "elimination_income_months": 6,
                                                       "assessment_from_days": 6,
                                                       "assessment_from_unit": "calendar_months",
                                                       "assessment_days": 12,
                                                       "assessment_unit": "calendar_months",
                                                       "review_after_days": 24,
                                                       "review_after_unit": "calendar_months",
                                                       "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                                                       "origin": "packaged",
                                                       "updated_by": "system",
                                                       "updated_at": "2024-08-20T08:00:00+08:00"}]})

    id: uuid.UUID
    origin: str
    updated_by: str
    updated_at: datetime
