"""Valid visit verification forms (附件1) as JSON-ready dicts, for model and HTTP tests alike.

Every builder returns a fresh dict that passes validation; keyword overrides replace top-level
keys. ``valid_visit_form(method=...)`` fills in the section that method needs.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tests.factories.id_numbers import valid_id_number

# A point in Tongliang district, Chongqing.
TONGLIANG_LAT, TONGLIANG_LON = 29.8440, 106.0560


def valid_gps_fix(**overrides: Any) -> dict[str, Any]:
    return {
        "latitude": TONGLIANG_LAT,
        "longitude": TONGLIANG_LON,
        "accuracy_m": 8.5,
        "coordinate_system": "wgs84",
        "mock_location": False,
    } | overrides


def valid_home_visit(**overrides: Any) -> dict[str, Any]:
    return {"gps": valid_gps_fix()} | overrides


def valid_online_inquiry(**overrides: Any) -> dict[str, Any]:
    return {
        "contact_date": "2024-09-05",
        "contact_name": "王小芳",
        "contact_phone": "13812345678",
    } | overrides


def valid_village_assessment(**overrides: Any) -> dict[str, Any]:
    return {
        "assessed_on": "2024-09-06",
        "place": "村便民服务中心",
        "assessors": ["刘志强", "陈秀英"],
    } | overrides


METHOD_SECTIONS = {
    "home_visit": valid_home_visit,
    "online_inquiry": valid_online_inquiry,
    "village_assessment": valid_village_assessment,
}


def valid_member(**overrides: Any) -> dict[str, Any]:
    return {
        "id_number": valid_id_number(date(1972, 4, 18), "male", serial=3),
        "name": "张德明",
        "relation": "head",
        "labour_capacity": "ordinary",
    } | overrides


def valid_income_amounts(**overrides: Any) -> dict[str, Any]:
    return {
        "production_income": "6200.00",
        "wage_income": "9800.50",
        "transfer_income": "3120",
        "property_income": "0",
        "production_expense": "2100",
    } | overrides


def valid_income(**overrides: Any) -> dict[str, Any]:
    return {"bracket": "16000_20000"} | overrides


def valid_guarantees(**overrides: Any) -> dict[str, Any]:
    return {
        "dropout": False,
        "uninsured": False,
        "housing_unsafe": False,
        "water_unsafe": False,
    } | overrides


def valid_property_counts(**overrides: Any) -> dict[str, Any]:
    return {"in_district": 0, "in_city_outside_district": 0, "outside_city": 0} | overrides


def valid_self_coping(**overrides: Any) -> dict[str, Any]:
    return {
        "cultivated_land_mu": "3.5",
        "forest_land_mu": "4",
        "economic_forest_mu": "1.5",
        "ecological_forest_mu": "2",
        "has_homestead": True,
        "self_built_house": True,
        "house_structure": "brick_concrete",
        "commercial_flats": valid_property_counts(),
        "shops": valid_property_counts(),
        "family_cars": 0,
        "operating_vehicles": 0,
        "heavy_machinery": 0,
        "runs_business": False,
        "large_planting": False,
        "large_breeding": False,
        "scale_household": False,
        "public_payroll_member": False,
        "village_cadre_member": False,
        "high_income_member": False,
    } | overrides


def valid_livestock(**overrides: Any) -> dict[str, Any]:
    return {
        "cattle_in_stock": 2,
        "cattle_sold": 1,
        "sheep_in_stock": 0,
        "sheep_sold": 0,
        "net_income_last_year": "4500",
    } | overrides


def valid_risk(**overrides: Any) -> dict[str, Any]:
    return {"has_risk": False} | overrides


def valid_visit_form(**overrides: Any) -> dict[str, Any]:
    """A valid form of a general household with no risk, verified by ``method`` (home_visit)."""
    method = overrides.get("method", "home_visit")
    form = {
        "visit_id": str(uuid.uuid4()),
        "household_id": str(uuid.uuid4()),
        "visited_at": "2024-09-05T10:30:00+08:00",
        "method": method,
        method: METHOD_SECTIONS[method](),
        "household_kinds": ["general"],
        "key_target_groups": ["none"],
        "members": [
            valid_member(),
            valid_member(
                id_number=valid_id_number(date(1975, 11, 2), "female", serial=4),
                name="李桂兰",
                relation="spouse",
            ),
        ],
        "income": valid_income(),
        "guarantees": valid_guarantees(),
        "self_coping": valid_self_coping(),
        "risk": valid_risk(),
    }
    return form | overrides
