"""The export job: a workbook of any size written in a worker, kept with the job for its requester."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import date
from pathlib import Path

from services.ledger.campaigns.service import get_campaign
from services.ledger.exports.names import org_names
from services.ledger.exports.schemas import ExportFilters
from services.ledger.exports.service import (
    XLSX,
    count_rows,
    criteria_of,
    requester_of,
    workbook_name,
    write_workbook,
)
from shared.runtime.jobs import JobContext
from shared.runtime.tasks import job


@job("exports.write", tracked=True, unit="rows")
async def write_export(ctx: JobContext, *, kind: str, filters: dict, campaign_id: str, today: str,
                       requester: dict) -> dict:
    """Write the workbook as the requester may see it (their scope), with progress in rows, and keep it."""
    principal = requester_of(requester)
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        # Only reads; a transaction (not a bare session) so that it ends with a commit, never undoing anything.
        async with ctx.db.transaction(principal) as session:
            campaign = await get_campaign(session, campaign_id=uuid.UUID(campaign_id))
            criteria = criteria_of(kind, ExportFilters.model_validate(filters), campaign_id=campaign.id,
                                   today=date.fromisoformat(today))
            total = await count_rows(session, kind=kind, criteria=criteria)
            await ctx.progress(0, total)
            names = await org_names(session, [principal.org_code])

            async def progress(done: int) -> None:
                await ctx.progress(done, total)

            rows = await write_workbook(session, kind=kind, criteria=criteria, campaign=campaign, names=names,
                                        target=Path(path), progress=progress)
        filename = workbook_name(kind, campaign)
        content = Path(path).read_bytes()
    finally:
        os.unlink(path)
    await ctx.keep_file(filename=filename, media_type=XLSX, content=content)
    return {"kind": kind, "rows": rows, "campaign_id": campaign_id, "filename": filename, "bytes": len(content),
            "file": f"/ledger/jobs/{ctx.job_id}/file"}
