"""Event payload contracts, one module per publisher. Importing this package registers them all."""

from shared.events.contracts import income, intake, platform  # noqa: F401
