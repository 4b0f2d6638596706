"""Two cadres recording the plan of the same case, or revising it, at the same moment: one plan, one revision each.

As in ``test_case_concurrency``, the ledger runs alone on its own engine, committing for real, so the
two requests hold two connections; its tables are emptied afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime

import pytest
import pytest_asyncio

from services.ledger.campaigns.service import seed_packaged
from services.ledger.cases.models import Case
from shared.domain.clock import SHANGHAI, clock
from shared.domain.enums import Role
from shared.security.auth import issue_token, system_principal
from tests.live import live_service, scalar

pytestmark = pytest.mark.asyncio

VILLAGE = "500151108203"
LIVE_TABLES = ("ledger_problem_history", "ledger_plan_revisions", "ledger_assistance_plans", "ledger_problems",
               "ledger_cases", "ledger_campaigns", "audit_entries", "outbox_events")
MEASURE = {"type": "development", "content": "产业奖补", "helper_name": "刘志强", "helper_unit": "高楼镇",
           "starts_on": "2024-09-20"}


@pytest_asyncio.fixture
async def live_ledger(migrated_databases, platform_settings):
    async with live_service("ledger", migrated_databases["ledger"], platform_settings, seed=seed_packaged,
                            emptied=LIVE_TABLES) as runtime_and_client:
        yield runtime_and_client


async def identified_case(runtime) -> Case:
    async with runtime.db.transaction(system_principal("tests")) as session:
        case = Case(household_id=uuid.uuid4(), org_code=VILLAGE, kind="identification", state="identified",
                    source="application", started_on=date(2024, 9, 5), outcome="identified",
                    closed_on=date(2024, 9, 16), plan_due_on=date(2024, 9, 26), monitoring_type="marginal",
                    opened_by="tests", opened_by_name="tests")
        session.add(case)
    return case


async def test_two_plans_of_one_case_at_once_store_one_and_two_revisions_at_once_store_both(live_ledger):
    runtime, client = live_ledger
    with clock.frozen(datetime(2024, 9, 20, 9, 0, tzinfo=SHANGHAI)):
        cadres = [{"Authorization": "Bearer " + issue_token(runtime.platform, name=name, role=Role.VILLAGE_CADRE,
                                                            org_code=VILLAGE, user_id=f"u-{n}")}
                  for n, name in enumerate(("王一", "王二"))]
        for _ in range(3):  # several rounds: each must end with one plan whichever request wins
            case = await identified_case(runtime)
            body = {"case_id": str(case.id), "drawn_up_on": "2024-09-20", "helper_name": "刘志强",
                    "helper_unit": "高楼镇", "measures": [MEASURE]}
            responses = await asyncio.gather(*(client.post("/ledger/plans", json=body, headers=headers)
                                               for headers in cadres))
            assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]

        plan_id = next(r for r in responses if r.status_code == 201).json()["id"]
        revision = {"drawn_up_on": "2024-09-20", "helper_name": "刘志强", "helper_unit": "高楼镇",
                    "measures": [MEASURE], "reason": "补充措施"}
        revised = await asyncio.gather(*(client.post(f"/ledger/plans/{plan_id}/revisions", json=revision,
                                                     headers=headers) for headers in cadres))
        assert [r.status_code for r in revised] == [200, 200], [r.text for r in revised]
        assert sorted(r.json()["revision"] for r in revised) == [2, 3]  # the second waited for the first

    assert await scalar(runtime, "SELECT count(*) FROM ledger_assistance_plans") == 3
    assert await scalar(runtime, "SELECT count(*) FROM ledger_plan_revisions") == 5
    assert await scalar(runtime, "SELECT count(*) FROM outbox_events WHERE type = 'deadline.met'") == 3
