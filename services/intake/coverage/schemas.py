"""API models of the coverage report."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class UnvisitedHousehold(BaseModel):
    household_id: uuid.UUID
    household_number: str
    head_name: str
    group_name: str | None


class CoverageCounts(BaseModel):
    households: int = 0
    visited: int = Field(default=0, description="households with at least one visit since the campaign started")
    by_method: dict[str, int] = Field(default_factory=dict,
                                      description="households verified at least once by each method")
    key_target_households: int = Field(default=0, description="10类重点对象 households (or monitoring objects)")
    key_target_visited_in_person: int = Field(default=0, description="of those, households with a home visit")
    not_visited: int = 0


class VillageCoverage(CoverageCounts):
    org_code: str
    name: str
    unvisited: list[UnvisitedHousehold] = Field(
        default_factory=list, description="households not yet visited, by household number, at most `unvisited_limit`")


class CoverageReport(BaseModel):
    org_code: str
    campaign_starts_on: date
    totals: CoverageCounts
    villages: list[VillageCoverage]
