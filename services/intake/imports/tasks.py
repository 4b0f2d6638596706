"""The bulk import as a tracked job: a district's register takes longer than any request may.

A run that stops before the end (a cancel, a lost database) still leaves its report on the job,
saying which rows were applied and which were not, and the job ends cancelled or failed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from services.intake.imports.reader import ImportLimits
from services.intake.imports.report import ReportWriter
from services.intake.imports.service import ImportStopped, import_households
from services.intake.settings import get_intake_settings
from shared.domain.enums import Role
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import job
from shared.security.auth import Principal
from shared.security.crypto import field_cipher


@job("imports.run", tracked=True, unit="rows")
async def run_import(ctx: JobContext, *, dry_run: bool, rejected_only: bool, format: str,
                     requested_by: dict) -> dict:
    """Import (or check) a stored register household by household; the report is the job's."""
    principal = Principal(user_id=requested_by["id"], name=requested_by["name"], role=Role(requested_by["role"]),
                          org_code=requested_by["org_code"])
    stored = await ctx.input_file()
    handle, name = tempfile.mkstemp(prefix="fangfan-import-", suffix=f".{format}")
    path = Path(name)
    writer = ReportWriter(rejected_only=rejected_only)
    try:
        with os.fdopen(handle, "wb") as target:
            target.write(stored.content)
        summary = await import_households(ctx.db, principal=principal, path=path, file_format=format,
                                          dry_run=dry_run, cipher=field_cipher(ctx.runtime.platform), report=writer,
                                          on_batch=ctx.progress, limits=ImportLimits.of(get_intake_settings()))
        return writer.read(summary)
    except ImportStopped as stopped:
        await ctx.keep_report(writer.read(stopped.summary))
        raise stopped.__cause__ from None
    finally:
        writer.discard()
        path.unlink(missing_ok=True)

