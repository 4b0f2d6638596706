"""Every 422 speaks one language: the same error name, the same field keys, a documented type vocabulary."""

from __future__ import annotations

import pytest

from shared.errors import FIELD_ERROR_TYPES, field_error_type
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.intake import household_payload


def assert_one_shape(body: dict) -> None:
    assert body["error"] == "ValidationError"
    assert body["fields"], body
    for entry in body["fields"]:
        assert set(entry) == {"field", "type", "message"}
        assert entry["type"] in FIELD_ERROR_TYPES, entry


@pytest.mark.asyncio
async def test_a_schema_error_and_a_service_rule_give_the_same_shape(system):
    # pydantic refuses the schema; the service refuses a year no rule set covers (InvalidInput).
    schema = await system.client.post("/income/calculate", json={"year": "twenty", "declaration": {}},
                                      headers=system.headers("village_cadre", VILLAGE))
    rule = await system.client.post("/income/calculate", json={"year": 2019, "declaration": {
        "members": [{"name": "张德明"}]}}, headers=system.headers("village_cadre", VILLAGE))
    assert schema.status_code == rule.status_code == 422
    assert_one_shape(schema.json())
    assert_one_shape(rule.json())
    assert {(f["field"], f["type"]) for f in schema.json()["fields"]} >= {("body.year", "invalid_format"),
                                                                        ("body.declaration.members", "missing")}
    assert rule.json()["fields"] == [{"field": "body.year", "type": "rule",
                                      "message": rule.json()["fields"][0]["message"]}]


@pytest.mark.asyncio
async def test_the_detail_of_many_errors_is_a_short_summary_not_every_message(system):
    payload = household_payload()
    payload["members"][0] |= {"id_number": "123", "labour_capacity": "strong", "relation": "cousin"}
    payload["household_kinds"] = ["nonsense"]
    response = await system.client.post("/intake/households", json=payload,
                                        headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 422
    body = response.json()
    assert_one_shape(body)
    assert len(body["fields"]) >= 3
    assert body["detail"].startswith(f"{len(body['fields'])} fields are invalid: ")
    assert all(entry["message"] not in body["detail"] for entry in body["fields"])
    assert "invalid_choice" in {entry["type"] for entry in body["fields"]}


@pytest.mark.asyncio
async def test_unknown_fields_and_unreadable_bodies_use_the_vocabulary_too(system):
    extra = await system.client.get("/intake/audit?limit=0", headers=system.headers("district_admin", DISTRICT))
    unreadable = await system.client.post("/intake/households", content=b"{", headers={
        **system.headers("village_cadre", VILLAGE), "Content-Type": "application/json"})
    assert [(f["field"], f["type"]) for f in extra.json()["fields"]] == [("query.limit", "out_of_range")]
    assert_one_shape(unreadable.json())


@pytest.mark.parametrize(("code", "kind"), [
    ("missing", "missing"), ("required_when", "missing"), ("extra_forbidden", "not_allowed"),
    ("not_allowed_unless", "not_allowed"), ("int_parsing", "invalid_format"), ("int_parsing_size", "out_of_range"),
    ("string_type", "invalid_type"), ("greater_than_equal", "out_of_range"), ("string_too_long", "out_of_range"),
    ("enum", "invalid_choice"), ("none_combined", "invalid_choice"), ("invalid_id_number", "invalid_format"),
    ("value_error", "rule"), ("income_branch", "rule"), ("a_code_added_later", "rule"),
])
def test_codes_map_onto_the_vocabulary(code, kind):
    assert field_error_type(code) == kind
