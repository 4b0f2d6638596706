"""Events the alerts service publishes: warnings received and verified, alerts raised."""

from __future__ import annotations

import uuid
from datetime import date

from shared.domain.enums import AlertKind, WarningSignal
from shared.events.envelope import EventPayload, code_of, contract


@contract("warning.received", 1)
class WarningReceived(EventPayload):
    """A department's warning (部门预警信息) was stored; never the person's ID number.

    The alerts service consumes it too: matching the warning to a household happens in its worker.
    """

    warning_id: uuid.UUID
    department_code: str
    external_id: str
    signal_type: code_of(WarningSignal)
    org_code: str
    occurred_on: date
    received_on: date

    example = {
        "warning_id": "0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b",
        "department_code": "ybj-500151",
        "external_id": "YB-2024-000731",
        "signal_type": "high_medical_cost",
        "org_code": "500151000000",
        "occurred_on": "2024-09-20",
        "received_on": "2024-09-27",
    }


@contract("warning.verified", 1)
class WarningVerified(EventPayload):
    """The household check of a warning found a risk: the ledger opens an identification case that starts on
    ``received_on``, the day the warning was received (§5: a case starts the day a risk is found)."""

    warning_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    received_on: date
    signal_type: code_of(WarningSignal)
    verified_on: date
    verified_by: str

    example = {
        "warning_id": "0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "received_on": "2024-09-27",
        "signal_type": "high_medical_cost",
        "verified_on": "2024-10-08",
        "verified_by": "user-500151108201-wangxiaocun",
    }


@contract("warning.checked", 1)
class WarningChecked(EventPayload):
    """Every household check of a warning, whatever it found, with the day it was due and the day it was done.

    The ledger's reports count warnings checked on time and late from it (附件2: 5 working days).
    """

    warning_id: uuid.UUID
    household_id: uuid.UUID
    org_code: str
    signal_type: code_of(WarningSignal)
    received_on: date
    check_due_on: date | None
    checked_on: date
    result: str
    late: bool

    example = {
        "warning_id": "0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "signal_type": "high_medical_cost",
        "received_on": "2024-09-27",
        "check_due_on": "2024-10-10",
        "checked_on": "2024-10-08",
        "result": "risk_found",
        "late": False,
    }


@contract("alert.raised", 1)
class AlertRaised(EventPayload):
    """A due-soon, overdue, reminder or escalation alert about one deadline of the registry."""

    alert_id: uuid.UUID
    kind: code_of(AlertKind)
    deadline_key: str
    deadline_kind: str
    subject_type: str
    subject_id: str
    org_code: str
    deadline_org_code: str
    due_on: date
    raised_on: date
    message: str

    example = {
        "alert_id": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
        "kind": "overdue",
        "deadline_key": "warning_check:0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b",
        "deadline_kind": "warning_check",
        "subject_type": "warning",
        "subject_id": "0f6e2a41-7b3c-4d5e-9a8b-1c2d3e4f5a6b",
        "org_code": "500151108201",
        "deadline_org_code": "500151108201",
        "due_on": "2024-10-10",
        "raised_on": "2024-10-11",
        "message": "warning_check due 2024-10-10 is overdue",
    }
