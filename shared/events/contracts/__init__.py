"""Event payload contracts, one module per publisher. Importing this package registers them all.

The module that defines a contract names the service that publishes it (``intake.py``: intake);
the platform's own contracts are published by every service. This is the only place that says so.
"""

from __future__ import annotations

from shared.events.contracts import alerts, income, intake, ledger, platform  # noqa: F401
from shared.events.envelope import CONTRACTS, EventPayload
from shared.runtime.settings import SERVICE_NAMES

EVERY_SERVICE = "platform"


def registered_contracts() -> dict[tuple[str, int], type[EventPayload]]:
    """Every contract by (type, version), in that order; complete, as this package imports every module."""
    return dict(sorted(CONTRACTS.items()))


def publishers_of(model: type[EventPayload]) -> tuple[str, ...]:
    """The services that publish ``model``: the one its module is named after, or all for the platform's."""
    package, _, module = model.__module__.rpartition(".")
    if package != __name__:
        raise LookupError(f"{model.__name__} is not defined in {__name__}")
    if module == EVERY_SERVICE:
        return SERVICE_NAMES
    if module not in SERVICE_NAMES:
        raise LookupError(f"{model.__module__} is named after no service")
    return (module,)
