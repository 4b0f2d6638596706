"""Events of the platform itself: ``platform.probe``."""

from __future__ import annotations

from shared.events.envelope import EventPayload, contract


@contract("platform.probe", 1)
class BusProbe(EventPayload):
    """An operator's probe of the event path: every service records that it received it."""

    origin: str
    note: str | None = None

    example = {"origin": "intake", "note": "铜梁区 checks the bus after the upgrade"}
