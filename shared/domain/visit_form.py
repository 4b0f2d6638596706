"""The visit verification form (附件1 农户返贫致贫风险信息核实表) as pydantic models.

The intake service accepts this body and other services receive it inside events, so every
rule here concerns the form alone: no database, and no clock except for an ID number's birth
date not lying in the future. Rules that need context (a key-target household checked without
a home visit, a labour capacity that contradicts the age) are data-quality findings for later
stages, not validation errors; ``remote_reason`` is recorded here so that such a finding can
tell an excused remote check from an unexcused one.

Cross-field rules are checked in model validators through ``_Rules``, which reports each
violation at the field it concerns, e.g. ``('risk', 'disaster_type')`` or
``('members', 2, 'skilled_trade')``, with a message that states the rule.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar
from uuid import UUID

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.domain.enums import (
    BreedingType,
    CoordinateSystem,
    HouseholdKind,
    HouseStructure,
    IncomeBracket,
    IndustryFailureReason,
    KeyTargetGroup,
    LabourCapacity,
    PlantingType,
    Relation,
    RemoteVerificationReason,
    RiskCause,
    RiskStatus,
    SkilledTrade,
    VerificationMethod,
    WeakLabourReason,
)
from shared.domain.geo import distance_m, to_wgs84
from shared.domain.household_income import MAX_MEMBERS
from shared.domain.idnumber import (
    InvalidIdNumber,
    free_text,
    parse_id_number,
)
from shared.domain.money import SignedYuan, Yuan, to_fen
from shared.domain.phones import Phone
from shared.domain.plausible import (
    PersonName,
    PlausibleDate,
    PlausibleDatetime,
    ascii_decimal,
)

E = TypeVar("E")


# --- Field types ------------------------------------------------------------------------------


def _valid_id_number(value: str) -> str:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber as exc:
        raise PydanticCustomError("invalid_id_number", str(exc)) from None


def _distinct_choices(values: list[E]) -> list[E]:
    """Reject a repeated choice; sort the rest in declaration order, as order carries no meaning."""
    repeated = next((value for index, value in enumerate(values) if value in values[:index]), None)
    if repeated is not None:
        context = {"choice": repeated.value}
        raise PydanticCustomError("duplicate_choice", "lists {choice} more than once", context)
    return sorted(values, key=list(type(values[0])).index) if values else values


def check_key_target_groups(groups: list[KeyTargetGroup]) -> list[KeyTargetGroup]:
    """10类重点对象: ``none`` (均无以上情形) stands alone. Raises a ValueError naming the rule."""
    if KeyTargetGroup.NONE in groups and len(groups) > 1:
        raise PydanticCustomError("none_combined", "none cannot be combined with another group")
    return groups


def check_household_kinds(kinds: list[HouseholdKind]) -> list[HouseholdKind]:
    """户类型: ``general`` (一般农户) is a household that is neither 脱贫户 nor 监测对象, so it stands alone.

    The other two combine: a 脱贫户 identified as 脱贫不稳定户 is both poverty-alleviated and monitored.
    """
    if HouseholdKind.GENERAL in kinds and len(kinds) > 1:
        message = "general (一般农户) is neither poverty_alleviated nor monitored; it cannot be combined"
        raise PydanticCustomError("general_combined", message)
    return kinds



# Free text may not hold an ID number or a mobile number: one typed into it is masked on receipt, so
# the clear value is never stored (the member's own id_number and phone fields are for those).
Text = free_text(500)
IdNumber = Annotated[str, AfterValidator(_valid_id_number)]
# Areas are kept to the hundredth of a mu, written alike however they were given (as amounts are).
Mu = Annotated[ascii_decimal(ge=0, max_digits=10, decimal_places=2), AfterValidator(to_fen)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Choices = Annotated[list[E], AfterValidator(_distinct_choices)]
KeyTargetGroups = Annotated[Choices[KeyTargetGroup], AfterValidator(check_key_target_groups)]
"""The 10类重点对象 ticked, each once, ``none`` alone."""
HouseholdKinds = Annotated[Choices[HouseholdKind], AfterValidator(check_household_kinds)]
"""The 户类型 ticked, each once, ``general`` alone."""


# --- Cross-field rules ------------------------------------------------------------------------


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, list) and not value)


FieldError = tuple[tuple[str | int, ...], str, str]  # (location, kind, message)


def raise_field_errors(title: str, errors: list[FieldError]) -> None:
    """Raise the errors as one ValidationError; pydantic prefixes each location with the model's path."""
    if errors:
        details = [InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)
                   for loc, kind, message in errors]
        raise ValidationError.from_exception_data(title, details)


