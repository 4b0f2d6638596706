"""The import report, written row by row to a temporary file and streamed back as one JSON document.

The report is JSON only. Its texts come from the file as typed (a name may begin with ``=``), so a
rendering of it as a spreadsheet or CSV must pass every text cell through
:func:`shared.exports.spreadsheet_cell`, as every export does.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from services.intake.imports.schemas import ImportRow, ImportSummary, RowAction

CHUNK_ROWS = 500


class ReportWriter:
    """Rows go to disk as JSON lines, so a 20,000-row report never sits in memory."""

    def __init__(self, *, rejected_only: bool = False) -> None:
        handle, name = tempfile.mkstemp(prefix="fangfan-import-report-", suffix=".jsonl")
        self.path = Path(name)
        self._file = os.fdopen(handle, "w", encoding="utf-8")
        self.rejected_only = rejected_only

    def write(self, row: ImportRow) -> None:
        if self.rejected_only and row.action not in (RowAction.REJECTED, RowAction.NOT_APPLIED):
            return
        self._file.write(row.model_dump_json() + "\n")

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def stream(self, summary: ImportSummary) -> Iterator[bytes]:
        """``{"summary": …, "rows": […]}`` in chunks; the file is removed when the stream ends."""
        self.close()
        try:
            yield b'{"summary":' + summary.model_dump_json().encode() + b',"rows":['
            with self.path.open(encoding="utf-8") as handle:
                first = True
                chunk: list[str] = []
                for line in handle:
                    chunk.append(line.rstrip("\n") if first else "," + line.rstrip("\n"))
                    first = False
                    if len(chunk) >= CHUNK_ROWS:
                        yield "".join(chunk).encode()
                        chunk = []
                if chunk:
                    yield "".join(chunk).encode()
            yield b"]}"
        finally:
            self.path.unlink(missing_ok=True)

    def read(self, summary: ImportSummary) -> dict:
        """The whole report as a dict (tests and small imports)."""
        return json.loads(b"".join(self.stream(summary)))
