"""Reading an import file row by row without holding it in memory.

CSV goes through the csv module line by line (UTF-8, with or without BOM, or GB18030 as Excel
writes it on Chinese Windows); XLSX through openpyxl in read-only mode, which streams the sheet.
Each data row comes out as ``(row_number, {field: text})`` with the row number a person sees in
a spreadsheet (the header is row 1 when it is the first line).

A file is untrusted input whose size says little about the work it causes: a workbook of a few
kilobytes may declare a sheet of a million rows by 16,384 columns, and a few megabytes of zip may
unpack to gigabytes. So the reader checks what a workbook declares (the sizes of its zip entries,
their packing ratios, the sheet's dimension) before openpyxl opens it, reads only the cells the
sheet holds (openpyxl pads each row to the declared dimension unless told otherwise), and bounds
rows, columns and cell lengths as it goes (:class:`ImportLimits`). Reading is blocking work: the
callers run it in a worker thread, never on the event loop.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from services.intake.imports.columns import map_headers, missing_columns, printable

XLSX_MAGIC = b"PK\x03\x04"
_SAMPLE_BYTES = 64 * 1024


# A part of a workbook smaller than this is not held to the packing ratio (small XML packs well).
_RATIO_FLOOR_BYTES = 1024 * 1024
# Title rows above the header that a sheet's declared dimension may hold beside the data rows.
_TITLE_ROWS = 10


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, headers, limits)."""


@dataclass(frozen=True)
class ImportLimits:
    """How much a file may make the server read (``FANGFAN_INTAKE_IMPORT_MAX_*``)."""

    max_rows: int = 100_000
    max_columns: int = 100
    max_cell_chars: int = 1_000
    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: int = 200

    @classmethod
    def of(cls, settings) -> ImportLimits:
        """The limits an :class:`~services.intake.settings.IntakeSettings` sets."""
        return cls(max_rows=settings.import_max_rows, max_columns=settings.import_max_columns,
                   max_cell_chars=settings.import_max_cell_chars,
                   max_unpacked_bytes=settings.import_max_unpacked_bytes,
                   max_compression_ratio=settings.import_max_compression_ratio)


def _over(what: str, limit: int, setting: str) -> ImportFileError:
    return ImportFileError(f"{what}: the limit is {limit} (FANGFAN_INTAKE_IMPORT_{setting})")


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

    def __init__(self, path: Path, file_format: str, limits: ImportLimits | None = None) -> None:
        self.path = path
        self.format = file_format
        self.limits = limits or ImportLimits()
        self.ignored_columns: list[str] = []

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        raw = self._csv_rows() if self.format == "csv" else self._xlsx_rows()
        positions: dict[int, str] | None = None
        data_rows = 0
        for row_number, cells in raw:
            if not any(cells) and cells.count(None) + cells.count("") == len(cells):
                continue  # a missing row of a sheet (no cells), told cheaply from a row of zeros
            texts = self._bounded_texts(row_number, cells)
            if not any(texts):
                continue
            if positions is None:
                try:
                    positions, ignored = map_headers(texts, row=row_number)
                except ValueError as exc:
                    raise ImportFileError(str(exc)) from None
                self.ignored_columns = [printable(header) for header in ignored]
                missing = missing_columns(set(positions.values()))
                if missing:
                    raise ImportFileError(f"row {row_number}: missing column(s) {'; '.join(missing)}")
                continue
            data_rows += 1
            if data_rows > self.limits.max_rows:
                raise _over(f"the file has more than {self.limits.max_rows} data rows", self.limits.max_rows,
                            "MAX_ROWS")
            yield row_number, {field: texts[i] for i, field in positions.items() if i < len(texts)}
        if positions is None:
            raise ImportFileError("the file has no header row")

    def check_header(self) -> None:
        """Read up to the first data row: a file without the needed columns is refused before it is queued."""
        rows = self.rows()
        try:
            next(rows, None)
        finally:
            rows.close()

    def check_file(self) -> int:
        """Read the whole file against the limits without keeping any of it; the number of data rows."""
        return sum(1 for _ in self.rows())

    def _bounded_texts(self, row_number: int, cells: list) -> list[str]:
        limits = self.limits
        texts = [_text(cell) for cell in cells[:limits.max_columns]]
        if any(_text(cell) for cell in cells[limits.max_columns:]):
            raise _over(f"row {row_number} has a cell beyond column {limits.max_columns}", limits.max_columns,
                        "MAX_COLUMNS")
        for column, text in enumerate(texts, start=1):
            if len(text) > limits.max_cell_chars:
                raise _over(f"row {row_number}, column {column}: a cell of {len(text)} characters",
                            limits.max_cell_chars, "MAX_CELL_CHARS")
        return texts

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        try:
            with self.path.open(encoding=_csv_encoding(self.path), newline="") as handle:
                yield from enumerate(csv.reader(self._bounded_lines(handle)), start=1)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError(f"the CSV file cannot be read: {exc.__class__.__name__}") from None

    def _bounded_lines(self, lines: Iterable[str]) -> Iterator[str]:
        # A line of a million commas would be a million cells before any cell is looked at.
        longest = self.limits.max_columns * (self.limits.max_cell_chars + 3)
        for number, line in enumerate(lines, start=1):
            if len(line) > longest:
                raise _over(f"line {number} has more than {longest} characters (columns times cell length)",
                            self.limits.max_columns, "MAX_COLUMNS")
            yield line

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        from openpyxl import load_workbook

        check_workbook_archive(self.path, self.limits)
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the client's file problem
            raise ImportFileError(f"the XLSX workbook cannot be read: {exc.__class__.__name__}") from None
        try:
            sheet = workbook.active
            self._check_declared_dimension(sheet)
            # Read only the cells the sheet holds: with its dimension declared, read-only openpyxl
            # pads every row, present or missing, to the declared width. One column past the limit
            # is read so that a row reaching beyond it is refused rather than cut.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(max_col=self.limits.max_columns + 1, values_only=True)
            yield from enumerate(rows, start=1)
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - a corrupt part (bad XML, a CRC mismatch) is the file's problem
            raise ImportFileError(f"the XLSX workbook cannot be read: {exc.__class__.__name__}") from None
        finally:
            workbook.close()

    def _check_declared_dimension(self, sheet) -> None:
        limits = self.limits
        if sheet.max_row is not None and sheet.max_row > limits.max_rows + _TITLE_ROWS:
            raise _over(f"the sheet declares {sheet.max_row} rows (its dimension {sheet.calculate_dimension()})",
                        limits.max_rows, "MAX_ROWS")
        if sheet.max_column is not None and sheet.max_column > limits.max_columns:
            raise _over(f"the sheet declares {sheet.max_column} columns (its dimension "
                        f"{sheet.calculate_dimension()})", limits.max_columns, "MAX_COLUMNS")


def check_workbook_archive(path: Path, limits: ImportLimits) -> None:
    """Refuse a workbook whose zip entries declare more than the limits, before anything is unpacked.

    The declared sizes bind: Python's zipfile never returns more than an entry's declared size and
    fails the entry whose content does not match it, so what openpyxl can unpack is bounded here.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ImportFileError(f"the XLSX workbook cannot be read: {exc.__class__.__name__}") from None
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > limits.max_unpacked_bytes:
            raise _over(f"the workbook unpacks to more than {limits.max_unpacked_bytes} bytes",
                        limits.max_unpacked_bytes, "MAX_UNPACKED_BYTES")
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise _over(f"the workbook part {printable(entry.filename)!r} unpacks {ratio:.0f} times its packed size",
                        limits.max_compression_ratio, "MAX_COMPRESSION_RATIO")


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
