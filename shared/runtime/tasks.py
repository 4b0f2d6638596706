"""Declaring a domain package's background work, next to the domain: handlers, jobs, schedules, hooks.

A domain package's ``tasks.py`` uses these decorators; the service is assembled from what they
collected (:mod:`shared.runtime.definition`), so nothing is listed by hand in a service's root::

    @event_handler("visit.submitted", name="assess_visit")
    async def assess_visit(session: AppSession, envelope: Envelope) -> None: ...

    @job("reassessments.run", unit="households")
    async def run_reassessment(ctx: JobContext, *, year: int, org: str) -> dict: ...

    @cron("alerts.scan", minute={0, 15, 30, 45})
    async def scan(ctx: JobContext) -> None:
        for key in await due_keys(ctx.as_of):
            await ctx.enqueue("alerts.check_deadline", key=key)

    @on_startup
    async def seed_rulesets(runtime: ServiceRuntime) -> None: ...

Each declaration belongs to the service whose package holds the module (``services.<name>.…``);
declarations in ``shared.runtime.platform`` belong to every service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from shared.data.database import Database
from shared.events.consumer import Handler, HandlerFunc
from shared.runtime.settings import PlatformSettings
from shared.security.auth import system_principal

PLATFORM = "*"


class ServiceProcess(Protocol):
    """What hooks and jobs see of the service running them (``ServiceRuntime`` is the one that does)."""

    name: str
    db: Database
    platform: PlatformSettings
    definition: Any
    relay: Any
    jobs: Any
    consumer: Any


JobFunc = Callable[..., Awaitable[Any]]
RuntimeHook = Callable[[ServiceProcess], Awaitable[None]]


@dataclass(frozen=True)
class JobSpec:
    """Work a worker runs by name: per-entity work a schedule fans out to, or long work with progress.

    ``tracked`` jobs are the long ones users start: each run has a row with state and progress that
    ``GET /<service>/jobs/{id}`` shows; untracked ones are plain arq jobs (or tasks when embedded).
    """

    name: str
    func: JobFunc
    description: str
    tracked: bool = False
    unit: str = "items"


@dataclass(frozen=True)
class CronSpec:
    """A scheduled job: when it fires (arq's cron fields, in Asia/Shanghai) and the body that fans out."""

    name: str
    func: JobFunc
    description: str
    schedule: dict[str, Any]

    def describe_schedule(self) -> str:
        return " ".join(f"{key}={_describe(value)}" for key, value in self.schedule.items()) or "every minute"


def _describe(value: Any) -> str:
    return ",".join(str(v) for v in sorted(value)) if isinstance(value, (set, frozenset, list, tuple)) else str(value)


@dataclass
class TaskRegistry:
    """What the ``tasks`` modules of one service declared."""

    handlers: list[Handler] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)
    crons: list[CronSpec] = field(default_factory=list)
    on_startup: list[RuntimeHook] = field(default_factory=list)
    demo_data: list[RuntimeHook] = field(default_factory=list)


_REGISTRIES: dict[str, TaskRegistry] = {}


def registry_of(service: str) -> TaskRegistry:
    return _REGISTRIES.setdefault(service, TaskRegistry())


def _owner(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "services" and len(parts) > 2:
        return parts[1]
    if module.startswith("shared.runtime.platform"):
        return PLATFORM
    raise RuntimeError(f"{module} declares tasks but is neither a service's domain package nor the platform's")


def _first_line(func: Callable) -> str:
    return (func.__doc__ or "").strip().split("\n", 1)[0]


def event_handler(event_type: str, *, name: str) -> Callable[[HandlerFunc], HandlerFunc]:
    """Consume ``event_type``; ``name`` (``action`` or ``domain.action``) keys the inbox with the service."""

    def register(func: HandlerFunc) -> HandlerFunc:
        registry_of(_owner(func.__module__)).handlers.append(Handler(event_type, name, func))
        return func

    return register


def job(name: str, *, tracked: bool = False, unit: str = "items") -> Callable[[JobFunc], JobFunc]:
    """A job named ``domain.action``, run by a worker with a :class:`JobContext` and keyword parameters."""

    def register(func: JobFunc) -> JobFunc:
        registry_of(_owner(func.__module__)).jobs.append(
            JobSpec(name, func, _first_line(func), tracked=tracked, unit=unit))
        return func

    return register


def cron(name: str, **schedule: Any) -> Callable[[JobFunc], JobFunc]:
    """A scheduled job; ``schedule`` takes arq's cron fields (``hour``, ``minute``, ``weekday``…)."""

    def register(func: JobFunc) -> JobFunc:
        registry_of(_owner(func.__module__)).crons.append(CronSpec(name, func, _first_line(func), schedule))
        return func

    return register


def on_startup(func: RuntimeHook) -> RuntimeHook:
    """Run when the service's process starts (API and worker alike), before it serves."""
    registry_of(_owner(func.__module__)).on_startup.append(func)
    return func


def demo_data(func: RuntimeHook) -> RuntimeHook:
    """Load the demo data of the embedded mode (``fangfan run``)."""
    registry_of(_owner(func.__module__)).demo_data.append(func)
    return func


async def seed_on_startup(runtime: ServiceProcess, *, component: str,
                          seed: Callable[[Any], Awaitable[int]]) -> int:
    """Run an idempotent seed (packaged data copied into a table) in its own transaction, once more if a
    replica starting at the same moment inserted the same rows first; returns what ``seed`` added."""
    for attempt in (1, 2):
        try:
            async with runtime.db.transaction(system_principal(component)) as session:
                return await seed(session)
        except IntegrityError:
            if attempt == 2:
                raise
    return 0
