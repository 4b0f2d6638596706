"""Every JSON request body and every JSON 2xx response in each service's OpenAPI carries an example,
so an integrator opening /docs sees a filled form rather than an empty schema."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from shared.events.transports import InProcessTransport
from shared.runtime.app import create_service_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import SERVICE_NAMES, PlatformSettings

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    settings = PlatformSettings(_env_file=None, data_dir=tmp_path_factory.mktemp("examples"))
    return {name: create_service_app(ServiceRuntime(load_service(name), settings, InProcessTransport())).openapi()
            for name in SERVICE_NAMES}


def _has_example(schema: dict, components: dict, seen: frozenset = frozenset()) -> bool:
    """True when the schema, or what it refers to, shows at least one example value."""
    if not schema:
        return False
    if "example" in schema or schema.get("examples"):
        return True
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen or name not in components:
            return False
        return _has_example(components[name], components, seen | {name})
    if schema.get("type") == "array" and "items" in schema:
        return _has_example(schema["items"], components, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [option for option in schema.get(key, []) if option.get("type") != "null"]
        if options and all(_has_example(option, components, seen) for option in options):
            return True
    return False


def _media_has_example(media: dict, components: dict) -> bool:
    if "example" in media or media.get("examples"):
        return True
    return _has_example(media.get("schema", {}), components)


def _missing(document: dict) -> list[str]:
    components = document.get("components", {}).get("schemas", {})
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and not _media_has_example(body, components):
                missing.append(f"{method.upper()} {path} request")
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                media = response.get("content", {}).get("application/json")
                if media is None or not media.get("schema"):
                    continue
                if not _media_has_example(media, components):
                    missing.append(f"{method.upper()} {path} {status}")
    return missing


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_json_body_and_success_response_has_an_example(documents, service):
    assert _missing(documents[service]) == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_no_default_validation_error_component(documents, service):
    assert "HTTPValidationError" not in json.dumps(documents[service])


def test_the_walker_notices_a_missing_example():
    document = {"paths": {"/x": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {
            "type": "array", "items": {"$ref": "#/components/schemas/B"}}}}}}}}},
        "components": {"schemas": {"A": {"type": "object"}, "B": {"type": "object", "examples": [{"b": 1}]}}}}
    assert _missing(document) == ["POST /x request"]


def _models_with_examples() -> list[type[BaseModel]]:
    found, queue = [], [BaseModel]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        extra = cls.model_config.get("json_schema_extra") if cls is not BaseModel else None
        if isinstance(extra, dict) and extra.get("examples") and cls.__module__.startswith(("services.", "shared.")):
            found.append(cls)
    return found


def test_every_example_is_accepted_by_its_own_model(documents):
    # ``documents`` has loaded every service, so every model is imported by now.
    models = _models_with_examples()
    assert len(models) > 50
    refused = []
    for model in models:
        for example in model.model_config["json_schema_extra"]["examples"]:
            try:
                model.model_validate(example)
            except ValidationError as exc:
                refused.append(f"{model.__module__}.{model.__name__}: {exc.errors()[0]['msg']}")
    assert refused == []
