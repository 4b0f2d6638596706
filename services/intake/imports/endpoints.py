"""Routes of the bulk import."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse

from services.intake.imports.columns import __doc__ as COLUMNS_DOC
from services.intake.imports.reader import (
    ImportFileError,
    ImportLimits,
    ImportReader,
    detect_format,
)
from services.intake.imports.report import ReportWriter
from services.intake.imports.schemas import ImportReport
from services.intake.imports.service import import_households
from services.intake.settings import Settings, get_intake_settings
from shared.errors import InvalidInput, PayloadTooLarge, error_responses
from shared.runtime.app import body_limit
from shared.runtime.dependencies import Cipher, Runtime, Writer
from shared.runtime.platform.schemas import JobAccepted, accepted

router = APIRouter(tags=["households"])

_COPY_CHUNK = 1024 * 1024
# Room for the multipart framing around the file (boundaries, part headers, the form's other fields).
_FORM_OVERHEAD = 64 * 1024


def _upload_limit() -> int:
    """The request body limit of an import: the file's own limit and its multipart framing."""
    return get_intake_settings().import_max_bytes + _FORM_OVERHEAD


@router.post(
    "/households/import", summary="Import households from a CSV or XLSX register (one row per member)",
    description=("A dry run (`dry_run=true`) checks every row and reports what would be created, updated or "
                 "rejected; a real run applies the valid rows, one transaction per household. A real run, and a "
                 "dry run of a file over 256 KiB, answers `202` with a job to poll (`Location`, "
                 "`GET /intake/jobs/{id}`: progress in rows, and at the end the same report as `report` of "
                 "the job); a small dry run answers `200` with the report at once. `report=rejected` lists "
                 "only the rejected rows.\n\n" + (COLUMNS_DOC or "")),
    response_model=ImportReport,
    responses={202: {"model": JobAccepted, "description": "queued as a job: poll its Location"},
               **error_responses(401, 403, 413, 422)},
)
@body_limit(_upload_limit)
async def import_households_file(
    request: Request,
    file: Annotated[UploadFile, File(description="the register as .csv (UTF-8 or GB18030) or .xlsx")],
    principal: Writer,
    runtime: Runtime,
    settings: Settings,
    cipher: Cipher,
    dry_run: bool = False,
    report: Annotated[str, Query(pattern="^(all|rejected)$")] = "all",
) -> Response:
    path = await _spool(file, settings.import_max_bytes)
    limits = ImportLimits.of(settings)
    if not dry_run or path.stat().st_size > settings.import_sync_dry_run_bytes:
        try:
            file_format = detect_format(path, file.filename)
            # Off the event loop: even the header of a workbook is a zip to inspect and open. What
            # the workbook declares (its unpacked size, its sheet's dimension) is refused here, at
            # once; a small file is read in full against the limits, a larger one by its job.
            reader = ImportReader(path, file_format, limits)
            small = path.stat().st_size <= settings.import_sync_dry_run_bytes
            await asyncio.to_thread(reader.check_file if small else reader.check_header)
            content = path.read_bytes()
        except ImportFileError as exc:
            raise InvalidInput("body.file", str(exc)) from None
        finally:
            path.unlink(missing_ok=True)
        async with runtime.db.transaction(principal, request_id=getattr(request.state, "request_id", None)) as session:
            record = await runtime.jobs.submit(
                session, name="imports.run", org_code=principal.org_code,
                params={"dry_run": dry_run, "rejected_only": report == "rejected", "format": file_format,
                        "requested_by": {**principal.as_actor(), "org_code": principal.org_code}},
                input_file=(file.filename or f"register.{file_format}", content))
        body = accepted(None, runtime, record)
        return JSONResponse(status_code=202, content=body.model_dump(mode="json"), headers={"Location": body.location})
    writer = ReportWriter(rejected_only=report == "rejected")
    try:
        file_format = detect_format(path, file.filename)
        summary = await import_households(runtime.db, principal=principal, path=path, file_format=file_format,
                                          dry_run=dry_run, cipher=cipher, report=writer, limits=limits,
                                          request_id=getattr(request.state, "request_id", None))
    except ImportFileError as exc:
        writer.discard()
        raise InvalidInput("body.file", str(exc)) from None
    except BaseException:
        writer.discard()
        raise
    finally:
        path.unlink(missing_ok=True)
    return StreamingResponse(writer.stream(summary), media_type="application/json")


async def _spool(upload: UploadFile, limit: int) -> Path:
    """Copy the upload to a temporary file of our own, chunk by chunk, refusing more than ``limit`` bytes."""
    handle, name = tempfile.mkstemp(prefix="fangfan-import-", suffix=Path(upload.filename or "").suffix[:8])
    path, size = Path(name), 0
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := await upload.read(_COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the file exceeds the import limit of {limit} bytes")
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        await upload.close()
    if size == 0:
        path.unlink(missing_ok=True)
        raise InvalidInput("body.file", "the file is empty")
    return path
