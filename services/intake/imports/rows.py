"""One import row read into the register's own input models, or the reasons it cannot be."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from services.intake.households.schemas import MemberCreate
from services.intake.imports.columns import COLUMNS, choice, choices, header_label
from shared.domain.enums import HouseholdKind, KeyTargetGroup
from shared.domain.visit_form import (
    check_household_kinds,
    check_key_target_groups,
    risk_status_errors,
)

_MEMBER_CHOICES = ("relation", "labour_capacity", "skilled_trade", "weak_reason")


@dataclass
class ParsedRow:
    row: int
    household_number: str
    village_code: str
    village_name: str
    name: str
    household: dict = field(default_factory=dict)  # group_name, household_kinds, risk_status, key_target_groups
    member: MemberCreate | None = None
    member_errors: list[str] = field(default_factory=list)
    household_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.household_errors + self.member_errors

    @property
    def key(self) -> tuple[str, str, str]:
        return self.village_code, self.village_name, self.household_number


def parse_row(row: int, cells: dict[str, str]) -> ParsedRow:
    parsed = ParsedRow(row=row, household_number=cells.get("household_number", ""),
                       village_code=cells.get("village_code", ""), village_name=cells.get("village", ""),
                       name=cells.get("name", ""))
    if not parsed.household_number:
        parsed.household_errors.append(f"{header_label('household_number')}: required")
    if not parsed.village_code and not parsed.village_name:
        parsed.household_errors.append(f"{header_label('village_code')} or {header_label('village')}: required")
    parsed.household = _household_fields(cells, parsed.household_errors)
    parsed.member = _member(cells, parsed.member_errors)
    return parsed


def _in_order(values: list, enum: type) -> list:
    return sorted(set(values), key=list(enum).index)


def _household_fields(cells: dict[str, str], errors: list[str]) -> dict:
    values: dict = {"group_name": cells.get("group_name") or None, "household_kinds": [], "risk_status": None,
                    "key_target_groups": []}
    for name, enum in (("household_kinds", HouseholdKind), ("risk_status", None),
                       ("key_target_groups", KeyTargetGroup)):
        text = cells.get(name, "")
        if not text:
            continue
        try:
            values[name] = _in_order(choices(name, text), enum) if enum else choice(name, text)
        except ValueError as exc:
            errors.append(f"{header_label(name)}: {exc}")
    try:
        check_key_target_groups(values["key_target_groups"])
    except ValueError as exc:
        errors.append(f"{header_label('key_target_groups')}: {exc}")
    try:
        check_household_kinds(values["household_kinds"])
    except ValueError as exc:
        errors.append(f"{header_label('household_kinds')}: {exc}")
    if values["household_kinds"]:
        for _, _, message in risk_status_errors(values["household_kinds"], values["risk_status"]):
            errors.append(f"{header_label('risk_status')}: {message}")
    return values


def _member(cells: dict[str, str], errors: list[str]) -> MemberCreate | None:
    data: dict = {"name": cells.get("name", ""), "id_number": cells.get("id_number", ""),
                  "trade_note": cells.get("trade_note") or None, "remarks": cells.get("remarks") or None,
                  "phone": cells.get("phone") or None}
    unreadable: set[str] = set()
    for name in _MEMBER_CHOICES:
        if cells.get(name):
            try:
                data[name] = choice(name, cells[name])
            except ValueError as exc:
                errors.append(f"{header_label(name)}: {exc}")
                unreadable.add(name)
    if cells.get("months_in_household"):
        data["months_in_household"] = cells["months_in_household"]
    try:
        member = MemberCreate.model_validate(data)
    except ValidationError as exc:
        errors.extend(_validation_messages(exc, unreadable))
        return None
    return member if not errors else None


def _validation_messages(exc: ValidationError, unreadable: set[str]) -> list[str]:
    """One message per column; a column already reported as unreadable is not reported again."""
    messages = []
    for error in exc.errors():
        column = str(error["loc"][0]) if error["loc"] else ""
        if column in unreadable:
            continue
        label = header_label(column) if column in COLUMNS else column
        message = f"{label}: {error['msg'].removeprefix('Value error, ')}"
        if message not in messages:
            messages.append(message)
    return messages
