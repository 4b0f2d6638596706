"""API models of households and members.

ID numbers and phones leave only masked (``500151********1234``, ``138****5678``); the clear
values come from the audited reveal endpoint.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.domain.enums import (
    CoordinateSystem,
    HouseholdKind,
    KeyTargetGroup,
    LabourCapacity,
    Relation,
    RiskStatus,
    SkilledTrade,
    WeakLabourReason,
)
from shared.domain.examples import example_of
from shared.domain.idnumber import InvalidIdNumber, parse_id_number
from shared.domain.org_codes import OrgCode
from shared.domain.phones import Phone
from shared.domain.plausible import PersonName
from shared.domain.visit_form import (
    FieldError,
    HouseholdKinds,
    KeyTargetGroups,
    MemberDetails,
    Text,
    labour_rule_errors,
    raise_field_errors,
    risk_status_errors,
)

HouseholdNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z\-]{1,40}$")]
GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class _Input(BaseModel):
    # Input models hold ID numbers and phones: errors (which may reach logs) omit the input.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class Location(_Input):
    """The household's position; stored in WGS-84 whatever system the phone reported."""

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    coordinate_system: CoordinateSystem = CoordinateSystem.WGS84


class MemberBase(MemberDetails):
    """A member as the register holds one: what a visit verifies, and whether 纳入共享收入."""

    enlisted_sharing_income: bool = False


class MemberCreate(MemberBase):
    """家庭成员 to add: the 18-character ID number gives birth date and sex."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'name': '张秀英',
                                                       'relation': 'spouse',
                                                       'id_number': '500151198009232626',
                                                       'phone': '13908231024',
                                                       'labour_capacity': 'weak',
                                                       'weak_reason': 'illness',
                                                       'remarks': '慢性肾病，长期服药',
                                                       'months_in_household': 12,
                                                       'enlisted_sharing_income': False}]})

    id_number: str = Field(min_length=1, max_length=40)
    phone: Phone | None = None

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        errors = labour_rule_errors(self.labour_capacity, self.skilled_trade, self.trade_note, self.weak_reason)
        try:
            self.id_number = parse_id_number(self.id_number).number
        except InvalidIdNumber as exc:
            # Name the member, never the number: the message may be logged.
            errors.append((("id_number",), "invalid_id_number", f"{self.name}: {exc}"))
        raise_field_errors(type(self).__name__, errors)
        return self


class MemberUpdate(_Input):
    """Changes to a member; omitted fields stay, ``null`` clears an optional one."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'labour_capacity': 'ordinary', 'weak_reason': None, 'remarks': '病情稳定，可从事轻体力劳动'}]})

    name: PersonName | None = None
    relation: Relation | None = None
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    phone: Phone | None = None
    labour_capacity: LabourCapacity | None = None
    skilled_trade: SkilledTrade | None = None
    trade_note: Text | None = None
    weak_reason: WeakLabourReason | None = None
    remarks: Text | None = None
    months_in_household: int | None = Field(default=None, ge=0, le=12)
    enlisted_sharing_income: bool | None = None


