"""Events the intake service publishes: ``visit.submitted`` and ``household.changed``.

The sections of the visit form travel as plain data with the form's field names and JSON shape, but
without its rules: a visit accepted under the rules of its day must still read after they change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import field_validator

from shared.domain.enums import (
    BreedingType,
    HouseholdKind,
    HouseStructure,
    IncomeBracket,
    IndustryFailureReason,
    KeyTargetGroup,
    LabourCapacity,
    PlantingType,
    Relation,
    RiskCause,
    RiskStatus,
    VerificationMethod,
)
from shared.events.envelope import EventPayload, PayloadPart, code_of, contract


class Finding(PayloadPart):
    """A data-quality finding stored with a visit: it does not block the submission (数据质量问题).

    ``field`` is the form field's request path, as a 422 names it (``body.members.2.labour_capacity``);
    a finding made without the prefix, or recorded before it was used, reads with it.
    """

    code: str
    field: str
    message: str

    @field_validator("field")
    @classmethod
    def _request_path(cls, field: str) -> str:
        return field if field == "body" or field.startswith("body.") else f"body.{field}"


class VisitMember(PayloadPart):
    """A member as the visit left them; no ID number or phone travels in events."""

    member_id: uuid.UUID
    name: str
    relation: code_of(Relation)
    birth_date: date | None
    sex: str | None
    labour_capacity: code_of(LabourCapacity)
    months_in_household: int = 12
    enlisted_sharing_income: bool = False


class VisitIncomeAmounts(PayloadPart):
    """收入明细 A–E in yuan, given when income was judged below the monitoring range."""

    production_income: Decimal  # A 生产经营性收入
    wage_income: Decimal  # B 工资性收入
    transfer_income: Decimal  # C 转移性收入
    property_income: Decimal  # D 财产性收入
    production_expense: Decimal  # E 生产经营性支出


class VisitCompliantExpenses(PayloadPart):
    """合规自付支出 in yuan."""

    education: Decimal = Decimal("0.00")
    medical: Decimal = Decimal("0.00")
    other: Decimal = Decimal("0.00")


class VisitClaimIncome(PayloadPart):
    """理赔收入 in yuan."""

    amount: Decimal


class VisitIncome(PayloadPart):
    """收入支出情况 as answered: a ticked bracket, or the amounts A–E."""

    bracket: code_of(IncomeBracket) | None = None
    below_13000: bool | None = None
    amounts: VisitIncomeAmounts | None = None
    compliant_expenses: VisitCompliantExpenses | None = None
    claim_income: VisitClaimIncome | None = None


class VisitGuarantees(PayloadPart):
    """“三保障”和饮水安全: true where the household falls short."""

    dropout: bool
    uninsured: bool
    housing_unsafe: bool
    water_unsafe: bool


class VisitPropertyCounts(PayloadPart):
    """Units owned, by where they are (本区县内 / 区县外市内 / 市外)."""

    in_district: int
    in_city_outside_district: int
    outside_city: int


class VisitSelfCoping(PayloadPart):
    """家庭自主应对能力 as answered (land in 亩)."""

    cultivated_land_mu: Decimal
    forest_land_mu: Decimal
    economic_forest_mu: Decimal
    ecological_forest_mu: Decimal
    has_homestead: bool
    self_built_house: bool
    house_structure: code_of(HouseStructure) | None = None
    house_structure_note: str | None = None
    commercial_flats: VisitPropertyCounts
    shops: VisitPropertyCounts
    family_cars: int
    operating_vehicles: int
    heavy_machinery: int
    runs_business: bool
    large_planting: bool
    planting_types: list[code_of(PlantingType)] = []
    large_breeding: bool
    breeding_types: list[code_of(BreedingType)] = []
    scale_household: bool
    public_payroll_member: bool
    village_cadre_member: bool
    high_income_member: bool


class VisitRisk(PayloadPart):
    """综合研判 as answered."""

    has_risk: bool
    causes: list[code_of(RiskCause)] = []
    disaster_type: str | None = None
    industry_failure_reason: code_of(IndustryFailureReason) | None = None
    industry_failure_note: str | None = None
    other_note: str | None = None


_NO_PROPERTY = {"in_district": 0, "in_city_outside_district": 0, "outside_city": 0}


@contract("visit.submitted", 1)
class VisitSubmitted(EventPayload):
    """A verification visit (附件1) accepted by intake, with what income and ledger need of it."""

    visit_id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    org_code: str
    group_name: str | None
    head_name: str
    method: code_of(VerificationMethod)
    visited_at: datetime
    received_at: datetime
    household_kinds: list[code_of(HouseholdKind)]
    risk_status: code_of(RiskStatus) | None
    key_target_groups: list[code_of(KeyTargetGroup)]
    members: list[VisitMember]
    income: VisitIncome
    guarantees: VisitGuarantees
    self_coping: VisitSelfCoping
    risk: VisitRisk
    findings: list[Finding]
    submitted_by: str

    example = {
        "visit_id": "3f1c9a52-7d4e-4b8a-9c61-2e5f0a7b8d13",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "household_number": "5001511082010007",
        "org_code": "500151108201",
        "group_name": "三社",
        "head_name": "周国华",
        "method": "home_visit",
        "visited_at": "2024-09-05T10:30:00+08:00",
        "received_at": "2024-09-05T10:31:12+08:00",
        "household_kinds": ["poverty_alleviated"],
        "risk_status": None,
        "key_target_groups": ["low_income_group"],
        "members": [
            {"member_id": "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f", "name": "周国华", "relation": "head",
             "birth_date": "1968-03-12", "sex": "male", "labour_capacity": "ordinary", "months_in_household": 12,
             "enlisted_sharing_income": False},
            {"member_id": "d5e6f7a8-1b2c-4d3e-8f4a-5b6c7d8e9f0a", "name": "谢淑芬", "relation": "spouse",
             "birth_date": "1970-11-02", "sex": "female", "labour_capacity": "weak", "months_in_household": 12,
             "enlisted_sharing_income": False},
            {"member_id": "e6f7a8b9-2c3d-4e4f-9a5b-6c7d8e9f0a1b", "name": "周小勇", "relation": "son",
             "birth_date": "1995-07-21", "sex": "male", "labour_capacity": "skilled", "months_in_household": 7,
             "enlisted_sharing_income": False},
        ],
        "income": {
            "bracket": None, "below_13000": None,
            "amounts": {"production_income": "6200.00", "wage_income": "9800.50", "transfer_income": "3120.00",
                        "property_income": "0.00", "production_expense": "2100.00"},
            "compliant_expenses": {"education": "0.00", "medical": "1850.00", "other": "0.00"},
            "claim_income": None,
        },
        "guarantees": {"dropout": False, "uninsured": False, "housing_unsafe": False, "water_unsafe": False},
        "self_coping": {
            "cultivated_land_mu": "3.50", "forest_land_mu": "4.00", "economic_forest_mu": "1.50",
            "ecological_forest_mu": "2.00", "has_homestead": True, "self_built_house": True,
            "house_structure": "brick_concrete", "house_structure_note": None,
            "commercial_flats": _NO_PROPERTY, "shops": _NO_PROPERTY,
            "family_cars": 0, "operating_vehicles": 1, "heavy_machinery": 0, "runs_business": False,
            "large_planting": True, "planting_types": ["vegetable_fungi"], "large_breeding": False,
            "breeding_types": [], "scale_household": False, "public_payroll_member": False,
            "village_cadre_member": False, "high_income_member": False,
        },
        "risk": {"has_risk": True, "causes": ["illness"], "disaster_type": None, "industry_failure_reason": None,
                 "industry_failure_note": None, "other_note": None},
        "findings": [{"code": "gps_low_accuracy", "field": "body.home_visit.gps.accuracy_m",
                      "message": "fix accuracy 65 m is worse than the limit of 50 m"}],
        "submitted_by": "user-500151108201-wangxiaocun",
    }


@contract("household.changed", 1)
class HouseholdChanged(EventPayload):
    """A household was created or its register data changed (kinds, members, group)."""

    household_id: uuid.UUID
    household_number: str
    org_code: str
    group_name: str | None
    head_name: str
    household_kinds: list[code_of(HouseholdKind)]
    risk_status: code_of(RiskStatus) | None
    member_count: int
    change: str  # created | updated | deleted | announced (republished as it stands, by households.announce)
    # The blind indexes of the live members' ID numbers (HMAC-SHA256 under the deployment's blind-index
    # key, ``FieldCipher.blind_index(number, purpose="id_number")``): the alerts service matches a
    # department warning to its household by them, so no clear ID number crosses a service boundary.
    # Added in place; absent (None) in events published before it, which say nothing about members.
    member_id_indexes: list[str] | None = None

    example = {
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "household_number": "5001511082010007",
        "org_code": "500151108201",
        "group_name": "三社",
        "head_name": "周国华",
        "household_kinds": ["poverty_alleviated", "monitored"],
        "risk_status": "unresolved",
        "member_count": 3,
        "change": "updated",
        "member_id_indexes": [
            "3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4",
            "4c0a1d2e3f5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5",
            "5d1b2e3f4a6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f506",
        ],
    }


@contract("org_unit.changed", 1)
class OrgUnitChanged(EventPayload):
    """An org unit (区县, 乡镇 or 村) was loaded for the first time, renamed or moved, or removed.

    Intake owns the 统计用区划代码 tree; other services keep the names they print (the ledger's
    exports) from this event and never read intake's table or file. ``removed`` marks a unit taken
    out of the tree: a reader keeps its name for the records that still carry its code.
    """

    org_code: str
    name: str
    level: str  # district | township | village
    parent_code: str | None
    removed: bool = False

    example = {
        "org_code": "500151108201",
        "name": "石鱼村",
        "level": "village",
        "parent_code": "500151108000",
        "removed": False,
    }
