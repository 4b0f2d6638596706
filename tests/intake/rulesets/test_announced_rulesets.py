"""A rule-set version a district admin adds in income screens intake's next visit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.intake.rulesets.models import HeardRuleSet
from shared.data.platform_tables import OutboxEvent
from shared.events.consumer import Outcome
from shared.events.envelope import Envelope
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.income import raised_2024
from tests.factories.intake import register_household, visit_form_for
from tests.factories.visit_forms import valid_income_amounts

pytestmark = pytest.mark.asyncio

# 2000 + 10000 + 5600 = 17600 for the two members of the household all year: 8800 per person, above the
# packaged 2024 line (8300) and at or under the raised one (9000).
AMOUNTS_8800 = valid_income_amounts(production_income="2000", wage_income="10000", transfer_income="5600",
                                    property_income="0", production_expense="0")


async def submit(system, form) -> list[tuple[str, str]]:
    response = await system.client.post("/intake/visits", json=form, headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 201, response.text
    return [(f["code"], f["field"].removeprefix("body.")) for f in response.json()["findings"]]


def bracket_visit(household, day: str) -> dict:
    return visit_form_for(household, visited_at=f"{day}T10:00:00+08:00", income={"bracket": "8300_10000"})


def amounts_visit(household, day: str) -> dict:
    return visit_form_for(household, visited_at=f"{day}T10:00:00+08:00", income={"amounts": AMOUNTS_8800})


async def test_a_raised_monitoring_line_added_in_income_screens_the_next_visit(intake):
    household = await register_household(intake)
    above = [("amounts_above_monitoring_line", "income.amounts")]
    assert await submit(intake, amounts_visit(household, "2024-09-01")) == above
    assert await submit(intake, bracket_visit(household, "2024-09-02")) == []  # 8800 is above 8300

    added = await intake.client.post("/income/rulesets", json=raised_2024(monitoring_line="9000"),
                                     headers=intake.headers("district_admin", DISTRICT))
    assert added.status_code == 201, added.text
    # Intake learns of the version from its announcement, not from income's table.
    assert await submit(intake, amounts_visit(household, "2024-09-03")) == above
    await intake.settle()

    findings = await submit(intake, bracket_visit(household, "2024-09-04"))
    assert findings == [("bracket_contradicts_amounts", "income.bracket")]  # 8800 is at or under 9000
    # below the line, as the form says (and with no risk judged, a lead for the ledger)
    assert await submit(intake, amounts_visit(household, "2024-09-05")) == [("income_below_line_without_risk", "income.amounts")]


async def test_the_announcement_is_kept_once_and_a_version_held_never_changes(intake):
    document = raised_2024(monitoring_line="9000")
    assert (await intake.client.post("/income/rulesets", json=document,
                                     headers=intake.headers("district_admin", DISTRICT))).status_code == 201
    async with intake.runtimes["income"].db.session() as session:
        [row] = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ruleset.published"))).all()
    envelope = Envelope.model_validate(row.envelope)
    assert (envelope.org_code, envelope.payload["year"], envelope.payload["region"], envelope.payload["version"]) == (
        DISTRICT, 2024, "500151", "2024.2")
    assert envelope.payload["document"]["monitoring_line"] == "9000.00"
    await intake.settle()
    consumer = intake.runtimes["intake"].consumer

    assert await consumer.deliver(envelope) == Outcome.DUPLICATE
    altered = envelope.model_copy(update={"id": uuid.uuid4(), "payload": {
        **envelope.payload, "document": {**envelope.payload["document"], "source": "altered in transit"}}})
    assert await consumer.deliver(altered) == Outcome.HANDLED

    async with intake.runtimes["intake"].db.session() as session:
        [held] = (await session.scalars(select(HeardRuleSet))).all()
    assert (held.year, held.region, held.version, held.org_code) == (2024, "500151", "2024.2", DISTRICT)
    assert held.event_id == envelope.id and held.document["source"] == document["source"]
