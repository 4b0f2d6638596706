"""Names of org units for the exports: the ledger's own org-unit table (``services.ledger.org_units``),
fed by intake's ``org_unit.changed``. Kept here so exports and reports import them from one place."""

from __future__ import annotations

from services.ledger.org_units.service import NONE, OrgNames, org_names

__all__ = ["NONE", "OrgNames", "org_names"]
