"""The columns of an import file and how their cells read.

One row per member; rows of one household share its 户编号 and should follow one another (rows
of a household that appear again later are applied as an update of it). Headers are matched in
Chinese or English, ignoring case, spaces and a leading ``*``:

| column | header (aliases) | required | cell |
|---|---|---|---|
| village_code | 村代码 (village_code, 村编码, 行政区划代码) | one of the two | 12-digit code of the village |
| village | 村 (village, 村名称, 所在村) | one of the two | village name within your scope |
| household_number | 户编号 (household_number, 户号) | yes | 户编号, unique within the village |
| group_name | 村民小组 (group, group_name, 社, 所在村民小组) | no | 社 |
| household_kinds | 户类型 (household_kinds) | yes | codes or labels, separated by 、 , ; / |
| risk_status | 风险状态 (risk_status) | for monitoring objects | 未消除风险 / 已消除风险 |
| key_target_groups | 重点对象 (key_target_groups, 10类重点对象) | no | codes or labels, separated as above |
| name | 姓名 (name) | yes | |
| relation | 与户主关系 (relation) | yes | 户主, 配偶, 子, 女, 父母, 孙子女, 兄弟姐妹, 儿媳, 女婿, 其他 or codes |
| id_number | 身份证号码 (id_number, 身份证号, 证件号码) | yes | 18 characters, as text |
| labour_capacity | 劳动能力 (labour_capacity) | yes | 普通劳动力 … or codes |
| skilled_trade | 技能工种 (skilled_trade, 工种) | for 技能劳动力 | 电工 … or codes |
| trade_note | 工种说明 (trade_note) | for 其他 trade | |
| weak_reason | 弱劳动力原因 (weak_reason) | for 弱劳动力 | 60岁以上 / 患病 / 残疾 or codes |
| months_in_household | 在户月数 (months_in_household) | no (12) | 0-12 |
| phone | 联系电话 (phone, 电话) | no | |
| remarks | 备注 (remarks) | no | |

Household columns (village, number, group, kinds, risk status, key-target groups) are read from a
household's first row; a later row of the household that says otherwise is rejected.

A file with two columns that read as the same field (身份证号码 and id_number, say) is refused:
which of the two holds the truth is the township's to say, not the import's. A cell may hold no
control character (NUL, tab, escape and the like) anywhere; only 备注 and 工种说明 may hold line
breaks. A row breaking that rule is rejected with the column named.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from shared.domain.enums import (
    HouseholdKind,
    KeyTargetGroup,
    LabourCapacity,
    Relation,
    RiskStatus,
    SkilledTrade,
    WeakLabourReason,
)

# field -> (Chinese header, English and other aliases)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "village_code": ("村代码", ("village_code", "村编码", "行政区划代码")),
    "village": ("村", ("village", "村名称", "所在村")),
    "household_number": ("户编号", ("household_number", "户号")),
    "group_name": ("村民小组", ("group", "group_name", "社", "所在村民小组")),
    "household_kinds": ("户类型", ("household_kinds",)),
    "risk_status": ("风险状态", ("risk_status",)),
    "key_target_groups": ("重点对象", ("key_target_groups", "10类重点对象")),
    "name": ("姓名", ("name",)),
    "relation": ("与户主关系", ("relation",)),
    "id_number": ("身份证号码", ("id_number", "身份证号", "证件号码")),
    "labour_capacity": ("劳动能力", ("labour_capacity",)),
    "skilled_trade": ("技能工种", ("skilled_trade", "工种")),
    "trade_note": ("工种说明", ("trade_note",)),
    "weak_reason": ("弱劳动力原因", ("weak_reason",)),
    "months_in_household": ("在户月数", ("months_in_household",)),
    "phone": ("联系电话", ("phone", "电话")),
    "remarks": ("备注", ("remarks",)),
}
REQUIRED = ("household_number", "household_kinds", "name", "relation", "id_number", "labour_capacity")
HOUSEHOLD_FIELDS = ("group_name", "household_kinds", "risk_status", "key_target_groups")


def header_label(field: str) -> str:
    """How a report names a column: ``身份证号码 (id_number)``."""
    chinese, _ = COLUMNS[field]
    return f"{chinese} ({field})"


def _normal_header(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lstrip("*").lower()


_HEADERS = {_normal_header(alias): field for field, (chinese, aliases) in COLUMNS.items()
            for alias in (chinese, field, *aliases)}


def map_headers(headers: list[str], *, row: int = 1) -> tuple[dict[int, str], list[str]]:
    """Column positions of known fields, and the headers that match none (ignored).

    ValueError when two columns read as one field, naming both header cells (``C1``, ``H1``).
    """
    positions: dict[int, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        if header is None or str(header).strip() == "":
            continue
        field = _HEADERS.get(_normal_header(str(header)))
        if field is None:
            ignored.append(str(header).strip())
            continue
        earlier = next((p for p, f in positions.items() if f == field), None)
        if earlier is not None:
            raise ValueError(
                f"columns {_cell(earlier, row)} ({printable(str(headers[earlier]).strip())}) and "
                f"{_cell(position, row)} ({printable(str(header).strip())}) both read as {header_label(field)}; "
                "keep one of them")
        positions[position] = field
    return positions, ignored


def _cell(position: int, row: int) -> str:
    """A spreadsheet cell reference, ``A1``, of a 0-based column position."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{row}"