def labour_rule_errors(labour_capacity: LabourCapacity | str, skilled_trade: Any, trade_note: Any,
                       weak_reason: Any) -> list[FieldError]:
    """劳动能力 details: a trade exactly for skilled labour, a note for 其他, a reason exactly for weak labour.

    The form and the household register both hold members, so both check them with this one rule.
    """
    errors: list[FieldError] = []
    skilled = labour_capacity == LabourCapacity.SKILLED
    weak = labour_capacity == LabourCapacity.WEAK
    other_trade = skilled_trade == SkilledTrade.OTHER
    for field, value, holds, condition in (
        ("skilled_trade", skilled_trade, skilled, "labour_capacity is skilled"),
        ("trade_note", trade_note, other_trade, "skilled_trade is other"),
        ("weak_reason", weak_reason, weak, "labour_capacity is weak"),
    ):
        if holds and value is None:
            errors.append(((field,), "required_when", f"required when {condition}"))
        elif not holds and value is not None:
            errors.append(((field,), "not_allowed_unless", f"not allowed unless {condition}"))
    return errors


def risk_status_errors(kinds: list[HouseholdKind | str], risk_status: RiskStatus | str | None) -> list[FieldError]:
    """风险状态 belongs to monitoring objects (防止返贫监测对象) only, and they must have one."""
    monitored = HouseholdKind.MONITORED in kinds
    if monitored and risk_status is None:
        return [(("risk_status",), "required_when", "required when household_kinds include monitored")]
    if not monitored and risk_status is not None:
        return [(("risk_status",), "not_allowed_unless", "not allowed unless household_kinds include monitored")]
    return []


class _Rules:
    """Collects a model's cross-field rule violations and raises them together, each at its field.

    A ``ValueError`` from a model validator is reported at the model's own location. A
    ``ValidationError`` built from line errors keeps each line's location, and pydantic prefixes
    it with the path to the model wherever the model is nested (a list item, a request body).
    """

    def __init__(self, model: BaseModel) -> None:
        self._model = model
        self._errors: list[InitErrorDetails] = []

    def fail(self, loc: tuple[str | int, ...], kind: str, message: str, value: Any = None) -> None:
        error = PydanticCustomError(kind, message)
        self._errors.append(InitErrorDetails(type=error, loc=loc, input=value))

    def require(self, field: str, holds: bool, condition: str) -> None:
        value = getattr(self._model, field)
        if holds and not _given(value):
            self.fail((field,), "required_when", f"required when {condition}", value)

    def forbid_unless(self, field: str, holds: bool, condition: str) -> None:
        value = getattr(self._model, field)
        if not holds and _given(value):
            self.fail((field,), "not_allowed_unless", f"not allowed unless {condition}", value)

    def require_iff(self, field: str, holds: bool, condition: str) -> None:
        self.require(field, holds, condition)
        self.forbid_unless(field, holds, condition)

    def extend(self, errors: list[FieldError]) -> None:
        """Add the errors of a rule function shared with other models."""
        for loc, kind, message in errors:
            self.fail(loc, kind, message, getattr(self._model, str(loc[0]), None))

    def raise_any(self) -> None:
        if self._errors:
            raise ValidationError.from_exception_data(type(self._model).__name__, self._errors)


class _FormModel(BaseModel):
    # Unknown fields are typos or a client on another version of the form: reject them. The
    # form holds ID numbers and phones, so error strings (which reach logs) omit the input.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


# --- Verification method ----------------------------------------------------------------------


class OnlineInquiry(_FormModel):
    """线上问询: who was contacted, when, and on which phone."""

    contact_date: PlausibleDate
    contact_name: PersonName
    contact_phone: Phone


class VillageAssessment(_FormModel):
    """村级研判: when and where the village assessed the household, and by whom (one to three)."""

    assessed_on: PlausibleDate
    place: Text
    assessors: list[PersonName] = Field(min_length=1, max_length=3)


class GpsFix(_FormModel):
    """GPS定位: the fix taken at the household; a home visit cannot be submitted without one."""

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float = Field(gt=0, allow_inf_nan=False)
    coordinate_system: CoordinateSystem
    mock_location: bool

    def as_wgs84(self) -> tuple[float, float]:
        """(latitude, longitude) in WGS-84, whatever system the phone reported."""
        return to_wgs84(self.latitude, self.longitude, self.coordinate_system)

    def distance_m(self, other: GpsFix) -> float:
        """Metres between two fixes, comparable even when their coordinate systems differ."""
        return distance_m(*self.as_wgs84(), *other.as_wgs84())


