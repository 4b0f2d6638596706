"""Each service serves its events as an AsyncAPI 3.0 document: what it publishes, what it consumes, with examples."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest

from shared.events.contracts import publishers_of, registered_contracts
from shared.events.routing import consumers_of
from shared.runtime.settings import SERVICE_NAMES

pytestmark = pytest.mark.asyncio


async def document(system, service: str) -> dict[str, Any]:
    response = await system.client.get(f"/{service}/asyncapi.json")  # no token: public like /openapi.json
    assert response.status_code == 200, response.text
    return response.json()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def message_validator(doc: dict[str, Any], message: dict[str, Any]) -> jsonschema_rs.Validator:
    # The message's schema refers into components, so it is checked with them at its root.
    return jsonschema_rs.validator_for({**message["payload"], "components": doc["components"]})


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_service_serves_an_asyncapi_3_document_whose_references_resolve(system, service):
    doc = await document(system, service)

    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"].startswith(f"fangfan {service} events") and doc["info"]["version"]
    assert doc["channels"] and doc["operations"]
    assert "Envelope" in doc["components"]["schemas"] and doc["components"]["messages"]
    for ref in refs(doc):
        assert resolve(doc, ref) is not None, ref
    for operation in doc["operations"].values():
        assert operation["action"] in ("send", "receive")
        channel = resolve(doc, operation["channel"]["$ref"])
        assert all(ref["$ref"].startswith(operation["channel"]["$ref"] + "/messages/") for ref in operation["messages"])
        assert channel["address"] in operation["summary"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_the_document_lists_every_contract_the_service_publishes_or_consumes_and_no_other(system, service):
    doc = await document(system, service)

    for (event_type, version), model in registered_contracts().items():
        channel, message = event_type.replace(".", "-"), f"{event_type.replace('.', '-')}-v{version}"
        publishes, consumes = service in publishers_of(model), service in consumers_of(event_type)
        assert (message in doc["components"]["messages"]) == (publishes or consumes), message
        assert (f"send-{channel}" in doc["operations"]) == publishes, event_type
        assert (f"receive-{channel}" in doc["operations"]) == consumes, event_type
        if publishes or consumes:
            assert doc["channels"][channel]["address"] == event_type
            assert model.__name__ in doc["components"]["schemas"]


async def test_who_publishes_and_who_consumes_reads_as_the_architecture_says(system):
    operations = {service: set((await document(system, service))["operations"]) for service in SERVICE_NAMES}

    assert {"send-visit-submitted", "send-household-changed"} <= operations["intake"]
    assert "receive-visit-submitted" not in operations["intake"]
    assert {"receive-visit-submitted", "send-income-assessed"} <= operations["income"]
    assert {"receive-visit-submitted", "receive-household-changed", "receive-income-assessed"} <= operations["ledger"]
    ledger_sends = {name for name in operations["ledger"] if name.startswith("send-")}
    assert ledger_sends == {"send-platform-probe", "send-problem-recorded", "send-problem-verified",
                            "send-campaign-changed",
                            "send-deadline-scheduled", "send-deadline-met", "send-case-opened",
                            "send-case-step_recorded", "send-case-closed"}
    assert {"receive-warning-verified"} <= operations["ledger"]
    assert {"send-warning-verified", "receive-case-opened", "receive-case-closed",
            "receive-campaign-changed"} <= operations["alerts"]
    for service in SERVICE_NAMES:  # any service sends a probe, and every service records one
        assert {"send-platform-probe", "receive-platform-probe"} <= operations[service]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_message_has_an_example_that_validates_against_its_payload(system, service):
    doc = await document(system, service)
    contracts = {(model.event_type, model.event_version): model for model in registered_contracts().values()}

    for message in doc["components"]["messages"].values():
        [example] = message["examples"]
        envelope = example["payload"]
        model = contracts[(envelope["type"], envelope["version"])]
        assert model.model_validate(envelope["payload"]).model_dump(mode="json") == envelope["payload"]
        assert envelope["source"] in publishers_of(model)
        validator = message_validator(doc, message)
        assert validator.is_valid(envelope), list(validator.iter_errors(envelope))[:3]


async def test_the_message_schema_is_the_contract_s_and_refuses_what_the_contract_refuses(system):
    doc = await document(system, "income")
    message = doc["components"]["messages"]["income-assessed-v1"]
    validator = message_validator(doc, message)
    example = message["examples"][0]["payload"]

    wrong_year = copy.deepcopy(example)
    wrong_year["payload"]["year"] = "二〇二四年"
    wrong_type = example | {"type": "visit.submitted"}
    missing = copy.deepcopy(example)
    del missing["payload"]["household_id"]
    assert not any(validator.is_valid(instance) for instance in (wrong_year, wrong_type, missing))
    unknown_field = copy.deepcopy(example)
    unknown_field["payload"]["added_in_place"] = True  # readers ignore it, and so does the schema
    assert validator.is_valid(unknown_field)
    codes = doc["components"]["schemas"]["IncomeAssessed"]["properties"]["bracket"]["anyOf"][0]
    assert codes["type"] == "string" and "8300_10000" in codes["examples"]
