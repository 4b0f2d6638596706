"""One import row read into the register's own input models, or the reasons it cannot be.

The checks are the register's own (the models the API validates with) plus the text rules of the
columns module, and nothing is left to the database to refuse: a value PostgreSQL would reject in a
real run (a NUL, a 41-character 户编号) is rejected here, in the dry run as in the real run, on
SQLite as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError

from services.intake.households.schemas import GroupName, HouseholdNumber, MemberCreate
from services.intake.imports.columns import (
    COLUMNS,
    HOUSEHOLD_FIELDS,
    MULTILINE_FIELDS,
    choice,
    choices,
    control_characters,
    header_label,
    printable,
)
from shared.domain.enums import HouseholdKind, KeyTargetGroup
from shared.domain.visit_form import (
    check_household_kinds,
    check_key_target_groups,
    risk_status_errors,
)

_MEMBER_CHOICES = ("relation", "labour_capacity", "skilled_trade", "weak_reason")
# The columns a household is found by: a row whose cell here breaks a rule rejects its household.
_HOUSEHOLD_KEYS = ("village_code", "village", "household_number")
_HOUSEHOLD_NUMBER = TypeAdapter(HouseholdNumber)
_GROUP_NAME = TypeAdapter(GroupName)


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
    household_errors: list[str] = []
    member_errors: list[str] = []
    cells = _readable_cells(cells, household_errors, member_errors)
    parsed = ParsedRow(row=row, household_number=cells.get("household_number", ""),
                       village_code=cells.get("village_code", ""), village_name=cells.get("village", ""),
                       name=cells.get("name", ""), household_errors=household_errors, member_errors=member_errors)
    if not parsed.household_number:
        parsed.household_errors.append(f"{header_label('household_number')}: required")
    else:
        _check(_HOUSEHOLD_NUMBER, "household_number", parsed.household_number, parsed.household_errors)
    if not parsed.village_code and not parsed.village_name:
        parsed.household_errors.append(f"{header_label('village_code')} or {header_label('village')}: required")
    parsed.household = _household_fields(cells, parsed.household_errors)
    parsed.member = _member(cells, parsed.member_errors)
    return parsed


def _readable_cells(cells: dict[str, str], household_errors: list[str], member_errors: list[str]) -> dict[str, str]:
    """The cells with control characters reported and shown as U+FFFD (the row is rejected either way)."""
    readable = {}
    for name, text in cells.items():
        found = control_characters(text, multiline=name in MULTILINE_FIELDS)
        if found:
            errors = household_errors if name in (*_HOUSEHOLD_KEYS, *HOUSEHOLD_FIELDS) else member_errors
            errors.append(f"{header_label(name)}: contains control character(s) {', '.join(found)}; "
                          "a cell may hold only text")
            text = printable(text)
        readable[name] = text
    return readable


def _check(adapter: TypeAdapter, name: str, text: str, errors: list[str]) -> None:
    try:
        adapter.validate_python(text)
    except ValidationError as exc:
        errors.append(f"{header_label(name)}: {exc.errors()[0]['msg']}")


def _in_order(values: list, enum: type) -> list:
    return sorted(set(values), key=list(enum).index)


def _household_fields(cells: dict[str, str], errors: list[str]) -> dict:
    values: dict = {"group_name": cells.get("group_name") or None, "household_kinds": [], "risk_status": None,
                    "key_target_groups": []}
    if values["group_name"]:
        _check(_GROUP_NAME, "group_name", values["group_name"], errors)
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
