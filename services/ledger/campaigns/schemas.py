"""API models of campaigns: the campaign as data, as created, changed and read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from shared.domain.deadlines import DeadlineUnit

# The identification procedure's clocks, each a number of days and its unit.
PROCEDURE_CLOCKS = ("identification", "notice_min", "plan")
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
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z._-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    year: Annotated[int, Field(ge=2000, le=2100)]
    region: Annotated[str, Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="org-code prefix it governs")]
    income_year: Annotated[int, Field(ge=2000, le=2100)]
    ruleset_version: Annotated[str, Field(min_length=1, max_length=20)]
    source: Annotated[str, Field(min_length=1, max_length=200)]


class CampaignUpdate(BaseModel):
    """A change to a campaign; the dates are checked together with those not changed."""

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


class CampaignRead(CampaignCreate):
    id: uuid.UUID
    origin: str
    updated_by: str
    updated_at: datetime
