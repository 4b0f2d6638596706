"""API models of a bulk import's report."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.errors import FieldError


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    # A real run stopped (cancelled, or the database went away) before the row's household was applied.
    NOT_APPLIED = "not_applied"


class ImportRow(BaseModel):
    """What happened (or, in a dry run, would happen) to one row, and why a rejected row was refused."""

    row: int
    household_number: str | None
    village_code: str | None
    name: str | None
    action: RowAction
    household_action: RowAction | None = None
    errors: list[FieldError] = Field(default=[], description=(
        "why the row was refused: `field` is the column's English name (`id_number`; the header table is in "
        "the README) or `row` for the row as a whole, `type` one of the codes of a 422's `fields`"))

    @field_validator("errors", mode="before")
    @classmethod
    def _as_field_errors(cls, errors: list) -> list:
        return [row_error(error) if isinstance(error, str) else error for error in errors]


# "身份证号码 (id_number): message", "村代码 (village_code) or 村 (village): required", "group_name: message"
_LABELLED = re.compile(r"^[^:()]*\((?P<field>[a-z_]+)\)(?: or [^:()]*\([a-z_]+\))?: (?P<message>.*)$", re.S)
_BARE = re.compile(r"^(?P<field>[a-z_]+): (?P<message>.*)$", re.S)
_KINDS = (("required", "missing"), ("is not one of", "invalid_choice"), ("Field required", "missing"),
          ("should have at", "out_of_range"), ("should be greater", "out_of_range"),
          ("should be less", "out_of_range"), ("Extra inputs", "not_allowed"))


def row_error(text: str) -> FieldError:
    """A row's reason, as the row checks word it, in the shape of a 422's field error."""
    match = _LABELLED.match(text) or _BARE.match(text)
    field, message = (match["field"], match["message"]) if match else ("row", text)
    kind = next((kind for phrase, kind in _KINDS if message.startswith(phrase) or phrase in message[:60]), "rule")
    return FieldError(field=field, type=kind, message=message)


class ImportSummary(BaseModel):
    dry_run: bool
    format: str
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    rejected_rows: int = 0
    # A real run that stopped before the end: why, and how many rows it did not apply (each listed
    # as ``not_applied``). Every other row's action is what was stored.
    stopped: str | None = None
    rows_not_applied: int = 0
    ignored_columns: list[str] = []


class ImportReport(BaseModel):
    """The report of an import: totals first, then the rows (all of them, or only the rejected ones)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"summary": {"dry_run": True,
                                                                   "format": "xlsx",
                                                                   "rows": 3,
                                                                   "households_created": 1,
                                                                   "households_updated": 1,
                                                                   "households_unchanged": 0,
                                                                   "members_created": 3,
                                                                   "members_updated": 1,
                                                                   "members_unchanged": 2,
                                                                   "rejected_rows": 1,
                                                                   "stopped": None,
                                                                   "rows_not_applied": 0,
                                                                   "ignored_columns": ["备注2"]},
                                                       "rows": [{"row": 4,
                                                                 "household_number": "5001511082010037",
                                                                 "village_code": "500151108201",
                                                                 "name": "李建国",
                                                                 "action": "update",
                                                                 "household_action": "update",
                                                                 "errors": []},
                                                                {"row": 5,
                                                                 "household_number": "5001511082010038",
                                                                 "village_code": "500151108201",
                                                                 "name": "周玉兰",
                                                                 "action": "rejected",
                                                                 "household_action": None,
                                                                 "errors": [{"field": "id_number",
                                                                             "type": "rule",
                                                                             "message": "周玉兰: ID number check character should be 6, got 0"}]}]}]})

    summary: ImportSummary
    rows: list[ImportRow]
