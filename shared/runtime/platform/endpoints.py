"""Endpoints every service has: health, readiness, metrics, its events' AsyncAPI document, audit log, failed
events, bus probes, jobs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from shared.data.pagination import PageParams
from shared.data.platform_tables import (
    AuditEntry,
    FailedEvent,
    JobOutput,
    JobRecord,
    JobState,
    ProbeReceipt,
)
from shared.domain.idnumber import mask_sensitive_values
from shared.errors import Conflict, Forbidden, NotFound, error_responses
from shared.events.asyncapi import asyncapi_document
from shared.events.consumer import Outcome
from shared.events.contracts.platform import BusProbe
from shared.events.outbox import publish
from shared.runtime.dependencies import (
    AnyRole,
    AuditReader,
    DistrictAdmin,
    Runtime,
    Session,
    Writer,
)
from shared.runtime.metrics import REDIS_UP, metrics_response
from shared.runtime.platform.schemas import JobRead
from shared.runtime.service_runtime import ServiceRuntime

router = APIRouter(tags=["platform"])

REDIS_PING_TIMEOUT_SECONDS = 2.0
# The media types of the files jobs keep: the exports' workbooks, and any other download.
JOB_FILE_MEDIA_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream")


async def check_redis(runtime: ServiceRuntime) -> str | None:
    """Ping the event transport's Redis and record the answer in the gauge; None without Redis."""
    ping = getattr(runtime.transport, "ping", None)
    if ping is None:
        return None
    try:
        await asyncio.wait_for(ping(), REDIS_PING_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - a detail to report, never a reason to fail the request
        REDIS_UP.labels(runtime.name).set(0)
        return f"error: {type(exc).__name__}"
    REDIS_UP.labels(runtime.name).set(1)
    return "ok"


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "3f0c2b7e-8a51-4d6e-9c1f-2a7b5e0d9c44", "at": "2026-03-12T09:30:00+08:00",
                      "actor_id": "u-500151108201-017", "actor_name": "王春梅", "actor_role": "village_cadre",
                      "request_id": "c7d1e2f3a4b5", "action": "update", "entity": "household",
                      "entity_id": "9b2d4c6e-1f3a-4b5c-8d7e-0a1b2c3d4e5f", "org_code": "500151108201",
                      "changes": {"phone": ["138****1024", "139****2048"]}}]})

    id: uuid.UUID
    at: datetime
    actor_id: str
    actor_name: str
    actor_role: str | None
    request_id: str | None
    action: str
    entity: str
    entity_id: str
    org_code: str
    changes: dict


class FailedEventRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "5d8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "event_id": "0f1e2d3c-4b5a-4968-8776-655443322110",
                      "event_type": "intake.household.updated", "consumer": "income.reassess_on_household_change",
                      "error": "IntegrityError: duplicate key value", "attempts": 5,
                      "failed_at": "2026-03-12T10:02:11+08:00", "replayed_at": None}]})

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    consumer: str
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None


class ReplayResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "5d8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "outcome": "handled"}]})

    id: uuid.UUID
    outcome: Outcome


class ProbeSent(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"event_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "origin": "intake"}]})

    event_id: uuid.UUID
    origin: str


class ProbeReceiptRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"event_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "origin": "intake", "received_by": "ledger",
                      "received_at": "2026-03-12T10:05:00+08:00"}]})

    event_id: uuid.UUID
    origin: str
    received_by: str
    received_at: datetime


@router.get("/healthz", summary="Liveness: the process answers",
            responses={200: {"content": {"application/json": {"example": {"status": "ok", "service": "intake"}}}}})
async def healthz(runtime: Runtime) -> dict[str, str]:
    return {"status": "ok", "service": runtime.name}


@router.get("/readyz", summary="Readiness: the database answers (Redis is reported, it does not decide)",
            responses=error_responses(503))
async def readyz(runtime: Runtime) -> Response:
    """503 when the database does not answer. `checks.redis` shows the event transport's Redis; while it
    is down, writes still succeed and their events wait in the outbox, so it does not decide readiness
    (watch `fangfan_redis_up` in /metrics instead)."""
    # A gateway honouring readiness would otherwise take the API down for an outage it survives.
    checks: dict[str, str] = {}
    try:
        await runtime.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    redis = await check_redis(runtime)
    if redis is not None:
        checks["redis"] = redis
    ready = checks["database"] == "ok"
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(runtime: Runtime) -> Response:
    await check_redis(runtime)  # a scrape sees Redis as it is now, whether or not anyone asked /readyz
    return metrics_response()


@router.get("/asyncapi.json", summary="The events this service publishes and consumes, as an AsyncAPI 3.0 document")
async def asyncapi(runtime: Runtime) -> JSONResponse:
    # Public like /docs and /openapi.json: it describes shapes, with made-up examples, and holds no data.
    return JSONResponse(asyncapi_document(runtime.name, runtime.definition.title))


@router.get("/audit", summary="The audit log of this service (district admins and auditors)",
            responses=error_responses(401, 403))
async def list_audit_entries(
    session: Session,
    _: AuditReader,
    page: PageParams,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: str | None = None,
) -> list[AuditEntryRead]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc()).limit(page.limit).offset(page.offset)
    for column, value in ((AuditEntry.entity, entity), (AuditEntry.entity_id, entity_id),
                          (AuditEntry.actor_id, actor_id)):
        if value is not None:
            query = query.where(column == value)
    rows = (await session.execute(query)).scalars().all()
    # Entries written before free text was masked on receipt are masked on the way out.
    return [AuditEntryRead.model_validate(row, from_attributes=True).model_copy(
        update={"changes": mask_sensitive_values(row.changes)}) for row in rows]


