"""Versioned event contracts.

An event is an :class:`Envelope` (id, type, version, when, org code, actor, source) around a payload
model registered here with :func:`contract`. A change that breaks a consumer registers a new
version of the type; consumers name the version they read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.clock import clock


class Actor(BaseModel):
    id: str
    name: str
    role: str | None = None


class EventPayload(BaseModel):
    """Base of every payload; subclasses are registered with :func:`contract`."""

    model_config = ConfigDict(extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int]


class Envelope(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=clock.now)
    org_code: str
    actor: Actor | None = None
    source: str
    payload: dict[str, Any]

    def read(self, model: type[P]) -> P:
        """The payload as the contract model a consumer reads."""
        if (self.type, self.version) != (model.event_type, model.event_version):
            raise ValueError(f"{self.type} v{self.version} is not {model.event_type} v{model.event_version}")
        return model.model_validate(self.payload)


P = TypeVar("P", bound=EventPayload)

CONTRACTS: dict[tuple[str, int], type[EventPayload]] = {}


def contract(event_type: str, version: int = 1):
    """Register a payload model as the contract of ``event_type`` at ``version``."""

    def register(model: type[P]) -> type[P]:
        key = (event_type, version)
        if key in CONTRACTS and CONTRACTS[key] is not model:
            raise RuntimeError(f"contract {event_type} v{version} registered twice")
        model.event_type, model.event_version = event_type, version
        CONTRACTS[key] = model
        return model

    return register
