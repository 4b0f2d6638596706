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
from typing import Annotated, Any, ClassVar, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

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


class UnknownContract(LookupError):
    """No contract is registered for an event's (type, version)."""


class ContractViolation(ValueError):
    """A payload that does not read as the contract of its (type, version): a programming error."""


P = TypeVar("P", bound=EventPayload)


class Envelope(BaseModel):
    """An event as it travels: who, what and when around the payload of a registered contract."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=clock.now)
    org_code: str
    actor: Actor | None = None
    source: str
    payload: dict[str, Any]

    @overload
    def read(self) -> EventPayload: ...

    @overload
    def read(self, model: type[P]) -> P: ...

    def read(self, model: type[EventPayload] | None = None) -> EventPayload:
        """The payload as the contract registered for this envelope's (type, version).

        A consumer names the model it expects; an envelope of another type or version is refused
        rather than read into the wrong shape.
        """
        registered = contract_of(self.type, self.version)
        if model is not None and model is not registered:
            raise ValueError(f"{self.type} v{self.version} is {registered.__name__}, not {model.__name__}")
        return registered.model_validate(self.payload)


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


def contract_of(event_type: str, version: int) -> type[EventPayload]:
    """The contract of ``event_type`` at ``version``; :class:`UnknownContract` when there is none.

    The registry holds the contracts whose modules are imported; importing ``shared.events.contracts``
    imports them all, which the consumer does before it reads anything.
    """
    model = CONTRACTS.get((event_type, version))
    if model is None:
        raise UnknownContract(f"no contract is registered for {event_type} v{version}")
    return model


def checked_payload(payload: EventPayload) -> dict[str, Any]:
    """``payload`` as the JSON data that leaves, once it reads back as the contract of its type and version.

    Publishing an unregistered payload, or one that would not read back (built without validation,
    changed after it was built), is a programming error, raised here rather than left for every
    consumer to fail on.
    """
    event_type, version = getattr(payload, "event_type", None), getattr(payload, "event_version", None)
    if event_type is None or version is None:
        raise UnknownContract(f"{type(payload).__name__} is not registered as a contract")
    registered = contract_of(event_type, version)
    if type(payload) is not registered:
        raise ContractViolation(f"{event_type} v{version} is {registered.__name__}, not {type(payload).__name__}")
    data = payload.model_dump(mode="json", warnings=False)  # what does not fit is reported just below
    try:
        registered.model_validate(data)
    except ValidationError as exc:
        raise ContractViolation(f"{event_type} v{version} does not read back as its contract: {exc}") from exc
    return data
