"""Versioned event contracts.

An event is an :class:`Envelope` (id, type, version, when, org code, actor, source) around a payload
model registered here with :func:`contract`. A change that breaks a consumer registers a new
version of the type; consumers name the version they read.

Payloads are plain data: types and shapes, no cross-field rules, and codes as strings. An event is
a record of something that happened under the rules of its day; a reader must still read it after
those rules have tightened, a code has been retired, or the publisher has added a field in place
(readers ignore fields they do not know).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from shared.domain.clock import clock


class Actor(BaseModel):
    id: str
    name: str
    role: str | None = None


def code_of(enum: type[StrEnum]) -> Any:
    """A code of ``enum`` carried as a plain string.

    Readers accept any string, so an event still reads after its code is retired from the enumeration,
    or when it carries a code added after the reader was built; a consumer that needs the enumeration
    converts the code and decides what an unknown one means. The schema lists the codes known today.
    """
    known = [member.value for member in enum]
    listed = ", ".join(f"{member.value} ({getattr(member, 'label', member.value)})" for member in enum)
    description = f"A {enum.__name__} code: {listed}. Readers also accept codes not listed (retired or newer)."
    return Annotated[str, WithJsonSchema({"type": "string", "description": description, "examples": known})]


class PayloadPart(BaseModel):
    """Base of the models nested in a payload: data only, and unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


class EventPayload(PayloadPart):
    """Base of every payload; subclasses are registered with :func:`contract`.

    ``example`` is a realistic payload as JSON data, for the contract's documentation; a test checks
    that it reads back as the contract unchanged.
    """

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    example: ClassVar[dict[str, Any]]


P = TypeVar("P", bound=EventPayload)


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


CONTRACTS: dict[tuple[str, int], type[EventPayload]] = {}


def contract(event_type: str, version: int = 1):
    """Register a payload model as the contract of ``event_type`` at ``version``."""

    def register(model: type[P]) -> type[P]:
        key = (event_type, version)
        if key in CONTRACTS and CONTRACTS[key] is not model:
            raise RuntimeError(f"contract {event_type} v{version} registered twice")
        if not isinstance(getattr(model, "example", None), dict):
            raise RuntimeError(f"contract {event_type} v{version} needs an example payload")
        model.event_type, model.event_version = event_type, version
        CONTRACTS[key] = model
        return model

    return register