class HomeVisit(_FormModel):
    """入户走访: the GPS fix, and who answered when the household could not answer itself (代答)."""

    gps: GpsFix
    proxy_answer: bool = False
    proxy_name: PersonName | None = None

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        rules.require_iff("proxy_name", self.proxy_answer, "proxy_answer is true")
        rules.raise_any()
        return self


# --- Members ----------------------------------------------------------------------------------


class MemberDetails(_FormModel):
    """What a visit verifies of a member, as the register holds it too (intake's member schemas
    build on this, so the two cannot drift apart)."""

    name: PersonName
    relation: Relation
    labour_capacity: LabourCapacity
    skilled_trade: SkilledTrade | None = None
    trade_note: Text | None = None
    weak_reason: WeakLabourReason | None = None
    remarks: Text | None = None
    months_in_household: int = Field(default=12, ge=0, le=12)


class VerifiedMember(MemberDetails):
    """家庭成员: one member as verified; ``member_id`` names a member already on record."""

    member_id: UUID | None = None
    id_number: IdNumber | None = None
    # 附件5: a member who enlisted or entered a military academy and still shares the household's
    # income and expenses counts for the whole year. The cadre learns it on the visit; omitted
    # keeps what the register says.
    enlisted_sharing_income: bool | None = None

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        # A member already on record is known by member_id; a new one needs an ID number.
        rules.require("id_number", self.member_id is None, "member_id is absent")
        rules.extend(labour_rule_errors(self.labour_capacity, self.skilled_trade, self.trade_note, self.weak_reason))
        rules.raise_any()
        return self


class RemovedMember(_FormModel):
    """A registered member the visit found gone (died, married out, moved out), with the reason; the
    visit removes them from the register."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"member_id": "5f2b8c1e-3d4a-4e6b-9c7d-1a2b3c4d5e6f", "reason": "2024年6月病故"}]})

    member_id: UUID
    reason: Text


# --- Income -----------------------------------------------------------------------------------


class IncomeAmounts(_FormModel):
    """收入明细 (A-E), given when per-capita net income is judged below the monitoring range."""

    production_income: Yuan  # A 生产经营性收入
    wage_income: Yuan  # B 工资性收入
    transfer_income: Yuan  # C 转移性收入
    property_income: Yuan  # D 财产性收入
    production_expense: Yuan  # E 生产经营性支出


class CompliantExpenses(_FormModel):
    """合规自付支出: present only when the household has such expenses."""

    # Defaults are not validated, so they are written already in cents.
    education: Yuan = Decimal("0.00")
    medical: Yuan = Decimal("0.00")
    other: Yuan = Decimal("0.00")

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        if not (self.education or self.medical or self.other):
            message = "at least one expense must be above zero; omit compliant_expenses if none"
            rules.fail((), "no_expense", message)
        rules.raise_any()
        return self


class ClaimIncome(_FormModel):
    """理赔收入: present only when the household received an insurance claim."""

    amount: Yuan = Field(gt=0)


class Income(_FormModel):
    """收入支出情况 over the past 12 months: a bracket above the monitoring range, or amounts below it.

    ``compliant_expenses`` and ``claim_income`` belong to the second branch (收入低于监测范围) and are
    refused (422) beside a bracket.
    """

    bracket: IncomeBracket | None = None
    below_13000: bool | None = None
    amounts: IncomeAmounts | None = None
    compliant_expenses: CompliantExpenses | None = None
    claim_income: ClaimIncome | None = None

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        if self.bracket is not None and self.amounts is not None:
            rules.fail((), "income_branch", "give either bracket or amounts, not both")
        elif self.bracket is None and self.amounts is None:
            rules.fail((), "income_branch", "give either bracket or amounts; neither was given")
        split_bracket = self.bracket is IncomeBracket.B_12000_16000
        rules.require_iff("below_13000", split_bracket, "bracket is 12000_16000")
        # 合规自付支出 and 理赔收入 are asked under branch (2) of the form (收入低于监测范围) only.
        below_branch = "amounts are given (branch 2: judged below the monitoring range)"
        rules.forbid_unless("compliant_expenses", self.amounts is not None, below_branch)
        rules.forbid_unless("claim_income", self.amounts is not None, below_branch)
        rules.raise_any()
        return self


# --- Guarantees, self-coping capacity, livestock ----------------------------------------------


class Guarantees(_FormModel):
    """“三保障”和饮水安全: the four yes/no questions."""

    dropout: bool
    uninsured: bool
    housing_unsafe: bool
    water_unsafe: bool


class PropertyCounts(_FormModel):
    """Units owned, by where they are (本区县内 / 区县外市内 / 市外)."""

    in_district: Count
    in_city_outside_district: Count
    outside_city: Count


class SelfCoping(_FormModel):
    """家庭自主应对能力: the household's main assets and resources."""

    cultivated_land_mu: Mu
    forest_land_mu: Mu
    economic_forest_mu: Mu
    ecological_forest_mu: Mu
    has_homestead: bool
    self_built_house: bool
    house_structure: HouseStructure | None = None
    house_structure_note: Text | None = None
    commercial_flats: PropertyCounts
    shops: PropertyCounts
    family_cars: Count
    operating_vehicles: Count
    heavy_machinery: Count
    runs_business: bool
    large_planting: bool
    planting_types: Choices[PlantingType] = []
    large_breeding: bool
    breeding_types: Choices[BreedingType] = []
    scale_household: bool
    public_payroll_member: bool
    village_cadre_member: bool
    high_income_member: bool

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        if self.economic_forest_mu + self.ecological_forest_mu > self.forest_land_mu:
            message = "economic_forest_mu plus ecological_forest_mu cannot exceed forest_land_mu"
            kind, total = "forest_parts_exceed_total", self.forest_land_mu
            rules.fail(("forest_land_mu",), kind, message, total)
        rules.require_iff("house_structure", self.self_built_house, "self_built_house is true")
        other_structure = self.house_structure is HouseStructure.OTHER
        rules.require_iff("house_structure_note", other_structure, "house_structure is other")
        rules.require_iff("planting_types", self.large_planting, "large_planting is true")
        rules.require_iff("breeding_types", self.large_breeding, "large_breeding is true")
        rules.raise_any()
        return self


