"""A service's events as an AsyncAPI 3.0 document, built from the contract registry and the routing table.

One channel per event type (its address is the type), one message per registered version, an
operation for each type the service publishes (``send``) and each it consumes (``receive``). A
message is the envelope with its payload: the schema says so with the envelope's schema and the
contract's, and the example is a whole envelope around the contract's example payload.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.events.contracts import publishers_of, registered_contracts
from shared.events.envelope import Envelope, EventPayload
from shared.events.routing import consumers_of, queue_name

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_REF = "#/components/schemas/{model}"

# Who an example envelope names as its actor: a cadre submits visits; income writes from its consumer.
_EXAMPLE_ACTORS = {
    "intake": {"id": "user-500151108201-wangxiaocun", "name": "王小村", "role": "village_cadre"},
    "income": {"id": "system:income.assess_visit", "name": "income.assess_visit", "role": None},
}
_DISTRICT_ADMIN = {"id": "user-500151000000-lijianguo", "name": "李建国", "role": "district_admin"}


def _slug(text: str) -> str:
    return text.replace(".", "-")


def _message_id(model: type[EventPayload]) -> str:
    return f"{_slug(model.event_type)}-v{model.event_version}"


def _schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    """Every model's JSON schema and those of the models nested in them, referenced from components."""
    _, definitions = models_json_schema([(model, "validation") for model in models], ref_template=SCHEMA_REF)
    return definitions.get("$defs", {})


def _example_envelope(model: type[EventPayload], source: str) -> dict[str, Any]:
    payload = model.example
    return {
        "id": "0f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f",
        "type": model.event_type,
        "version": model.event_version,
        "occurred_at": "2024-09-05T10:31:12+08:00",
        "org_code": payload.get("org_code", "500151000000"),
        "actor": _EXAMPLE_ACTORS.get(source, _DISTRICT_ADMIN),
        "source": source,
        "payload": payload,
    }


def _message(model: type[EventPayload], publishers: tuple[str, ...]) -> dict[str, Any]:
    summary = (model.__doc__ or "").strip().splitlines()[0]
    return {
        "name": f"{model.event_type}.v{model.event_version}",
        "title": f"{model.event_type} v{model.event_version}",
        "summary": summary,
        "contentType": "application/json",
        "payload": {"allOf": [
            {"$ref": SCHEMA_REF.format(model="Envelope")},
            {"type": "object", "properties": {
                "type": {"const": model.event_type},
                "version": {"const": model.event_version},
                "payload": {"$ref": SCHEMA_REF.format(model=model.__name__)},
            }},
        ]},
        "examples": [{"name": f"{_slug(model.event_type)}-example", "summary": summary,
                      "payload": _example_envelope(model, publishers[0])}],
    }


def _channel(event_type: str, models: list[type[EventPayload]]) -> dict[str, Any]:
    consumers = consumers_of(event_type)
    delivered = (", ".join(f"`{queue_name(service)}`" for service in consumers) if consumers else "no service")
    return {
        "address": event_type,
        "title": event_type,
        "description": (f"Published through the outbox of {', '.join(publishers_of(models[0]))}; delivered at least "
                        f"once to the queue of each consuming service ({delivered}), which reads it through its "
                        "inbox (a repeated delivery is a no-op)."),
        "messages": {_message_id(model): {"$ref": f"#/components/messages/{_message_id(model)}"} for model in models},
    }


def _operation(action: str, event_type: str, models: list[type[EventPayload]], service: str) -> dict[str, Any]:
    channel = _slug(event_type)
    verb = "publishes" if action == "send" else "consumes"
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "summary": f"{service} {verb} {event_type}",
        "messages": [{"$ref": f"#/channels/{channel}/messages/{_message_id(model)}"} for model in models],
    }


@cache
def asyncapi_document(service: str, title: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the events ``service`` publishes and consumes."""
    by_type: dict[str, list[type[EventPayload]]] = {}
    for (event_type, _), model in registered_contracts().items():
        by_type.setdefault(event_type, []).append(model)
    channels, operations, messages = {}, {}, {}
    for event_type, models in by_type.items():
        publishes = service in publishers_of(models[0])
        consumes = service in consumers_of(event_type)
        if not (publishes or consumes):
            continue
        channels[_slug(event_type)] = _channel(event_type, models)
        for model in models:
            messages[_message_id(model)] = _message(model, publishers_of(model))
        if publishes:
            operations[f"send-{_slug(event_type)}"] = _operation("send", event_type, models, service)
        if consumes:
            operations[f"receive-{_slug(event_type)}"] = _operation("receive", event_type, models, service)
    contracts = [model for models in by_type.values() for model in models if _message_id(model) in messages]
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": f"urn:fangfan:{service}:events",
        "info": {
            "title": f"fangfan {service} events: {title}",
            "version": "0.1.0",
            "description": (
                f"The events the {service} service publishes and consumes. Every message is an envelope (id, "
                "type, version, when, org code, actor, source) around a versioned payload; a change that breaks "
                "a reader gets a new version, and readers ignore payload fields they do not know. In production "
                "the transport is Redis (arq), one queue per consuming service; embedded, the same envelopes "
                "are handed to consumers in process."),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": _schemas([Envelope, *contracts]), "messages": messages},
    }
