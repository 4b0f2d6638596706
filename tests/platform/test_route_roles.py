"""Every route says who may call it, in its signature, and OpenAPI shows it."""

from __future__ import annotations

import pytest

from shared.events.transports import InProcessTransport
from shared.runtime.app import create_service_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import SERVICE_NAMES, PlatformSettings

# Routes anyone may call: a gateway's and an orchestrator's probes, and Prometheus.
PUBLIC = {"/healthz", "/readyz", "/metrics", "/asyncapi.json"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    settings = PlatformSettings(_env_file=None, data_dir=tmp_path_factory.mktemp("roles"))
    found = {}
    for name in SERVICE_NAMES:
        runtime = ServiceRuntime(load_service(name), settings, InProcessTransport())
        found[name] = create_service_app(runtime).openapi()
    return found


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_lists_its_roles(documents, service):
    missing = [f"{method.upper()} {path}" for path, item in documents[service]["paths"].items() if path not in PUBLIC
               for method, operation in item.items() if method in METHODS and not operation.get("x-roles")]
    assert missing == []


def test_roles_read_as_the_code_says():
    operations = {(path, method): operation for path, item in _doc("intake")["paths"].items()
                  for method, operation in item.items() if method in METHODS}
    assert operations[("/households", "post")]["x-roles"] == ["village_cadre", "town_staff", "district_admin"]
    assert operations[("/members/{member_id}/reveal", "post")]["x-roles"] == ["town_staff", "district_admin"]
    assert operations[("/audit", "get")]["x-roles"] == ["district_admin", "auditor"]
    assert "Roles: `town_staff`, `district_admin`." in operations[("/members/{member_id}/reveal", "post")][
        "description"]


def _doc(service: str) -> dict:
    settings = PlatformSettings(_env_file=None)
    return create_service_app(ServiceRuntime(load_service(service), settings, InProcessTransport())).openapi()