@router.get("/events/failed", summary="Events of your scope this service failed to handle and has not replayed",
            responses=error_responses(401, 403))
async def list_failed_events(session: Session, _: AuditReader) -> list[FailedEventRead]:
    # Held to the caller's scope by the event's org code, like every org-scoped row.
    query = select(FailedEvent).where(FailedEvent.replayed_at.is_(None)).order_by(FailedEvent.failed_at)
    rows = (await session.execute(query)).scalars().all()
    return [FailedEventRead.model_validate(row, from_attributes=True) for row in rows]


@router.post("/events/failed/{failure_id}/replay", summary="Run a failed event's handler again (an event of your scope)",
             responses=error_responses(401, 403, 404))
async def replay_failed_event(failure_id: uuid.UUID, runtime: Runtime, session: Session,
                              _: DistrictAdmin) -> ReplayResult:
    # The consumer replays as the system; whether the caller may ask is read through the caller's scope.
    visible = await session.scalar(select(FailedEvent.id).where(FailedEvent.id == failure_id))
    if visible is None:
        raise NotFound(f"no failed event {failure_id} in your scope")
    try:
        outcome = await runtime.consumer.replay(failure_id)
    except LookupError as exc:
        raise NotFound(str(exc)) from exc
    return ReplayResult(id=failure_id, outcome=outcome)


@router.post("/events/probe", status_code=202, summary="Send a probe event through the bus to every service",
             responses=error_responses(401, 403))
async def send_probe(session: Session, principal: DistrictAdmin, runtime: Runtime,
                     note: str | None = None) -> ProbeSent:
    envelope = await publish(session, BusProbe(origin=runtime.name, note=note), org_code=principal.org_code,
                             source=runtime.name)
    return ProbeSent(event_id=envelope.id, origin=runtime.name)


@router.get("/events/probes/{event_id}", summary="Whether this service received a probe",
            responses=error_responses(401, 404))
async def probe_receipt(event_id: uuid.UUID, session: Session, _: AnyRole) -> list[ProbeReceiptRead]:
    rows = (await session.execute(select(ProbeReceipt).where(ProbeReceipt.event_id == event_id))).scalars().all()
    return [ProbeReceiptRead.model_validate(row, from_attributes=True) for row in rows]


@router.get("/jobs", summary="Tracked jobs in your scope, newest first", responses=error_responses(401, 422))
async def list_jobs(session: Session, _: AnyRole, page: PageParams, name: str | None = None,
                    state: str | None = None) -> list[JobRead]:
    query = select(JobRecord).order_by(JobRecord.created_at.desc()).limit(page.limit).offset(page.offset)
    if name is not None:
        query = query.where(JobRecord.name == name)
    if state is not None:
        query = query.where(JobRecord.state == state)
    return [JobRead.of(row) for row in (await session.execute(query)).scalars().all()]


@router.get("/jobs/{job_id}", summary="One job: state, progress, timings and, at the end, its report",
            responses=error_responses(401, 404))
async def get_job(job_id: uuid.UUID, session: Session, _: AnyRole) -> JobRead:
    return JobRead.of(await _job_in_scope(session, job_id))


@router.get("/jobs/{job_id}/file", summary="The file a finished job made (an export's workbook), for whoever submitted it",
            description=("Only the user who submitted the job downloads it (403 for anyone else in scope); 409 "
                         "while the job has not succeeded; 404 for a job that makes no file."),
            response_class=Response,
            responses={200: {"content": {JOB_FILE_MEDIA_TYPES[0]: {}, JOB_FILE_MEDIA_TYPES[1]: {}},
                             "description": "the file, in the media type its job made (an export's workbook) "
                                            "and with its name"}}
            | error_responses(401, 403, 404, 409))
async def job_file(job_id: uuid.UUID, session: Session, principal: AnyRole) -> Response:
    record = await _job_in_scope(session, job_id)
    if record.created_by != principal.user_id:
        raise Forbidden(f"job {job_id} was submitted by someone else; only they download its file")
    if record.state != JobState.SUCCEEDED:
        raise Conflict(f"job {job_id} is {record.state}; its file is ready once it has succeeded")
    output = await session.get(JobOutput, job_id)
    if output is None:
        raise NotFound(f"job {job_id} made no file")
    return Response(output.content, media_type=output.media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(output.filename)}"})


@router.delete("/jobs/{job_id}", summary="Cancel a queued job, or stop a running one at its next safe point",
               responses=error_responses(401, 403, 404, 409))
async def cancel_job(job_id: uuid.UUID, session: Session, _: Writer, runtime: Runtime) -> JobRead:
    record = await _job_in_scope(session, job_id)
    if record.state in JobState.FINISHED:
        raise Conflict(f"job {job_id} has already finished ({record.state}); nothing to cancel")
    return JobRead.of(await runtime.jobs.cancel(session, record))


async def _job_in_scope(session, job_id: uuid.UUID) -> JobRecord:
    record = (await session.execute(select(JobRecord).where(JobRecord.id == job_id))).scalar_one_or_none()
    if record is None:
        raise NotFound(f"job {job_id} not found")
    return record
