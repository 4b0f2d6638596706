"""Endpoints every service has: health, readiness, metrics, its events' AsyncAPI document, audit log, failed
events, bus probes."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from shared.data.pagination import PageParams
from shared.data.platform_tables import AuditEntry, FailedEvent, ProbeReceipt
from shared.errors import NotFound, error_responses
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
)
from shared.runtime.metrics import metrics_response

router = APIRouter(tags=["platform"])


class AuditEntryRead(BaseModel):
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
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    consumer: str
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None


class ReplayResult(BaseModel):
    id: uuid.UUID
    outcome: Outcome


class ProbeSent(BaseModel):
    event_id: uuid.UUID
    origin: str


class ProbeReceiptRead(BaseModel):
    event_id: uuid.UUID
    origin: str
    received_by: str
    received_at: datetime


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz(runtime: Runtime) -> dict[str, str]:
    return {"status": "ok", "service": runtime.name}


@router.get("/readyz", summary="Readiness: the database (and Redis, when configured) answer",
            responses=error_responses(503))
async def readyz(runtime: Runtime) -> Response:
    checks: dict[str, str] = {}
    try:
        await runtime.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    ping = getattr(runtime.transport, "ping", None)
    if ping is not None:
        try:
            await ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
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
    return [AuditEntryRead.model_validate(row, from_attributes=True) for row in rows]


@router.get("/events/failed", summary="Events this service failed to handle and has not replayed",
            responses=error_responses(401, 403))
async def list_failed_events(session: Session, _: AuditReader) -> list[FailedEventRead]:
    query = select(FailedEvent).where(FailedEvent.replayed_at.is_(None)).order_by(FailedEvent.failed_at)
    rows = (await session.execute(query)).scalars().all()
    return [FailedEventRead.model_validate(row, from_attributes=True) for row in rows]


@router.post("/events/failed/{failure_id}/replay", summary="Run a failed event's handler again",
             responses=error_responses(401, 403, 404))
async def replay_failed_event(failure_id: uuid.UUID, runtime: Runtime, _: DistrictAdmin) -> ReplayResult:
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
