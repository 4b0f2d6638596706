"""The campaign's phase dates in the deadline registry, and a case closed without approval cancelling its deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import pytest_asyncio

from services.alerts.deadlines import service as deadlines
from services.ledger.campaigns.service import seed_packaged
from shared.domain.clock import SHANGHAI, clock
from shared.events.contracts.ledger import CampaignChanged
from shared.security.auth import system_principal
from tests.alerts.conftest import run_schedule
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.ledger import outbox_envelopes, registered_with_visit

pytestmark = pytest.mark.asyncio

PHASES = ("mobilisation_by", "visits_confirmed_by", "visits_checked_by", "rectification_by",
          "rectification_final_by")


@pytest_asyncio.fixture
async def with_campaigns(alerts):
    """The alerts system with the packaged 2024 campaign seeded in the ledger (and announced)."""
    async with alerts.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
        await seed_packaged(session)
    await alerts.settle()
    return alerts


def admin(system) -> dict:
    return system.headers("district_admin", DISTRICT, user_id="u-li")


async def registry(system, **params) -> list[dict]:
    response = await system.client.get("/alerts/deadlines", params={"limit": 200, **params}, headers=admin(system))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def phase_entries(system) -> dict[str, tuple[str, str]]:
    """The campaign's phase deadlines as {phase: (due_on, state)}."""
    return {d["kind"].removeprefix("campaign_"): (d["due_on"], d["state"]) for d in await registry(system)
            if d["subject_type"] == "campaign"}


async def scan(system, day: date) -> list[tuple[str, str]]:
    with clock.frozen(datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)):
        await run_schedule(system, "alerts.scan", day)
    response = await system.client.get("/alerts/alerts", params={"limit": 500}, headers=admin(system))
    return sorted((a["kind"], a["deadline_kind"]) for a in response.json()["items"])


async def test_a_seeded_campaign_puts_one_deadline_per_phase_date_in_the_registry_of_its_region(with_campaigns):
    [changed] = [e for e in await outbox_envelopes(with_campaigns, "ledger", types=("campaign.changed",))]
    assert (changed.payload["change"], changed.org_code) == ("seeded", DISTRICT)
    entries = await registry(with_campaigns)
    assert sorted((d["kind"], d["due_on"], d["org_code"], d["subject_id"]) for d in entries) == sorted(
        (f"campaign_{phase}", due, DISTRICT, changed.payload["campaign_id"])
        for phase, due in zip(PHASES, ("2024-08-25", "2024-09-12", "2024-09-20", "2024-09-20", "2024-10-31")))
    assert {d["basis"] for d in entries} == {f"campaign 2024 {phase}" for phase in PHASES}
    # Scoped like every deadline: the campaign's org unit is the district's, not a village's.
    village = await with_campaigns.client.get("/alerts/deadlines",
                                              headers=with_campaigns.headers("village_cadre", VILLAGE))
    assert village.json()["items"] == []


async def test_an_admin_moving_a_date_moves_its_entry_and_an_extension_equal_to_the_rectification_date_goes(
        with_campaigns):
    [campaign] = (await with_campaigns.client.get("/ledger/campaigns", headers=admin(with_campaigns))).json()
    moved = await with_campaigns.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(with_campaigns),
                                              json={"visits_checked_by": "2024-09-25", "rectification_by": "2024-09-25"})
    assert moved.status_code == 200, moved.text
    await with_campaigns.settle()
    entries = await phase_entries(with_campaigns)
    assert (entries["visits_checked_by"], entries["rectification_by"], entries["rectification_final_by"]) == (
        ("2024-09-25", "open"), ("2024-09-25", "open"), ("2024-10-31", "open"))
    no_extension = await with_campaigns.client.patch(f"/ledger/campaigns/{campaign['id']}",
                                                     headers=admin(with_campaigns),
                                                     json={"rectification_final_by": "2024-09-25"})
    assert no_extension.status_code == 200, no_extension.text
    await with_campaigns.settle()
    assert (await phase_entries(with_campaigns))["rectification_final_by"] == ("2024-10-31", "cancelled")
    extended = await with_campaigns.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(with_campaigns),
                                                 json={"rectification_final_by": "2024-11-15"})
    assert extended.status_code == 200
    await with_campaigns.settle()
    assert (await phase_entries(with_campaigns))["rectification_final_by"] == ("2024-11-15", "open")


async def test_a_phase_date_is_announced_before_it_and_passes_without_overdue_alerts(with_campaigns):
    assert await scan(with_campaigns, date(2024, 9, 11)) == [("due_soon", "campaign_visits_confirmed_by")]
    entries = await phase_entries(with_campaigns)
    assert entries["mobilisation_by"] == ("2024-08-25", "passed")  # gone by when first scanned: no alert
    assert entries["visits_confirmed_by"] == ("2024-09-12", "open")
    after = await scan(with_campaigns, date(2024, 9, 19))
    assert after == [("due_soon", "campaign_rectification_by"), ("due_soon", "campaign_visits_checked_by"),
                     ("due_soon", "campaign_visits_confirmed_by")]
    assert await scan(with_campaigns, date(2024, 11, 20)) == after  # all gone by: no overdue, no escalation
    assert {state for _, state in (await phase_entries(with_campaigns)).values()} == {"passed"}
    assert [d["kind"] for d in await registry(with_campaigns, state="passed")] != []


async def test_an_older_campaign_event_heard_late_changes_nothing(with_campaigns):
    [changed] = [e for e in await outbox_envelopes(with_campaigns, "ledger", types=("campaign.changed",))]
    stale = changed.read(CampaignChanged).model_copy(update={"visits_checked_by": date(2024, 9, 30)})
    async with with_campaigns.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.apply_campaign(session, event=stale, as_of=changed.occurred_at - timedelta(hours=1),
                                       source="ledger")
    assert (await phase_entries(with_campaigns))["visits_checked_by"] == ("2024-09-20", "open")