class MemberRemoval(_Input):
    """Why a member left the household (death, marriage out, moved household…)."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'reason': '2026年2月婚嫁迁出至潼南区'}]})

    reason: Text


class HouseholdBase(_Input):
    group_name: GroupName | None = None
    household_kinds: HouseholdKinds = Field(min_length=1)
    risk_status: RiskStatus | None = None
    key_target_groups: KeyTargetGroups = []
    location: Location | None = None


class HouseholdCreate(HouseholdBase):
    """农户 to register in a village, with every member and exactly one head (户主)."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'org_code': '500151108201',
                                                       'household_number': '5001511082010037',
                                                       'group_name': '三组',
                                                       'household_kinds': ['poverty_alleviated'],
                                                       'key_target_groups': ['low_income_group'],
                                                       'location': {'latitude': 29.7581, 'longitude': 106.2423, 'coordinate_system': 'wgs84'},
                                                       'members': [{'name': '李建国',
                                                                    'relation': 'head',
                                                                    'id_number': '500151197804122317',
                                                                    'phone': '13808231024',
                                                                    'labour_capacity': 'skilled',
                                                                    'skilled_trade': 'electrician'},
                                                                   {'name': '李浩然',
                                                                    'relation': 'son',
                                                                    'id_number': '500151200506183511',
                                                                    'labour_capacity': 'ordinary',
                                                                    'months_in_household': 10}]}]})

    org_code: OrgCode
    household_number: HouseholdNumber
    members: list[MemberCreate] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        errors: list[FieldError] = risk_status_errors(self.household_kinds, self.risk_status)
        heads = [i for i, m in enumerate(self.members) if m.relation is Relation.HEAD]
        if len(heads) != 1:
            errors.append((("members",), "one_head", f"exactly one member must be the head (户主), found {len(heads)}"))
        first_seen: dict[str, int] = {}
        for index, member in enumerate(self.members):
            first = first_seen.setdefault(member.id_number, index)
            if first != index:
                errors.append((("members", index, "id_number"), "duplicate_member",
                               f"{member.name}: same ID number as members.{first}"))
        raise_field_errors(type(self).__name__, errors)
        return self


class HouseholdUpdate(_Input):
    """Changes to a household's register data; omitted fields stay."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'group_name': '四组',
                                                       'household_kinds': ['poverty_alleviated', 'monitored'],
                                                       'risk_status': 'unresolved',
                                                       'key_target_groups': ['monitored']}]})

    group_name: GroupName | None = None
    household_kinds: HouseholdKinds | None = Field(default=None, min_length=1)
    risk_status: RiskStatus | None = None
    key_target_groups: KeyTargetGroups | None = None
    location: Location | None = None


class MemberRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [{'id': '5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f',
                                                       'household_id': '9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
                                                       'name': '李建国',
                                                       'relation': 'head',
                                                       'id_number': '500151********2317',
                                                       'birth_date': '1978-04-12',
                                                       'sex': '男',
                                                       'labour_capacity': 'skilled',
                                                       'skilled_trade': 'electrician',
                                                       'trade_note': None,
                                                       'weak_reason': None,
                                                       'remarks': None,
                                                       'months_in_household': 12,
                                                       'enlisted_sharing_income': False,
                                                       'phone': '138****1024'}]})

    id: uuid.UUID
    household_id: uuid.UUID
    name: str
    relation: Relation
    id_number: str = Field(description="masked: region code and last four characters")
    birth_date: date
    sex: str
    labour_capacity: LabourCapacity
    skilled_trade: SkilledTrade | None
    trade_note: str | None
    weak_reason: WeakLabourReason | None
    remarks: str | None
    months_in_household: int
    enlisted_sharing_income: bool
    phone: str | None = Field(description="masked")


class LocationRead(BaseModel):
    latitude: float
    longitude: float
    coordinate_system: CoordinateSystem = CoordinateSystem.WGS84


class HouseholdRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [{'id': '9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
                                                       'org_code': '500151108201',
                                                       'village_name': '石岗村',
                                                       'household_number': '5001511082010037',
                                                       'group_name': '三组',
                                                       'head_name': '李建国',
                                                       'household_kinds': ['poverty_alleviated'],
                                                       'risk_status': None,
                                                       'key_target_groups': ['low_income_group'],
                                                       'location': {'latitude': 29.7581, 'longitude': 106.2423, 'coordinate_system': 'wgs84'},
                                                       'members': [{'id': '5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f',
                                                                    'household_id': '9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
                                                                    'name': '李建国',
                                                                    'relation': 'head',
                                                                    'id_number': '500151********2317',
                                                                    'birth_date': '1978-04-12',
                                                                    'sex': '男',
                                                                    'labour_capacity': 'skilled',
                                                                    'skilled_trade': 'electrician',
                                                                    'trade_note': None,
                                                                    'weak_reason': None,
                                                                    'remarks': None,
                                                                    'months_in_household': 12,
                                                                    'enlisted_sharing_income': False,
                                                                    'phone': '138****1024'}],
                                                       'created_at': '2026-03-02T09:15:00+08:00',
                                                       'updated_at': '2026-03-12T16:40:00+08:00'}]})

    id: uuid.UUID
    org_code: str
    village_name: str | None
    household_number: str
    group_name: str | None
    head_name: str
    household_kinds: list[HouseholdKind]
    risk_status: RiskStatus | None
    key_target_groups: list[KeyTargetGroup]
    location: LocationRead | None
    members: list[MemberRead]
    created_at: datetime
    updated_at: datetime


class MemberTombstone(BaseModel):
    """A member who left the household since the client's sync token: drop them from the phone's copy."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'id': '7c1e9a3b-5d2f-4a8e-b6c4-2f1d0e9b8a7c',
                                                       'household_id': '9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
                                                       'removed': True,
                                                       'removed_at': '2026-03-12T16:40:00+08:00',
                                                       'removal_reason': '2026年2月婚嫁迁出至潼南区'}]})

    id: uuid.UUID
    household_id: uuid.UUID
    removed: bool = True
    removed_at: datetime
    removal_reason: str | None


