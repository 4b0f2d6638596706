"""API models of the coverage report."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


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
    model_config = ConfigDict(json_schema_extra={"examples": [{"org_code": "500151108",
                                                       "campaign_starts_on": "2026-03-01",
                                                       "totals": {"households": 212,
                                                                  "visited": 187,
                                                                  "by_method": {"home_visit": 160, "online_inquiry": 19, "village_assessment": 8},
                                                                  "key_target_households": 41,
                                                                  "key_target_visited_in_person": 39,
                                                                  "not_visited": 25},
                                                       "villages": [{"households": 212,
                                                                     "visited": 187,
                                                                     "by_method": {"home_visit": 160, "online_inquiry": 19, "village_assessment": 8},
                                                                     "key_target_households": 41,
                                                                     "key_target_visited_in_person": 39,
                                                                     "not_visited": 25,
                                                                     "org_code": "500151108201",
                                                                     "name": "石岗村",
                                                                     "unvisited": [{"household_id": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a2b3c4d",
                                                                                    "household_number": "5001511082010112",
                                                                                    "head_name": "陈光明",
                                                                                    "group_name": "五组"}]}]}]})

    org_code: str
    campaign_starts_on: date
    totals: CoverageCounts
    villages: list[VillageCoverage]
