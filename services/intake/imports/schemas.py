"""API models of a bulk import's report."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


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
    errors: list[str] = []


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

    summary: ImportSummary
    rows: list[ImportRow]