class Livestock(_FormModel):
    """牛羊养殖情况, for poverty-alleviated and monitored households only.

    Sold counts run from 1 October last year to the visit.
    """

    cattle_in_stock: Count
    cattle_sold: Count
    sheep_in_stock: Count
    sheep_sold: Count
    net_income_last_year: SignedYuan  # a loss is possible


# --- Risk judgement ---------------------------------------------------------------------------


class RiskJudgement(_FormModel):
    """综合研判: whether the household risks (returning to) poverty, and why."""

    has_risk: bool
    causes: Choices[RiskCause] = []
    disaster_type: Text | None = None
    industry_failure_reason: IndustryFailureReason | None = None
    industry_failure_note: Text | None = None
    other_note: Text | None = None

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        causes = set(self.causes)
        rules.require_iff("causes", self.has_risk, "has_risk is true")
        disaster = RiskCause.NATURAL_DISASTER in causes
        rules.require_iff("disaster_type", disaster, "causes include natural_disaster")
        failure = RiskCause.INDUSTRY_FAILURE in causes
        rules.require_iff("industry_failure_reason", failure, "causes include industry_failure")
        other_reason = self.industry_failure_reason is IndustryFailureReason.OTHER
        rules.require_iff("industry_failure_note", other_reason, "industry_failure_reason is other")
        rules.require_iff("other_note", RiskCause.OTHER in causes, "causes include other")
        rules.raise_any()
        return self


# --- The form ---------------------------------------------------------------------------------


_METHOD_SECTIONS = {
    VerificationMethod.ONLINE_INQUIRY: "online_inquiry",
    VerificationMethod.VILLAGE_ASSESSMENT: "village_assessment",
    VerificationMethod.HOME_VISIT: "home_visit",
}
_LIVESTOCK_KINDS = {HouseholdKind.POVERTY_ALLEVIATED, HouseholdKind.MONITORED}


