"""Events the alerts service publishes: ``warning.verified``.

Kept minimal and plain on purpose: the ledger starts an identification case from it, and alerts may
add fields in place without breaking that reader.
"""

from __future__ import annotations

import uuid
from datetime import date

from shared.events.envelope import EventPayload, contract


@contract("warning.verified", 1)
class WarningVerified(EventPayload):
    """A department warning checked at the household (到户核实) and found to show a risk.

    ``received_on`` is the day the warning was received: the identification case it starts runs
    from that day, not from the day of the check.
    """

    warning_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    received_on: date
    signal_type: str
    verified_on: date
    verified_by: str

    example = {
        "warning_id": "2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a2b3c4d",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "received_on": "2024-09-27",
        "signal_type": "high_medical_costs",
        "verified_on": "2024-10-08",
        "verified_by": "user-500151108201-wang",
    }
