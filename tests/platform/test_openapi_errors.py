"""Every error an operation can answer with is documented, as JSON: what the fuzz relies on, checked fast."""

from __future__ import annotations

import pytest

from shared.domain.enums import Role
from tests.platform.openapi_docs import openapi_documents, operations

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    return openapi_documents(tmp_path_factory.mktemp("error-docs"))


def test_an_operation_taking_a_token_documents_its_401_and_a_role_limited_one_its_403(documents):
    missing = []
    for service, document in documents.items():
        for method, path, operation in operations(document):
            if not operation.get("security"):
                continue
            responses = operation["responses"]
            if "401" not in responses:
                missing.append((service, method, path, 401))
            if len(operation.get("x-roles", list(Role))) < len(Role) and "403" not in responses:
                missing.append((service, method, path, 403))
    assert missing == []


def test_every_error_is_documented_as_json_even_on_html_and_workbook_routes(documents):
    wrong = []
    for service, document in documents.items():
        for method, path, operation in operations(document):
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                content = response.get("content", {})
                if list(content) != ["application/json"] or content["application/json"]["schema"] != {"$ref": ERROR_REF}:
                    wrong.append((service, method, path, status, list(content)))
    assert wrong == []


def test_the_operations_that_refuse_some_roles_include_the_writes(documents):
    # Guards the test above against passing on nothing: writes are role-limited and secured.
    limited = [(method, path) for document in documents.values() for method, path, operation in operations(document)
               if operation.get("security") and len(operation.get("x-roles", list(Role))) < len(Role)]
    assert ("post", "/cases") in limited
