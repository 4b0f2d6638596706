"""API models of visits. The request body is the form itself (``shared.domain.visit_form.VisitForm``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.enums import VerificationMethod
from shared.domain.examples import example_of
from shared.events.contracts.intake import Finding


class VisitRead(BaseModel):
    """A stored visit: the form as submitted (ID numbers and phones masked), the findings, the receipt."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017",
                                                       "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                       "org_code": "500151108201",
                                                       "method": "home_visit",
                                                       "visited_at": "2026-03-12T10:30:00+08:00",
                                                       "received_at": "2026-03-12T10:31:04+08:00",
                                                       "submitted_by": "u-500151108201-017",
                                                       "submitted_by_name": "王春梅",
                                                       "findings": [{"code": "income_bracket_jump",
                                                                     "field": "body.income.bracket",
                                                                     "message": "收入区间较上次核实上升两档，请核对"}],
                                                       "form": {"visit_id": "0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017",
                                                                "household_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f",
                                                                "visited_at": "2026-03-12T10:30:00+08:00",
                                                                "method": "home_visit",
                                                                "home_visit": {"gps": {"latitude": 29.844,
                                                                                       "longitude": 106.056,
                                                                                       "accuracy_m": 8.5,
                                                                                       "coordinate_system": "wgs84",
                                                                                       "mock_location": False}},
                                                                "household_kinds": ["general"],
                                                                "key_target_groups": ["none"],
                                                                "members": [{"id_number": "500151********0310",
                                                                             "name": "李建国",
                                                                             "relation": "head",
                                                                             "labour_capacity": "ordinary"},
                                                                            {"id_number": "500151********0421",
                                                                             "name": "张秀英",
                                                                             "relation": "spouse",
                                                                             "labour_capacity": "ordinary"}],
                                                                "income": {"bracket": "16000_20000"},
                                                                "guarantees": {"dropout": False,
                                                                               "uninsured": False,
                                                                               "housing_unsafe": False,
                                                                               "water_unsafe": False},
                                                                "self_coping": {"cultivated_land_mu": "3.5",
                                                                                "forest_land_mu": "4",
                                                                                "economic_forest_mu": "1.5",
                                                                                "ecological_forest_mu": "2",
                                                                                "has_homestead": True,
                                                                                "self_built_house": True,
                                                                                "house_structure": "brick_concrete",
                                                                                "commercial_flats": {"in_district": 0,
                                                                                                     "in_city_outside_district": 0,
                                                                                                     "outside_city": 0},
                                                                                "shops": {"in_district": 0,
                                                                                          "in_city_outside_district": 0,
                                                                                          "outside_city": 0},
                                                                                "family_cars": 0,
                                                                                "operating_vehicles": 0,
                                                                                "heavy_machinery": 0,
                                                                                "runs_business": False,
                                                                                "large_planting": False,
                                                                                "large_breeding": False,
                                                                                "scale_household": False,
                                                                                "public_payroll_member": False,
                                                                                "village_cadre_member": False,
                                                                                "high_income_member": False},
                                                                "risk": {"has_risk": False}}}]})

    id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    method: VerificationMethod
    visited_at: datetime = Field(description="the client's time of the visit")
    received_at: datetime = Field(description="the server's time of first receipt")
    submitted_by: str
    submitted_by_name: str
    findings: list[Finding]
    form: dict[str, Any] = Field(description="the submitted form, ID numbers and phones masked")


class VisitPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"items": [example_of(VisitRead)], "total": 1, "limit": 20, "offset": 0}]})

    items: list[VisitRead]
    total: int
    limit: int
    offset: int
