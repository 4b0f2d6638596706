"""visit.submitted → a stored assessment and one income.assessed, however often the event arrives."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from services.income.assessments.models import Assessment
from services.income.pending_visits.models import PendingVisit
from shared.data.platform_tables import FailedEvent, InboxRecord
from shared.events.consumer import Outcome
from tests.factories.income import (
    amounts_income,
    assessments_of,
    income_events,
    publish_visit,
    visit_member,
    visit_submitted,
)

pytestmark = pytest.mark.asyncio


async def test_bracket_visit_is_stored_and_announced_once_even_when_delivered_twice(system):
    visit = visit_submitted()  # ticked 16000_20000
    envelope = await publish_visit(system, visit)
    await system.settle()
    consumer = system.runtimes["income"].consumer

    assert await consumer.deliver(envelope) == Outcome.DUPLICATE
    await system.transport.send(envelope)
    await system.settle()

    [assessment] = await assessments_of(system, visit.household_id)
    assert (assessment.basis, assessment.origin, assessment.bracket) == ("bracket", "visit", "16000_20000")
    assert (assessment.year, assessment.ruleset_version, assessment.source_visit_id) == (2024, "2024.1",
                                                                                          visit.visit_id)
    assert assessment.per_capita_net_income is None
    assert (assessment.below_monitoring_line, assessment.in_low_income_group) == (False, False)
    assert assessment.classification_certain is True
    assert assessment.inputs == {"bracket": "16000_20000", "below_13000": None,
                                 "ticked_under": {"year": 2024, "region": "500151", "version": "2024.1"}}
    [event] = await income_events(system, visit.household_id)
    payload = event["payload"]
    assert event["source"] == "income" and event["org_code"] == visit.org_code
    assert (payload["basis"], payload["bracket"], payload["ruleset_version"]) == ("bracket", "16000_20000", "2024.1")
    assert payload["source_visit_id"] == str(visit.visit_id)
    assert payload["income_class"] == "above_low_income_line"


async def test_amounts_visit_is_computed_with_the_members_months(system):
    # A 6200 + B 9800.50 + C 3120 + D 0 − E 2100 = 17020.50 over 12 + 7 months → 17020.50 × 12 / 19
    # = 10749.789… → 10749.79: bracket 10000_12000, in the low-income group
    visit = visit_submitted(income=amounts_income(), members=[visit_member(12), visit_member(7, name="张小燕")])
    await publish_visit(system, visit)
    await system.settle()

    [assessment] = await assessments_of(system, visit.household_id)
    assert (assessment.basis, assessment.member_months, assessment.net_income) == ("amounts", 19,
                                                                                   Decimal("17020.50"))
    assert assessment.per_capita_net_income == Decimal("10749.79")
    assert (assessment.bracket, assessment.below_monitoring_line, assessment.in_low_income_group) == (
        "10000_12000", False, True)
    assert [m["months_in_household"] for m in assessment.inputs["members"]] == [12, 7]
    assert all(m["name"] is None for m in assessment.inputs["members"])  # names stay with intake
    [event] = await income_events(system, visit.household_id)
    assert event["payload"]["per_capita_net_income"] == "10749.79"
    assert event["payload"]["basis"] == "amounts"


async def test_split_bracket_answered_below_13000_is_low_income(system):
    visit = visit_submitted(income={"bracket": "12000_16000", "below_13000": True})
    await system.runtimes["income"].consumer.deliver(await publish_visit(system, visit))

    [assessment] = await assessments_of(system, visit.household_id)
    assert (assessment.in_low_income_group, assessment.below_13000, assessment.income_class) == (
        True, True, "low_income_group")


async def test_a_replay_after_the_inbox_lost_the_event_still_stores_one_assessment(system):
    visit = visit_submitted(income=amounts_income())
    envelope = await publish_visit(system, visit)
    consumer = system.runtimes["income"].consumer
    assert await consumer.deliver(envelope) == Outcome.HANDLED
    async with system.runtimes["income"].db.transaction() as session:
        await session.execute(delete(InboxRecord).where(InboxRecord.event_id == envelope.id))

    assert await consumer.deliver(envelope) == Outcome.HANDLED
    assert len(await assessments_of(system, visit.household_id)) == 1
    assert len(await income_events(system, visit.household_id)) == 1


async def test_the_income_year_is_the_rule_set_whose_window_holds_the_visit_date(system):
    # 30 September 2024 at 23:30 in Shanghai is the last day of the 2024 income year (1 Oct 2023 –
    # 30 Sep 2024); 16:30 UTC that day is already 1 October in Shanghai, which no rule set covers.
    inside = visit_submitted(visited_at="2024-09-30T23:30:00+08:00")
    late_utc = visit_submitted(visited_at="2024-09-30T16:30:00+00:00")  # 1 October 00:30 in Shanghai
    consumer = system.runtimes["income"].consumer

    assert await consumer.deliver(await publish_visit(system, inside)) == Outcome.HANDLED
    assert await consumer.deliver(await publish_visit(system, late_utc)) == Outcome.HANDLED

    assert [a.year for a in await assessments_of(system, inside.household_id)] == [2024]
    assert await assessments_of(system, late_utc.household_id) == []
    async with system.runtimes["income"].db.session() as session:
        [pending] = (await session.scalars(select(PendingVisit))).all()
        assert await session.scalar(select(func.count()).select_from(FailedEvent)) == 0
    assert (pending.visit_id, pending.visited_on) == (late_utc.visit_id, date(2024, 10, 1))
    assert "income year containing 2024-10-01" in pending.reason


async def test_a_later_visit_takes_over_and_a_late_older_one_does_not(system):
    household = uuid.uuid4()
    first = visit_submitted(household_id=household, visited_at="2024-08-20T09:00:00+08:00")
    second = visit_submitted(household_id=household, visited_at="2024-09-10T09:00:00+08:00",
                             income={"bracket": "20000_30000"})
    older = visit_submitted(household_id=household, visited_at="2024-08-01T09:00:00+08:00",
                            income={"bracket": "10000_12000"})
    for visit in (first, second, older):
        await publish_visit(system, visit)
        await system.settle()

    rows = {row.source_visit_id: row for row in await assessments_of(system, household)}
    assert [rows[v.visit_id].is_latest for v in (first, second, older)] == [False, True, False]
    events = await income_events(system, household)
    assert [e["payload"]["is_latest"] for e in events] == [True, True, False]


async def test_a_household_of_size_zero_is_a_recorded_failure_not_an_assessment(system):
    visit = visit_submitted(income=amounts_income(), members=[visit_member(0)])
    outcome = await system.runtimes["income"].consumer.deliver(await publish_visit(system, visit))

    assert outcome == Outcome.FAILED
    async with system.runtimes["income"].db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Assessment)) == 0


async def test_a_visit_recorded_under_looser_rules_is_still_assessed_with_the_same_figures(system):
    # Answers today's form refuses (forest parts beyond the whole, a disaster without its type) and
    # codes the enumerations no longer hold must not stop the income figure, which needs none of them.
    visit = visit_submitted(
        income=amounts_income(),
        members=[visit_member(12, relation="foster_child"), visit_member(7, name="张小燕", labour_capacity="semi")],
        risk={"has_risk": True, "causes": ["natural_disaster"]},
        key_target_groups=["returned_migrant_worker"],
    )
    visit.self_coping.economic_forest_mu = Decimal("9.00")
    assert await system.runtimes["income"].consumer.deliver(await publish_visit(system, visit)) == Outcome.HANDLED

    [assessment] = await assessments_of(system, visit.household_id)
    assert (assessment.member_months, assessment.per_capita_net_income, assessment.bracket) == (
        19, Decimal("10749.79"), "10000_12000")


async def test_a_bracket_this_service_does_not_know_is_a_recorded_failure(system):
    visit = visit_submitted(income={"bracket": "8000_9000"})
    outcome = await system.runtimes["income"].consumer.deliver(await publish_visit(system, visit))

    assert outcome == Outcome.FAILED
    async with system.runtimes["income"].db.session() as session:
        failure = (await session.scalars(select(FailedEvent))).one()
    assert "bracket '8000_9000' is not a bracket this service knows" in failure.error
