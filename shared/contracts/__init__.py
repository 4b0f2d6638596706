"""Event payload contracts, one module per publishing service. Importing this package registers them."""

from shared.contracts import income, intake  # noqa: F401
