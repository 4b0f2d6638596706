"""Cells of the spreadsheets and CSV files the services hand out (导出).

Text in the register comes from people and from township files, and a spreadsheet program runs a
cell that begins like a formula (``=cmd|' /C calc'!A0``, ``+SUM(A1:A9)``, ``-2+3``, ``@SUM(…)``) as
one when the export is opened: CSV injection. Every text cell of every export therefore goes
through :func:`spreadsheet_cell`, which keeps such text as text by putting a single quote before
it, as the OWASP guidance on CSV injection advises. The stored data stays as it was typed; only
what leaves as a spreadsheet is neutralised.
"""

from __future__ import annotations

# Characters that start a formula in Excel, WPS or LibreOffice, or let one start after them.
FORMULA_STARTS = frozenset("=+-@\t\r\n")
# Their full-width forms, which a Chinese input method types and some spreadsheet programs read alike.
_FULL_WIDTH_STARTS = frozenset("＝＋－＠")


def spreadsheet_cell(value: object) -> object:
    """A value fit for a spreadsheet or CSV cell: text that a program would run as a formula gets a leading ``'``.

    Numbers, dates and ``None`` pass unchanged (a number is a number, never a formula); any other
    text passes unchanged too.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" ")[:1]
    if value[0] in FORMULA_STARTS or first in FORMULA_STARTS or first in _FULL_WIDTH_STARTS:
        return "'" + value
    return value


def spreadsheet_row(values: list[object]) -> list[object]:
    """Every cell of one exported row through :func:`spreadsheet_cell`."""
    return [spreadsheet_cell(value) for value in values]
