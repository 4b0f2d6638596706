"""What a service is made of, collected from its domain packages by one convention.

A service is the package ``services.<name>``: its ``__init__`` names it (``TITLE`` and the
docstring), and each domain package inside it may hold ``endpoints.py`` (exporting ``router``) and
``tasks.py`` (declaring handlers, jobs, schedules and hooks with :mod:`shared.runtime.tasks`). The
platform's own package, :mod:`shared.runtime.platform`, is part of every service.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter

from shared.events.consumer import Handler
from shared.runtime.settings import SERVICE_NAMES
from shared.runtime.tasks import PLATFORM, CronSpec, JobSpec, RuntimeHook, registry_of

PLATFORM_PACKAGE = "shared.runtime.platform"
NOT_DOMAIN_PACKAGES = {"migrations"}


@dataclass
class ServiceDefinition:
    """A service's parts: routers, event handlers, jobs, schedules, hooks, migrations and demo data."""

    name: str
    title: str
    description: str
    versions_dir: Path
    domains: list[str] = field(default_factory=list)
    routers: list[APIRouter] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)
    crons: list[CronSpec] = field(default_factory=list)
    on_startup: list[RuntimeHook] = field(default_factory=list)
    demo_data: list[RuntimeHook] = field(default_factory=list)

    def job(self, name: str) -> JobSpec:
        for spec in [*self.jobs, *self.crons]:
            if spec.name == name:
                return spec
        raise LookupError(f"{self.name} has no job {name!r}")


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _domain_packages(package: ModuleType) -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                  if info.ispkg and info.name not in NOT_DOMAIN_PACKAGES)


@cache
def load_service(name: str) -> ServiceDefinition:
    """Assemble ``services.<name>`` from its domain packages (shared imports services only here, by name)."""
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
    package = importlib.import_module(f"services.{name}")
    domains = _domain_packages(package)
    definition = ServiceDefinition(
        name=name, title=getattr(package, "TITLE", name),
        description=(package.__doc__ or "").strip(),
        versions_dir=Path(package.__file__).parent / "migrations" / "versions", domains=domains)
    for module_prefix in [PLATFORM_PACKAGE, *(f"services.{name}.{domain}" for domain in domains)]:
        endpoints = _optional_module(f"{module_prefix}.endpoints")
        if endpoints is not None:
            definition.routers.append(endpoints.router)
        _optional_module(f"{module_prefix}.tasks")
    for owner in (PLATFORM, name):
        registry = registry_of(owner)
        definition.handlers += registry.handlers
        definition.jobs += registry.jobs
        definition.crons += registry.crons
        definition.on_startup += registry.on_startup
        definition.demo_data += registry.demo_data
    return definition
