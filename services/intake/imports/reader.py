"""Reading an import file row by row without holding it in memory.

CSV goes through the csv module line by line (UTF-8, with or without BOM, or GB18030 as Excel
writes it on Chinese Windows); XLSX through openpyxl in read-only mode, which streams the sheet.
Each data row comes out as ``(row_number, {field: text})`` with the row number a person sees in
a spreadsheet (the header is row 1 when it is the first line).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from services.intake.imports.columns import map_headers, missing_columns

XLSX_MAGIC = b"PK\x03\x04"
_SAMPLE_BYTES = 64 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, headers)."""


def detect_format(path: Path, filename: str | None) -> str:
    """``xlsx`` or ``csv``: by the zip signature, as a file's name may lie."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == XLSX_MAGIC:
        return "xlsx"
    if (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("the file is named .xlsx but is not an XLSX workbook")
    if (filename or "").lower().endswith(".xls"):
        raise ImportFileError("old .xls workbooks are not supported; save the sheet as .xlsx or .csv")
    return "csv"


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut inside a multi-byte character fails only at its very end.
        if exc.start < len(sample) - 3:
            return "gb18030"
    return "utf-8-sig"


class ImportReader:
    """The rows of one import file; ``ignored_columns`` is known once iteration has started."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.format = file_format
        self.ignored_columns: list[str] = []

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        raw = self._csv_rows() if self.format == "csv" else self._xlsx_rows()
        positions: dict[int, str] | None = None
        for row_number, cells in raw:
            if not any(_text(cell) for cell in cells):
                continue
            if positions is None:
                positions, self.ignored_columns = map_headers(list(cells))
                missing = missing_columns(set(positions.values()))
                if missing:
                    raise ImportFileError(f"row {row_number}: missing column(s) {'; '.join(missing)}")
                continue
            yield row_number, {field: _text(cells[i]) for i, field in positions.items() if i < len(cells)}
        if positions is None:
            raise ImportFileError("the file has no header row")

    def check_header(self) -> None:
        """Read up to the first data row: a file without the needed columns is refused before it is queued."""
        rows = self.rows()
        try:
            next(rows, None)
        finally:
            rows.close()

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        try:
            with self.path.open(encoding=_csv_encoding(self.path), newline="") as handle:
                yield from enumerate(csv.reader(handle), start=1)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError(f"the CSV file cannot be read: {exc.__class__.__name__}") from None

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the client's file problem
            raise ImportFileError(f"the XLSX workbook cannot be read: {exc.__class__.__name__}") from None
        try:
            yield from enumerate(workbook.active.iter_rows(values_only=True), start=1)
        finally:
            workbook.close()


def _text(cell: object) -> str:
    """A cell as text: whole numbers without ``.0`` (Excel stores codes typed without quotes as numbers)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (datetime, date)):
        return cell.isoformat()
    return str(cell).strip()
