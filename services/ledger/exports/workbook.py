"""A one-sheet XLSX workbook written row after row: whole numbers and text, nothing else.

The ledgers need no formulas, styles or shared strings, and every general-purpose writer measured
spends most of an export building each cell in Python (``bench/ledger_export.py``: xlsxwriter's
constant-memory mode took 4 to 14 times as long as CSV of the same rows). This writer turns a row
into its XML with one template per cell and writes it to a temporary file, so memory stays flat
however long the sheet; :meth:`SheetWriter.close` then puts the package together (the sheet's
dimension is known only then) with fast deflate.

What it writes is plain SpreadsheetML (ECMA-376): inline strings (``t="inlineStr"``, whitespace
kept), whole numbers as numbers, empty cells (``None`` or ``""``) left out, as xlsxwriter writes
them. Text is escaped for XML, and the characters XML forbids are written as ``_xHHHH_`` escapes, as
Excel and xlsxwriter write them (a test holds openpyxl's reading of both writers' files equal). Nothing here neutralises formulas: a caller passes text
through ``shared.exports.spreadsheet_cell`` first (text never becomes a formula here anyway).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

# What needs work before it can sit in XML text: markup, the characters XML forbids, and text that already
# reads as an escape (``_x0041_``), whose underscore is escaped so it reads back literally, as Excel does.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# Level 1 deflate: about half the time of the default for a file about a fifth larger.
COMPRESS_LEVEL = 1
MAX_COLUMNS = 16384
# Cells gathered before they go to the temporary file: a few hundred rows, so memory does not follow a partition.
FLUSH_PARTS = 4096

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<dimension ref="{dimension}"/><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


def column_name(index: int) -> str:
    """The letters of a 0-based column: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def xml_text(value: str) -> str:
    """``value`` fit for an XML text node: markup escaped, forbidden characters as ``_xHHHH_`` (and a literal
    ``_xHHHH_`` as ``_x005F_xHHHH_``), as Excel and xlsxwriter write them."""
    if _SPECIAL.search(value) is None:
        return value
    value = _LITERAL_ESCAPE.sub(r"_x005F\1", value)
    return escape(_FORBIDDEN.sub(lambda match: f"_x{ord(match.group()):04X}_", value))


class SheetWriter:
    """One worksheet named ``sheet_name`` of at most ``columns`` columns, written into ``target`` at :meth:`close`."""

    def __init__(self, target: Path, sheet_name: str, *, columns: int) -> None:
        if not 0 < columns <= MAX_COLUMNS:
            raise ValueError(f"a sheet has 1 to {MAX_COLUMNS} columns, not {columns}")
        self.target, self.sheet_name, self.columns = target, sheet_name, columns
        self.rows = 0
        self._letters = [column_name(i) for i in range(columns)]
        self._body = tempfile.TemporaryFile()  # the rows' XML as UTF-8, copied into the package at close

    def append_rows(self, rows: Iterable[Sequence[object]]) -> None:
        """Write each row after the last: ``int`` as a number, ``str`` as text, ``None`` and ``""`` as empty."""
        letters, width = self._letters, self.columns
        parts: list[str] = []
        number = self.rows
        for values in rows:
            number += 1
            if len(values) > width:
                raise ValueError(f"row {number} has {len(values)} cells; the sheet has {width} columns")
            parts.append(f'<row r="{number}">')
            for letter, value in zip(letters, values):
                if value is None or value == "":
                    continue
                if value.__class__ is str:
                    if _SPECIAL.search(value) is not None:
                        value = xml_text(value)
                    parts.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
                elif isinstance(value, int) and not isinstance(value, bool):
                    parts.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                else:
                    raise TypeError(f"row {number}, column {letter}: {type(value).__name__} is "
                                    "neither text nor a whole number")
            parts.append("</row>")
            if len(parts) >= FLUSH_PARTS:
                self._body.write("".join(parts).encode())
                parts.clear()
        self._body.write("".join(parts).encode())
        self.rows = number

    def close(self) -> None:
        """Put the package together in ``target`` and drop the temporary rows."""
        dimension = f"A1:{column_name(self.columns - 1)}{max(self.rows, 1)}"
        workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    f'<sheets><sheet name={quoteattr(self.sheet_name)} sheetId="1" r:id="rId1"/></sheets></workbook>')
        try:
            with zipfile.ZipFile(self.target, "w", compression=zipfile.ZIP_DEFLATED,
                                 compresslevel=COMPRESS_LEVEL) as package:
                package.writestr("[Content_Types].xml", _CONTENT_TYPES)
                package.writestr("_rels/.rels", _ROOT_RELS)
                package.writestr("xl/workbook.xml", workbook)
                package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
                package.writestr("xl/styles.xml", _STYLES)
                with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                    sheet.write(_SHEET_START.format(dimension=dimension).encode())
                    self._body.seek(0)
                    shutil.copyfileobj(self._body, sheet, 1 << 16)
                    sheet.write(_SHEET_END.encode())
        finally:
            self._body.close()

    def discard(self) -> None:
        """Drop the temporary rows without writing a package (an export that failed part-way)."""
        self._body.close()

