"""Each service's OpenAPI document, built in process as the running system serves it."""

from __future__ import annotations

from pathlib import Path

from shared.events.transports import InProcessTransport
from shared.runtime.app import create_service_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import SERVICE_NAMES, PlatformSettings

METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_documents(data_dir: Path) -> dict[str, dict]:
    settings = PlatformSettings(_env_file=None, data_dir=data_dir)
    return {name: create_service_app(ServiceRuntime(load_service(name), settings, InProcessTransport())).openapi()
            for name in SERVICE_NAMES}


def operations(document: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation of a document."""
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]
