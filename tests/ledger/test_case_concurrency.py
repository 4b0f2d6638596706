"""Two cadres recording the same step at the same moment, each on its own connection: one step is stored.

The ``system`` fixture binds every session to one connection, which serialises everything; here the
ledger runs alone on its own engine, committing for real, and its tables are emptied afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime

import pytest
import pytest_asyncio

from services.ledger.campaigns.service import seed_packaged
from services.ledger.cases.models import Case
from services.ledger.cases.schemas import CaseSource
from services.ledger.cases.service import open_identification
from shared.domain.clock import SHANGHAI, clock
from shared.domain.enums import Role
from shared.domain.workdays import WorkdayCalendar
from shared.security.auth import issue_token, system_principal
from tests.live import live_service, scalar

pytestmark = pytest.mark.asyncio

VILLAGE = "500151108203"
LIVE_TABLES = ("ledger_case_steps", "ledger_cases", "ledger_campaigns", "audit_entries", "outbox_events")


@pytest_asyncio.fixture
async def live_ledger(migrated_databases, platform_settings):
    async with live_service("ledger", migrated_databases["ledger"], platform_settings, seed=seed_packaged,
                            emptied=LIVE_TABLES) as runtime_and_client:
        yield runtime_and_client


async def test_two_cadres_recording_the_same_step_at_once_one_succeeds_the_other_gets_a_409(live_ledger):
    runtime, client = live_ledger
    with clock.frozen(datetime(2024, 9, 10, 9, 0, tzinfo=SHANGHAI)):
        # Issued on the service clock, so the tokens are valid on the day the test sets.
        cadres = [{"Authorization": "Bearer " + issue_token(runtime.platform, name=name, role=Role.VILLAGE_CADRE,
                                                            org_code=VILLAGE, user_id=f"u-{n}")}
                  for n, name in enumerate(("王一", "王二"))]
        for round_ in range(3):  # several rounds: each must end with one step whichever request wins
            async with runtime.db.transaction(system_principal("tests")) as session:
                case, _ = await open_identification(
                    session, household_id=uuid.uuid4(), org_code=VILLAGE, source=CaseSource.APPLICATION,
                    started_on=date(2024, 9, 5), evidence={"key": f"application:{round_}"},
                    calendar=WorkdayCalendar())
            body = {"transition": "apply", "on": "2024-09-06", "place": "村委会", "evidence_refs": ["申请书"]}
            responses = await asyncio.gather(*(client.post(f"/ledger/cases/{case.id}/steps", json=body,
                                                           headers=headers) for headers in cadres))
            assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
            refused = next(r for r in responses if r.status_code == 409).json()
            assert "from applied" in refused["detail"]
    assert await scalar(runtime, "SELECT count(*) FROM ledger_case_steps") == 3
    assert await scalar(runtime, "SELECT count(*) FROM outbox_events WHERE type = 'case.step_recorded'") == 3
    assert await scalar(runtime, "SELECT max(version) FROM ledger_cases") == 1


async def test_two_approvals_and_two_rollbacks_of_one_elimination_at_once_record_one_each(live_ledger):
    runtime, client = live_ledger
    with clock.frozen(datetime(2024, 11, 8, 9, 0, tzinfo=SHANGHAI)):
        admins = [{"Authorization": "Bearer " + issue_token(runtime.platform, name=name, role=Role.DISTRICT_ADMIN,
                                                            org_code="500151000000", user_id=f"u-{n}")}
                  for n, name in enumerate(("李一", "李二"))]
        async with runtime.db.transaction(system_principal("tests")) as session:
            # An elimination the township has reviewed (its earlier steps are not what this test is about).
            case = Case(household_id=uuid.uuid4(), org_code=VILLAGE, kind="elimination", state="township_reviewed",
                        open_key=None, version=4, source=CaseSource.REQUEST.value, started_on=date(2024, 10, 21),
                        notice_starts_on=date(2024, 10, 24), notice_ends_on=date(2024, 10, 28),
                        last_step_on=date(2024, 10, 29), evidence=[], risk_causes=[], opened_by="t",
                        opened_by_name="t")
            case.open_key = f"elimination:{case.household_id}"
            session.add(case)
        approval = {"transition": "county_approve", "on": "2024-10-30", "place": "区乡村振兴局", "evidence_refs": ["批复"]}
        rollback = {"transition": "roll_back", "on": "2024-11-05", "place": "村委会", "evidence_refs": ["情况说明"],
                    "explanation": "风险消除依据不实"}
        for body, moved_on in ((approval, "from eliminated"), (rollback, "from rolled_back")):
            responses = await asyncio.gather(*(client.post(f"/ledger/cases/{case.id}/steps", json=body,
                                                           headers=headers) for headers in admins))
            assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
            assert moved_on in next(r for r in responses if r.status_code == 409).json()["detail"]
    assert await scalar(runtime, "SELECT count(*) FROM ledger_case_steps") == 2
    assert await scalar(runtime, "SELECT count(*) FROM outbox_events WHERE type = 'case.closed'") == 2
    assert await scalar(runtime, "SELECT version FROM ledger_cases") == 6
