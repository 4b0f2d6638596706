"""Events the ledger service publishes: problems recorded and verified, cases of the procedure, deadlines."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from shared.domain.enums import (
    HouseholdProblemType,
    ProblemLevel,
    ProblemSource,
    VerificationResult,
    VillageProblemType,
)
from shared.events.envelope import EventPayload, PayloadPart, code_of, contract


@contract("problem.recorded", 1)
class ProblemRecorded(EventPayload):
    """A suspected problem (疑似问题) entered the ledger, by hand or by a rule, or a rule raised it again."""

    problem_id: uuid.UUID
    campaign_code: str
    org_code: str
    level: code_of(ProblemLevel)
    problem_type: code_of(HouseholdProblemType) | code_of(VillageProblemType)
    description: str
    source: code_of(ProblemSource)
    rule_code: str | None = None
    household_id: uuid.UUID | None = None
    recorded_by: str
    recorded_at: datetime
    # True when new evidence raised again a problem that had been verified as no problem
    reraised: bool = False

    example = {
        "problem_id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "campaign_code": "2024",
        "org_code": "500151108201",
        "level": "household",
        "problem_type": "water",
        "description": "饮水安全：走访核实饮水不安全",
        "source": "rule",
        "rule_code": "guarantee.water_unsafe",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "recorded_by": "system:ledger.households.visit_submitted",
        "recorded_at": "2024-09-05T10:31:15+08:00",
        "reraised": False,
    }


@contract("problem.verified", 1)
class ProblemVerified(EventPayload):
    """A suspected problem verified (核实): ① not a problem, with the reason, or ② confirmed, with its rectification."""

    problem_id: uuid.UUID
    org_code: str
    result: code_of(VerificationResult)
    reason: str | None = None
    rectification_id: uuid.UUID | None = None
    verified_by: str
    verified_at: datetime

    example = {
        "problem_id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "org_code": "500151108201",
        "result": "confirmed",
        "reason": None,
        "rectification_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "verified_by": "user-500151108-zhangsan",
        "verified_at": "2024-09-10T15:20:00+08:00",
    }


class DeadlineSubject(PayloadPart):
    """What a deadline is about: its kind of record and that record's id."""

    type: str
    id: uuid.UUID


@contract("deadline.scheduled", 1)
class DeadlineScheduled(EventPayload):
    """A deadline the ledger owns, set or moved; the latest event of a ``key`` is the one that holds.

    ``due`` is a date (the whole day counts) or an instant. ``unit`` and ``amount`` say how it was
    counted from ``counted_from`` (calendar or working days); a date the campaign fixes has neither,
    and ``basis`` names the campaign date it is.
    """

    key: str
    kind: str
    subject: DeadlineSubject
    org_code: str
    due: date | datetime
    unit: str | None = None
    amount: int | None = None
    counted_from: date | None = None
    basis: str
    rule_code: str

    example = {
        "key": "rectification:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "kind": "rectification",
        "subject": {"type": "rectification", "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"},
        "org_code": "500151108201",
        "due": "2024-09-20",
        "unit": None,
        "amount": None,
        "counted_from": None,
        "basis": "campaign 2024 rectification_by",
        "rule_code": "rectification.by_campaign_date",
    }


@contract("deadline.met", 1)
class DeadlineMet(EventPayload):
    """The work a deadline asked for was done on ``met_on``; ``late`` when that was after the due day."""

    key: str
    met_on: date
    late: bool

    example = {
        "key": "rectification:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "met_on": "2024-09-18",
        "late": False,
    }


@contract("case.opened", 1)
class CaseOpened(EventPayload):
    """A case of the procedure opened: an identification (识别) or a risk elimination (风险消除).

    ``started_on`` is the day the risk was found, the application made or the warning received;
    ``due_on`` the last day for county approval (None when the campaign sets no clock).
    """

    case_id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    org_code: str
    source: str
    started_on: date
    due_on: date | None = None
    green_channel: bool = False

    example = {
        "case_id": "4d5e6f70-8192-4a3b-9c4d-5e6f708192a3",
        "kind": "identification",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "source": "visit",
        "started_on": "2024-09-05",
        "due_on": "2024-09-20",
        "green_channel": False,
    }


@contract("case.step_recorded", 1)
class CaseStepRecorded(EventPayload):
    """One step of a case recorded: the transition, the states it moved between, its date and who recorded it."""

    case_id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    org_code: str
    seq: int
    transition: str
    from_state: str
    to_state: str
    happened_on: date
    recorded_by: str

    example = {
        "case_id": "4d5e6f70-8192-4a3b-9c4d-5e6f708192a3",
        "kind": "identification",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "seq": 4,
        "transition": "post_notice",
        "from_state": "appraised",
        "to_state": "under_notice",
        "happened_on": "2024-09-09",
        "recorded_by": "user-500151108201-wang",
    }


@contract("case.closed", 1)
class CaseClosed(EventPayload):
    """A case ended: ``identified``, ``rejected``, ``withdrawn``, ``eliminated`` or ``rolled_back``.

    ``overdue`` says the case ended after its due day (an identification approved on day 16, say).
    The household's monitoring status in the ledger follows from these events.
    """

    case_id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    org_code: str
    outcome: str
    closed_on: date
    started_on: date
    due_on: date | None = None
    overdue: bool = False
    monitoring_type: str | None = None
    reason: str | None = None

    example = {
        "case_id": "4d5e6f70-8192-4a3b-9c4d-5e6f708192a3",
        "kind": "identification",
        "household_id": "9b2e4f70-1c3a-4d5e-8f60-7a1b2c3d4e5f",
        "org_code": "500151108201",
        "outcome": "identified",
        "closed_on": "2024-09-18",
        "started_on": "2024-09-05",
        "due_on": "2024-09-20",
        "overdue": False,
        "monitoring_type": "marginal",
        "reason": None,
    }


@contract("campaign.changed", 1)
class CampaignChanged(EventPayload):
    """A campaign as it now stands: seeded from the packaged file, added or changed by a district admin,
    or announced again by the ``campaigns.announce`` job. The latest event of a campaign holds.

    ``org_code`` is the campaign region's own org unit; the phase dates are those of the campaign's
    time plan (行动时间安排), and ``rectification_final_by`` the latest a rectification may be extended to.
    """

    campaign_id: uuid.UUID
    code: str
    name: str
    year: int
    region: str
    org_code: str
    starts_on: date
    mobilisation_by: date
    visits_confirmed_by: date
    visits_checked_by: date
    rectification_by: date
    rectification_final_by: date
    change: str  # seeded | created | updated | announced

    example = {
        "campaign_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "code": "2024",
        "name": "大走访大排查大整改",
        "year": 2024,
        "region": "500151",
        "org_code": "500151000000",
        "starts_on": "2024-08-23",
        "mobilisation_by": "2024-08-25",
        "visits_confirmed_by": "2024-09-12",
        "visits_checked_by": "2024-09-20",
        "rectification_by": "2024-09-20",
        "rectification_final_by": "2024-10-31",
        "change": "updated",
    }
