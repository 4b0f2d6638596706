"""Visits and assessments raise exactly the expected suspected problems, once, whatever the delivery order."""

from __future__ import annotations

import pytest

from tests.conftest import TOWNSHIP
from tests.factories.intake import register_household, visit_form_for
from tests.factories.ledger import (
    TROUBLED_PROBLEMS,
    outbox_envelopes,
    problems_of,
    registered_with_visit,
    republished,
    submit_visit,
    summary,
)

pytestmark = pytest.mark.asyncio
SOURCES = ("household.changed", "visit.submitted", "income.assessed")


async def recorded_events(system, household_id: str) -> list:
    return await outbox_envelopes(system, "ledger", household_id=household_id, types=("problem.recorded",))


async def test_a_troubled_visit_raises_each_expected_problem_once(ledger):
    household, form = await registered_with_visit(ledger)
    await ledger.settle()

    problems = await problems_of(ledger, household["id"])
    assert summary(problems) == TROUBLED_PROBLEMS
    assert len(await recorded_events(ledger, household["id"])) == len(TROUBLED_PROBLEMS)
    water = next(p for p in problems if p["rule_code"] == "guarantee.water_unsafe")
    assert (water["status"], water["source"], water["head_name"], water["group_name"], water["category"]) == (
        "suspected", "rule", "张德明", "1社", "general")
    assert water["problem_type_label"] == "⑤饮水安全"
    finding = next(p for p in problems if p["rule_code"] == "finding.gps_low_accuracy")
    assert finding["source"] == "visit" and "65" in finding["description"]


async def test_every_event_delivered_twice_in_reverse_and_sent_again_still_raises_each_problem_once(ledger):
    consumer = ledger.runtimes["ledger"].consumer
    handlers, consumer.handlers = consumer.handlers, []  # the ledger hears nothing while intake and income work
    household, _ = await registered_with_visit(ledger)
    await ledger.settle()
    consumer.handlers = handlers
    sources = [*await outbox_envelopes(ledger, "intake", household_id=household["id"], types=SOURCES),
               *await outbox_envelopes(ledger, "income", household_id=household["id"], types=SOURCES)]
    sources.sort(key=lambda envelope: envelope.occurred_at)
    assert [e.type for e in sources] == ["household.changed", "visit.submitted", "income.assessed"]
    assert await problems_of(ledger, household["id"]) == []

    for envelope in [*reversed(sources), *reversed(sources)]:
        await consumer.deliver(envelope)
    for envelope in sources:  # the publishers send every event again, under new ids
        await consumer.deliver(republished(envelope))

    assert summary(await problems_of(ledger, household["id"])) == TROUBLED_PROBLEMS
    assert len(await recorded_events(ledger, household["id"])) == len(TROUBLED_PROBLEMS)


async def test_an_unresolved_monitoring_object_is_not_raised_as_unmonitored_but_for_its_development_measure(ledger):
    household, _ = await registered_with_visit(ledger, household_kinds=["poverty_alleviated", "monitored"],
                                               risk_status="unresolved", key_target_groups=["monitored"])
    await ledger.settle()

    assert summary(await problems_of(ledger, household["id"])) == {
        ("development.no_measure", "household", "development_assistance", 1),
        ("guarantee.housing_unsafe", "household", "housing", 1),
        ("guarantee.water_unsafe", "household", "water", 1),
        ("finding.gps_low_accuracy", "village", "other", 1),
    }


async def test_a_new_risk_after_elimination_raises_risk_elimination_and_identification(ledger):
    household = await register_household(ledger, household_kinds=["poverty_alleviated", "monitored"],
                                         risk_status="resolved", key_target_groups=["monitored"])
    await submit_visit(ledger, visit_form_for(household, risk={"has_risk": True, "causes": ["accident"]}))
    await ledger.settle()

    problems = await problems_of(ledger, household["id"])
    assert {p["rule_code"] for p in problems} == {"elimination.unstable", "identification.should_be_monitored"}
    elimination = next(p for p in problems if p["rule_code"] == "elimination.unstable")
    assert elimination["category"] == "monitored_resolved" and "因意外事故" in elimination["description"]


async def test_a_quiet_visit_raises_nothing(ledger):
    household = await register_household(ledger)
    await submit_visit(ledger, visit_form_for(household))
    await ledger.settle()
    assert await problems_of(ledger, household["id"]) == []
    view = await ledger.client.get(f"/ledger/households/{household['id']}",
                                   headers=ledger.headers("town_staff", TOWNSHIP))
    assert view.status_code == 200, view.text
    assert (view.json()["category"], view.json()["head_name"], view.json()["income_below_line"]) == (
        "general", "张德明", False)