async def case_deadline(system, key: str, case_id: str, *, as_of: datetime) -> None:
    async with system.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.schedule(session, key=key, kind="identification_visit", subject_type="case",
                                 subject_id=case_id, org_code=VILLAGE, due=date(2024, 9, 30), source="ledger",
                                 basis="a deadline of the case besides its approval", rule_code="case.other",
                                 as_of=as_of)


async def test_a_withdrawn_case_cancels_its_open_deadlines_and_its_approval_clock_reads_as_the_ledger_met_it(
        with_campaigns):
    household, _ = await registered_with_visit(with_campaigns)
    await with_campaigns.settle()
    [case] = (await with_campaigns.client.get("/ledger/cases", params={"household_id": household["id"]},
                                              headers=with_campaigns.headers("town_staff", TOWNSHIP))).json()["items"]
    [approval] = await registry(with_campaigns, kind="identification_approval")
    assert (approval["subject_id"], approval["state"]) == (case["id"], "open")
    await case_deadline(with_campaigns, f"case:{case['id']}:other", case["id"], as_of=clock.now())
    withdrawn = await with_campaigns.client.post(
        f"/ledger/cases/{case['id']}/steps", headers=with_campaigns.headers("village_cadre", VILLAGE),
        json={"transition": "withdraw", "on": "2024-09-10", "place": "村委会", "reason": "农户撤回申请"})
    assert withdrawn.status_code == 200, withdrawn.text
    await with_campaigns.settle()
    states = {d["key"]: (d["state"], d["met_on"]) for d in await registry(with_campaigns)
              if d["subject_id"] == case["id"]}
    assert states == {f"case:{case['id']}:approval": ("met", "2024-09-10"),
                      f"case:{case['id']}:other": ("cancelled", None)}
    # An older deadline of the case heard after the closing is cancelled at once: nothing of it overdue.
    await case_deadline(with_campaigns, f"case:{case['id']}:late", case["id"],
                        as_of=clock.now() - timedelta(days=1))
    assert [kind for kind, deadline_kind in await scan(with_campaigns, date(2024, 12, 1))
            if not deadline_kind.startswith("campaign_")] == []
    # One scheduled after the closing (a newer event) stands.
    await case_deadline(with_campaigns, f"case:{case['id']}:reopened", case["id"],
                        as_of=clock.now() + timedelta(days=1))
    states = {d["key"]: d["state"] for d in await registry(with_campaigns) if d["subject_id"] == case["id"]}
    assert (states[f"case:{case['id']}:late"], states[f"case:{case['id']}:reopened"]) == ("cancelled", "open")


async def test_an_approved_case_keeps_its_deadlines(alerts):
    async with alerts.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.schedule(session, key="case:c1:plan", kind="assistance_plan", subject_type="case",
                                 subject_id="c1", org_code=VILLAGE, due=date(2024, 9, 30), source="ledger",
                                 basis="campaign 2024 plan_days", rule_code="assistance.plan_over_10_days",
                                 as_of=clock.now())
        for outcome, expected in (("identified", 0), ("eliminated", 0), ("rejected", 1)):
            cancelled = await deadlines.close_subject(session, subject_type="case", subject_id="c1", outcome=outcome,
                                                      closed_on=date(2024, 9, 20), org_code=VILLAGE,
                                                      as_of=clock.now())
            assert (outcome, cancelled) == (outcome, expected)


@pytest.mark.parametrize("closed_first", [True, False])
async def test_the_approval_clock_reads_as_met_whichever_event_of_the_closing_is_heard_first(alerts, closed_first):
    opened, closed = clock.now() - timedelta(days=5), clock.now()
    async with alerts.runtimes["alerts"].db.transaction(system_principal("tests")) as session:
        await deadlines.schedule(session, key="case:c2:approval", kind="identification_approval",
                                 subject_type="case", subject_id="c2", org_code=VILLAGE, due=date(2024, 9, 20),
                                 source="ledger", basis="campaign 2024 identification_days",
                                 rule_code="identification.over_15_days", as_of=opened)

        async def close() -> None:
            await deadlines.close_subject(session, subject_type="case", subject_id="c2", outcome="withdrawn",
                                          closed_on=date(2024, 9, 12), org_code=VILLAGE, as_of=closed)

        async def met() -> None:
            await deadlines.record_met(session, key="case:c2:approval", met_on=date(2024, 9, 12), late=False,
                                       as_of=closed, org_code=VILLAGE, source="ledger")

        for apply in ((close, met) if closed_first else (met, close)):
            await apply()
    [row] = await registry(alerts, kind="identification_approval")
    assert (row["state"], row["met_on"], row["met_late"]) == ("met", "2024-09-12", False)


async def test_the_operator_announces_stored_campaigns_again_and_the_registry_holds_one_entry_per_phase(
        with_campaigns):
    from shared.runtime.jobs import JobContext

    before = await registry(with_campaigns)
    runtime = with_campaigns.runtimes["ledger"]
    assert await runtime.definition.job("campaigns.announce").func(JobContext(runtime, as_of=None)) == {
        "announced": 1}
    await with_campaigns.settle()
    changes = [e.payload["change"] for e in await outbox_envelopes(with_campaigns, "ledger",
                                                                   types=("campaign.changed",))]
    assert changes == ["seeded", "announced"]
    after = await registry(with_campaigns)
    assert [(d["key"], d["due_on"], d["state"]) for d in after] == [(d["key"], d["due_on"], d["state"])
                                                                     for d in before]