class VisitForm(_FormModel):
    """农户返贫致贫风险信息核实表: one household's verification on one visit."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"visit_id": "0d6c3a9e-7b21-4f58-a1c4-93e2d5b8f017",
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
                                                       "members": [{"id_number": "500151197204180310",
                                                                    "name": "李建国",
                                                                    "relation": "head",
                                                                    "labour_capacity": "ordinary"},
                                                                   {"id_number": "500151197511020421",
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
                                                                       "shops": {"in_district": 0, "in_city_outside_district": 0, "outside_city": 0},
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
                                                       "risk": {"has_risk": False}}]})

    visit_id: UUID  # generated by the client, so a retried submission is recognisable
    household_id: UUID
    visited_at: PlausibleDatetime
    method: VerificationMethod
    online_inquiry: OnlineInquiry | None = None
    village_assessment: VillageAssessment | None = None
    home_visit: HomeVisit | None = None
    remote_reason: RemoteVerificationReason | None = None
    household_kinds: Annotated[HouseholdKinds, Field(min_length=1)]
    risk_status: RiskStatus | None = None
    key_target_groups: Annotated[KeyTargetGroups, Field(min_length=1)]
    members: list[VerifiedMember] = Field(min_length=1, max_length=MAX_MEMBERS)
    # Registered members the visit found gone; every other registered member belongs in ``members``.
    removed_members: list[RemovedMember] | None = Field(default=None, max_length=MAX_MEMBERS)
    income: Income
    guarantees: Guarantees
    self_coping: SelfCoping
    livestock: Livestock | None = None
    risk: RiskJudgement

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        rules = _Rules(self)
        for method, section in _METHOD_SECTIONS.items():
            rules.require_iff(section, self.method is method, f"method is {method.value}")
        remote = self.method is not VerificationMethod.HOME_VISIT
        condition = "method is online_inquiry or village_assessment"
        rules.forbid_unless("remote_reason", remote, condition)
        rules.extend(risk_status_errors(self.household_kinds, self.risk_status))
        keeps_livestock_record = bool(_LIVESTOCK_KINDS.intersection(self.household_kinds))
        kinds_condition = "household_kinds include poverty_alleviated or monitored"
        rules.require_iff("livestock", keeps_livestock_record, kinds_condition)
        self._check_one_head(rules)
        self._check_members_distinct(rules)
        rules.raise_any()
        return self

    def _check_one_head(self, rules: _Rules) -> None:
        """Exactly one 户主, as the register holds it."""
        heads = [member.name for member in self.members if member.relation is Relation.HEAD]
        if len(heads) != 1:
            found = f"found {len(heads)}" + (f" ({', '.join(heads)})" if heads else "")
            rules.fail(("members",), "one_head", f"exactly one member must be the head (户主), {found}")

    def _check_members_distinct(self, rules: _Rules) -> None:
        first_seen: dict[tuple[str, Any], int] = {}
        for index, member in enumerate(self.members):
            for field in ("member_id", "id_number"):
                value = getattr(member, field)
                if value is None:
                    continue
                first = first_seen.setdefault((field, value), index)
                if first != index:
                    message = f"same {field} as members.{first}"
                    rules.fail(("members", index, field), "duplicate_member", message, value)
        listed = {("member_id", m.member_id) for m in self.members if m.member_id is not None}
        removed: set[UUID] = set()
        for index, removal in enumerate(self.removed_members or []):
            if ("member_id", removal.member_id) in listed:
                message = "a member cannot be both on the form and removed"
                rules.fail(("removed_members", index, "member_id"), "duplicate_member", message, removal.member_id)
            elif removal.member_id in removed:
                message = "removed more than once"
                rules.fail(("removed_members", index, "member_id"), "duplicate_member", message, removal.member_id)
            removed.add(removal.member_id)

    def content_fingerprint(self, dumped: dict | None = None) -> str:
        """sha256 hex of the form's canonical JSON (keys sorted, no spaces, UTF-8, the visit time in UTC):
        equal exactly when the content is equal.

        ``dumped``, when given, is this form's ``model_dump(mode="json", exclude_none=True)``, which the
        caller needed anyway; it is not changed.
        """
        return hashlib.sha256(orjson.dumps(self._canonical(dumped), option=orjson.OPT_SORT_KEYS)).hexdigest()

    def legacy_content_fingerprint(self, dumped: dict | None = None) -> str:
        """The fingerprint of visits stored before it was written with orjson: the same canonical JSON as
        the standard library writes it, which differs only in how it writes a few numbers (``1e-05``
        for orjson's ``0.00001``). A resubmission compares with it before it is called other content."""
        canonical = json.dumps(self._canonical(dumped), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _canonical(self, dumped: dict | None) -> dict:
        content = dict(dumped) if dumped is not None else self.model_dump(mode="json", exclude_none=True)
        # The same instant written with another UTC offset is the same visit.
        content["visited_at"] = self.visited_at.astimezone(UTC).isoformat()
        return content
