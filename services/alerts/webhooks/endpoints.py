"""The department-warnings webhook (signed, no bearer token) and the record of refused requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from services.alerts.settings import get_alerts_settings
from services.alerts.warnings.schemas import WarningIn, WebhookReceipt
from services.alerts.webhooks import service
from services.alerts.webhooks.schemas import RefusalRead
from shared.data.pagination import PageParams
from shared.errors import InvalidInput, error_responses
from shared.runtime.dependencies import AuditReader, Cipher, Runtime, Session

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

MAX_BODY_BYTES = 5 * 1024 * 1024



def _inline_schema(model) -> dict:
    """The model's schema written in place (the route reads its raw body to check the signature, so FastAPI
    registers no component for it); the enumerations it names are components of their own already."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


_WARNING = _inline_schema(WarningIn)
_BODY_DOC = {
    # Documented in its batch form, the one every client can generate; a single warning object or a bare
    # list of them is accepted as well (the description says so).
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "title": "WarningBatch", "type": "object", "required": ["warnings"],
        "properties": {"warnings": {"type": "array", "minItems": 1, "items": _WARNING}}},
        "example": {"warnings": WarningIn.model_json_schema()["examples"]}}}},
    # A department authenticates by its signature (Standard Webhooks), not by a bearer token.
    "x-roles": ["department"],
    "security": [],
}


@router.post("/department-warnings", status_code=status.HTTP_202_ACCEPTED, openapi_extra=_BODY_DOC,
             responses=error_responses(401, 422),
             summary="A department's warning, or a batch of them, signed by the Standard Webhooks scheme",
             description="Headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 "
                         "HMAC-SHA256 of id.timestamp.body>`) under the department's secret. A bad signature, "
                         "a timestamp more than 5 minutes from the server's time or a message id received before "
                         "is a 401, recorded, with no effect. The body is one warning, a list, or "
                         "`{\"warnings\": [...]}`; good rows are stored, bad ones reported by index and field, a "
                         "department id stored before is accepted and ignored. Matching and checks happen "
                         "afterwards, in the worker.")
async def department_warnings(
    request: Request, runtime: Runtime, cipher: Cipher,
    department: Annotated[str, Query(min_length=1, max_length=40, description="the department's code")],
) -> WebhookReceipt:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput("body", f"a message is at most {MAX_BODY_BYTES} bytes")
    return await service.receive(runtime.db, department_code=department, raw_body=body, headers=request.headers,
                                 cipher=cipher, settings=get_alerts_settings())


@router.get("/refusals", summary="Webhook requests refused with 401 (departments of your scope)")
async def refusals(session: Session, _: AuditReader, page: PageParams) -> list[RefusalRead]:
    return await service.list_refusals(session, limit=page.limit, offset=page.offset)
