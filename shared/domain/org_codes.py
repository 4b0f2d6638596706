"""Org codes (统计用区划代码): the 12 digits that place a district, township or village.

A code reads 6 digits of county (区县), 3 of township (乡镇/街道) and 3 of village (村/社区); a unit
above the village fills the parts below it with zeros: 铜梁区 ``500151000000``, its township
西河镇 ``500151108000``, a village of it ``500151108201``. A code's significant prefix selects the
unit and everything under it, so "may this caller see that row" and "does this rule set apply
here" are prefix tests.

Every service reads codes through this module: the API type, the level, the parent, the prefix of
a level and whether one unit covers another.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.domain.enums import LabeledEnum

ORG_CODE_LENGTH = 12
# ASCII digits only: ``\d`` would also let full-width and other Unicode digits through.
ORG_CODE_PATTERN = r"^[0-9]{12}$"
ORG_PREFIX_PATTERN = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"
LEADING_DIGITS_PATTERN = r"^[0-9]{1,12}$"  # any leading part of a code, for "starts with" filters
# A region of a rule set is a prefix at any level: "" nationwide, 2 province, 4 city, 6 county, 9, 12.
REGION_LENGTHS = (0, 2, 4, 6, 9, 12)
_EMPTY_PART = "000"


class OrgLevel(LabeledEnum):
    """The level of an org unit; groups (村民小组/社) are a household field, not a level."""

    DISTRICT = "district", "区县"
    TOWNSHIP = "township", "乡镇"
    VILLAGE = "village", "村"


LEVEL_LENGTHS = {OrgLevel.DISTRICT: 6, OrgLevel.TOWNSHIP: 9, OrgLevel.VILLAGE: 12}
_LEVEL_OF_LENGTH = {length: level for level, length in LEVEL_LENGTHS.items()}

OrgCode = Annotated[str, StringConstraints(pattern=ORG_CODE_PATTERN),
                    Field(description="12-digit org code (统计用区划代码)", examples=["500151108201"])]
OrgPrefix = Annotated[str, StringConstraints(pattern=ORG_PREFIX_PATTERN),
                      Field(description="a district (6 digits), township (9) or village (12) prefix")]


def is_org_code(value: object) -> bool:
    """Whether ``value`` is 12 ASCII digits."""
    return isinstance(value, str) and len(value) == ORG_CODE_LENGTH and value.isascii() and value.isdigit()


def _require_code(org_code: str) -> None:
    if not is_org_code(org_code):
        raise ValueError("org code must be 12 digits (统计用区划代码)")


def org_prefix(org_code: str) -> str:
    """The prefix that selects a unit and everything under it: trailing ``000`` parts removed.

    ``500151000000`` (district) -> ``500151``; ``500151108000`` (township) -> ``500151108``;
    ``500151108201`` (village) -> the whole code. The county part always stays.
    """
    prefix = org_code
    while len(prefix) > LEVEL_LENGTHS[OrgLevel.DISTRICT] and prefix.endswith(_EMPTY_PART):
        prefix = prefix[:-len(_EMPTY_PART)]
    return prefix


def org_level(org_code: str) -> OrgLevel:
    """District, township or village, read from where the code's zeros begin."""
    _require_code(org_code)
    return _LEVEL_OF_LENGTH[len(org_prefix(org_code))]


def level_prefix(org_code: str, level: OrgLevel) -> str:
    """The part of ``org_code`` naming its unit at ``level`` (a village's township: its first 9 digits)."""
    _require_code(org_code)
    if LEVEL_LENGTHS[level] > len(org_prefix(org_code)):
        raise ValueError(f"{org_code} is a {org_level(org_code)}; it has no {level} below it")
    return org_code[:LEVEL_LENGTHS[level]]


def code_of_prefix(prefix: str) -> str:
    """The org code a prefix stands for, padded with zeros (``500151`` -> ``500151000000``)."""
    return prefix.ljust(ORG_CODE_LENGTH, "0")


def parent_code(org_code: str) -> str | None:
    """The unit directly above: a village's township, a township's district; None above a district."""
    level = org_level(org_code)
    if level is OrgLevel.DISTRICT:
        return None
    above = OrgLevel.TOWNSHIP if level is OrgLevel.VILLAGE else OrgLevel.DISTRICT
    return code_of_prefix(level_prefix(org_code, above))


def escalation_target(org_code: str) -> str | None:
    """Where something overdue at a unit escalates: village -> township -> district; None at the district."""
    return parent_code(org_code)


def covers(org_code: str, other: str) -> bool:
    """Whether ``other`` (a code or a prefix) lies at or under the unit ``org_code``."""
    return other.startswith(org_prefix(org_code))


def is_region(prefix: str) -> bool:
    """Whether ``prefix`` can be a rule set's region: ASCII digits of a level's length, "" for nationwide."""
    return len(prefix) in REGION_LENGTHS and prefix.isascii() and (prefix == "" or prefix.isdigit())
