"""Exported cells never run as formulas when a spreadsheet program opens the file (CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from shared.exports import spreadsheet_cell, spreadsheet_row

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "  =HYPERLINK(\"x\")",
           "＝1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_leading_text_is_kept_as_text_with_a_leading_quote(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["张德明", "1社", "500151108201", "a=b", "备注：-3 亩", "", None, 8300, -5,
                                   Decimal("-12.50"), date(2024, 9, 1)])
def test_other_values_pass_unchanged(value):
    assert spreadsheet_cell(value) == value


def test_an_xlsx_written_from_neutralised_cells_holds_no_formula():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(spreadsheet_row([*HOSTILE, -5]))
    sheet.append(HOSTILE)  # the same text unneutralised: openpyxl writes the "=" ones as formulas
    buffer = io.BytesIO()
    workbook.save(buffer)
    reread = load_workbook(io.BytesIO(buffer.getvalue()))
    safe, unsafe = list(reread.active.iter_rows(min_row=1, max_row=2))
    assert [cell.data_type for cell in safe] == ["s"] * len(HOSTILE) + ["n"]
    assert "f" in [cell.data_type for cell in unsafe]


def test_a_csv_written_from_neutralised_cells_starts_no_cell_with_a_formula_character():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(spreadsheet_row(HOSTILE))
    cells = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert all(cell.startswith("'") for cell in cells)
