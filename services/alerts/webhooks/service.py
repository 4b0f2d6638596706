"""Receiving department warnings: verify, refuse replays, store good rows, answer fast.

The webhook request is its own boundary (a department has no bearer token): a refused request is
recorded in a transaction of its own and changes nothing else; an accepted one stores the message id
(replay protection), the good rows and their ``warning.received`` events in one transaction. Matching
and checks happen in the worker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.alerts.departments.models import Department
from services.alerts.departments.repository import DepartmentRepository
from services.alerts.departments.service import signing_secrets
from services.alerts.settings import AlertsSettings
from services.alerts.warnings.schemas import (
    RowError,
    StoredRow,
    WarningIn,
    WebhookReceipt,
)
from services.alerts.warnings.service import store_rows
from services.alerts.webhooks.models import WebhookMessage, WebhookRefusal
from services.alerts.webhooks.schemas import RefusalRead
from services.alerts.webhooks.signatures import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureRefused,
    message_time,
    verify,
)
from shared.data.database import Database
from shared.domain.clock import clock
from shared.domain.idnumber import InvalidIdNumber, parse_id_number
from shared.domain.org_codes import covers
from shared.errors import InvalidInput, NotAuthenticated
from shared.errors import field_path as error_field_path
from shared.security.auth import system_principal
from shared.security.crypto import FieldCipher

log = structlog.get_logger(__name__)

NO_UNIT = "000000000000"
_ROW = TypeAdapter(WarningIn)


async def _refuse(db: Database, *, reason: str, department: Department | None, department_code: str | None,
                  message_id: str | None) -> NotAuthenticated:
    async with db.transaction(system_principal("alerts.webhook")) as session:
        session.add(WebhookRefusal(department_code=(department_code or "")[:40] or None,
                                   message_id=(message_id or "")[:200] or None, reason=reason[:300],
                                   org_code=department.org_code if department is not None else NO_UNIT))
    log.warning("webhook_refused", department=department_code, reason=reason)
    return NotAuthenticated(f"webhook refused: {reason}")


def _rows(body: str) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("body", "the body is not JSON") from None
    if isinstance(data, dict) and "warnings" in data:
        data = data["warnings"]
    rows = data if isinstance(data, list) else [data]
    if not rows:
        raise InvalidInput("body", "the message holds no warning")
    return rows


def _check_rows(rows: list[Any], department: Department) -> tuple[list[tuple[int, WarningIn, str]], list[RowError]]:
    good, bad = [], []
    for index, raw in enumerate(rows):
        try:
            row = _ROW.validate_python(raw)
        except ValidationError as exc:
            bad += [RowError(index=index, field=error_field_path(e["loc"]) or "row", message=e["msg"])
                    for e in exc.errors()]
            continue
        try:
            number = parse_id_number(row.id_number).number
        except InvalidIdNumber as exc:
            bad.append(RowError(index=index, field="id_number", message=str(exc)))
            continue
        if row.org_code is not None and not covers(department.org_code, row.org_code):
            bad.append(RowError(index=index, field="org_code",
                                message=f"lies outside the department's unit {department.org_code}"))
            continue
        good.append((index, row, number))
    return good, bad


async def receive(db: Database, *, department_code: str, raw_body: bytes, headers: Mapping[str, str],
                  cipher: FieldCipher, settings: AlertsSettings) -> WebhookReceipt:
    """Verify a department's message and store its warnings; ``NotAuthenticated`` (401) says why not.

    One transaction reads the department and checks the message, then stores it (one connection and
    one commit a message); a refusal stores nothing there and is recorded in a transaction of its own.
    """
    message_id = headers.get(HEADER_ID)
    refuse: dict[str, Any] = {"department": None, "department_code": department_code, "message_id": message_id}
    reason: str | None = None
    try:
        async with db.transaction(system_principal("alerts.webhook")) as session:
            department = refuse["department"] = await DepartmentRepository(session).by_code(department_code)
            reason = await _refusal(session, department, message_id, raw_body, headers, cipher, settings)
            if reason is None:
                rows = _rows(raw_body.decode("utf-8"))
                if len(rows) > settings.webhook_max_batch:
                    raise InvalidInput("body", f"at most {settings.webhook_max_batch} warnings a message")
                good, bad = _check_rows(rows, department)
                results = await store_rows(session, department=department, message_id=message_id, rows=good,
                                           cipher=cipher)
                stored = sum(1 for *_, warning_id in results if warning_id is not None)
                # Written once with its counts; its primary key still refuses a replay committed meanwhile,
                # and the warnings of this transaction go with it.
                session.add(WebhookMessage(department_id=department.id, message_id=message_id,
                                           org_code=department.org_code, stored=stored,
                                           duplicates=len(results) - stored, rejected=len(rows) - len(good)))
                await session.flush()
    except IntegrityError:
        # The same message id committed meanwhile by a concurrent request: that one counts, this is a replay.
        raise await _refuse(db, reason="webhook-id was already received (replay)", **refuse) from None
    if reason is not None:
        raise await _refuse(db, reason=reason, **refuse)
    return WebhookReceipt(
        message_id=message_id, stored=stored, duplicates=len(results) - stored, rejected=bad,
        rows=[StoredRow(index=i, id=ext, warning_id=w, duplicate=w is None) for i, ext, w in results])


async def _refusal(session, department: Department | None, message_id: str | None, raw_body: bytes,
                   headers: Mapping[str, str], cipher: FieldCipher, settings: AlertsSettings) -> str | None:
    """Why the message is refused (401), or None: unknown department, bad id, signature, time, replay."""
    if department is None:
        return "unknown department"
    if not message_id or len(message_id) > 200:
        return "webhook-id is missing or longer than 200 characters"
    try:
        body = raw_body.decode("utf-8")
        moment = message_time(headers.get(HEADER_TIMESTAMP), now=clock.now(),
                              tolerance_seconds=settings.webhook_tolerance_seconds)
        verify(await signing_secrets(session, department, cipher, clock.now()), message_id=message_id,
               moment=moment, signature_header=headers.get(HEADER_SIGNATURE), body=body)
    except SignatureRefused as exc:
        return str(exc)
    except UnicodeDecodeError:
        return "body is not UTF-8"
    replayed = (await session.execute(
        select(WebhookMessage.message_id).where(WebhookMessage.department_id == department.id,
                                                WebhookMessage.message_id == message_id))).first()
    return "webhook-id was already received (replay)" if replayed else None


async def list_refusals(session, *, limit: int, offset: int) -> list[RefusalRead]:
    rows = await session.scalars(select(WebhookRefusal).order_by(WebhookRefusal.received_at.desc())
                                 .limit(limit).offset(offset))
    return [RefusalRead.model_validate(r, from_attributes=True) for r in rows]