# Free-text columns where a line break (Alt+Enter in a cell) is part of the text.
MULTILINE_FIELDS = frozenset({"remarks", "trade_note"})
_LINE_BREAKS = frozenset("\n\r")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters of a cell (``U+0000``…), which no register field takes; line breaks allowed if multiline."""
    found = []
    for character in text:
        if unicodedata.category(character) == "Cc" and not (multiline and character in _LINE_BREAKS):
            code = f"U+{ord(character):04X}"
            if code not in found:
                found.append(code)
    return found


def printable(text: str) -> str:
    """The text with each control character shown as U+FFFD, fit for a report and any database."""
    if text.isprintable():
        return text
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)


def missing_columns(fields: set[str]) -> list[str]:
    missing = [header_label(f) for f in REQUIRED if f not in fields]
    if not {"village_code", "village"} & fields:
        missing.insert(0, f"{header_label('village_code')} or {header_label('village')}")
    return missing


def _lookup(enum: type[Enum], extra: dict[str, Enum] | None = None) -> dict[str, Enum]:
    table: dict[str, Enum] = {}
    for member in enum:
        label = getattr(member, "label", member.value)
        for key in (member.value, label, re.sub(r"[（(].*?[）)]", "", label)):
            table[_normal_value(key)] = member
    for key, member in (extra or {}).items():
        table[_normal_value(key)] = member
    return table


def _normal_value(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


LOOKUPS: dict[str, dict[str, Enum]] = {
    "household_kinds": _lookup(HouseholdKind, {"监测户": HouseholdKind.MONITORED, "监测对象": HouseholdKind.MONITORED}),
    "risk_status": _lookup(RiskStatus),
    "key_target_groups": _lookup(KeyTargetGroup, {"无": KeyTargetGroup.NONE}),
    "relation": _lookup(Relation, {"儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW,
                                   "儿子": Relation.SON, "女儿": Relation.DAUGHTER, "父亲": Relation.PARENT,
                                   "母亲": Relation.PARENT, "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD,
                                   "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "之妻": Relation.SPOUSE}),
    "labour_capacity": _lookup(LabourCapacity, {"弱劳动力": LabourCapacity.WEAK, "半劳动力": LabourCapacity.WEAK}),
    "skilled_trade": _lookup(SkilledTrade),
    "weak_reason": _lookup(WeakLabourReason, {"60岁以上": WeakLabourReason.OVER_60, "因病": WeakLabourReason.ILLNESS,
                                              "因残": WeakLabourReason.DISABILITY}),
}
_SEPARATORS = re.compile(r"[、,，;；/|]+")


def choice(field: str, text: str) -> Enum:
    """One enumeration value from its code or Chinese label; ValueError names what was accepted."""
    member = LOOKUPS[field].get(_normal_value(text))
    if member is None:
        raise ValueError(f"{text!r} is not one of: {', '.join(_labels(field))}")
    return member


def choices(field: str, text: str) -> list[Enum]:
    return [choice(field, part) for part in _SEPARATORS.split(text) if part.strip()]


def _labels(field: str) -> list[str]:
    seen: dict[str, None] = {}
    for member in LOOKUPS[field].values():
        seen.setdefault(getattr(member, "label", member.value), None)
    return list(seen)