class HouseholdPage(BaseModel):
    """A page of households; with a sync token, the households changed since it and the members removed."""

    model_config = ConfigDict(json_schema_extra={'examples': [
        {'items': [example_of(HouseholdRead)], 'total': 1, 'limit': 50, 'offset': 0,
         'removed_members': [example_of(MemberTombstone)], 'has_more': False,
         'next_sync_token': 'eyJ2IjoxLCJzIjo3NDIxOTMsInZpbGxhZ2UiOiI1MDAxNTExMDgyMDEiLCJvcmciOm51bGwsInciOm51bGws'
                            'ImEiOm51bGx9.3f9a1c0b7e2d4a6f8b1c2d3e4f5a6b7c'}]})

    items: list[HouseholdRead]
    total: int = Field(description="households in the list (with a sync token: changed since it)")
    limit: int
    offset: int
    removed_members: list[MemberTombstone] = Field(
        default=[], description="with a sync token: members of these households removed since it (tombstones)")
    has_more: bool = Field(description="another page follows: with a sync token, ask again with next_sync_token")
    next_sync_token: str | None = Field(
        description="send back as `since` for the next page or, on the last page, for the changes after this "
                    "download; null on a page reached by offset or a list narrowed by more than village and org, "
                    "which cannot be synced")


class MemberPage(BaseModel):
    """A page of members; with a sync token, the members changed since it, removed ones as tombstones."""

    model_config = ConfigDict(json_schema_extra={'examples': [
        {'items': [example_of(MemberRead)], 'removed_members': [example_of(MemberTombstone)], 'total': 2,
         'limit': 50, 'offset': 0, 'has_more': False,
         'next_sync_token': 'eyJ2IjoxLCJsIjoibWVtYmVycyIsInMiOiI3NDIxOTM6NzQyMjAxOjc0MjE5NSIsInZpbGxhZ2UiOiI1MDAx'
                            'NTExMDgyMDEiLCJvcmciOm51bGwsInciOm51bGwsImEiOm51bGx9.8e2b0c4d6f1a3e5b7c9d0e2f4a6b8c1d'}]})

    items: list[MemberRead]
    removed_members: list[MemberTombstone] = Field(
        description="with a sync token: members removed since it (tombstones); empty on a first download")
    total: int = Field(description="members in the list (with a sync token: changed since it, removals included)")
    limit: int
    offset: int
    has_more: bool = Field(description="another page follows: with a sync token, ask again with next_sync_token")
    next_sync_token: str | None = Field(
        description="send back as `since` for the next page or, on the last page, for the changes after this "
                    "download; null on a page reached by offset")


class MemberReveal(BaseModel):
    """A member's clear ID number and phone (an audited read)."""

    model_config = ConfigDict(json_schema_extra={'examples': [{'member_id': '5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f',
                                                       'name': '李建国',
                                                       'id_number': '500151197804122317',
                                                       'phone': '13808231024'}]})

    member_id: uuid.UUID
    name: str
    id_number: str
    phone: str | None
