"""Helpers of the ledger tests: households and visits through intake's API, and the ledger's answers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from shared.data.platform_tables import OutboxEvent
from shared.events.envelope import Envelope
from tests.factories.intake import TOWNSHIP, VILLAGE, register_household, visit_form_for
from tests.factories.visit_forms import valid_gps_fix, valid_income_amounts

# 2000 + 3000 + 1000 + 0 − 500 = 5500 for two members all year: 2750 per person, below the 8300 line.
BELOW_LINE_AMOUNTS = valid_income_amounts(production_income="2000", wage_income="3000", transfer_income="1000",
                                          property_income="0", production_expense="500")


def troubled_visit(household: dict, **overrides: Any) -> dict:
    """A home visit finding income below the line, unsafe housing and water, a risk, and a poor GPS fix."""
    return visit_form_for(
        household, income={"amounts": BELOW_LINE_AMOUNTS},
        guarantees={"dropout": False, "uninsured": False, "housing_unsafe": True, "water_unsafe": True},
        risk={"has_risk": True, "causes": ["illness"]},
        home_visit={"gps": valid_gps_fix(accuracy_m=65)}, **overrides)


# What such a visit of a general household raises: (rule code, level, type, pieces of evidence).
TROUBLED_PROBLEMS = {
    ("income.below_line_not_monitored", "household", "income", 1),
    ("identification.should_be_monitored", "village", "identification", 2),  # the risk, and the income
    ("guarantee.housing_unsafe", "household", "housing", 1),
    ("guarantee.water_unsafe", "household", "water", 1),
    ("finding.gps_low_accuracy", "village", "other", 1),
}


async def submit_visit(system, form: dict, *, org: str = VILLAGE) -> dict:
    response = await system.client.post("/intake/visits", json=form, headers=system.headers("village_cadre", org))
    assert response.status_code == 201, response.text
    return response.json()


async def registered_with_visit(system, form_builder=troubled_visit, **household_overrides: Any
                                ) -> tuple[dict, dict]:
    household = await register_household(system, **household_overrides)
    form = form_builder(household)
    await submit_visit(system, form)
    return household, form


async def problems_of(system, household_id: str, *, org: str = TOWNSHIP, role: str = "town_staff") -> list[dict]:
    response = await system.client.get("/ledger/problems", params={"limit": 500},
                                       headers=system.headers(role, org))
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["household_id"] == household_id]


def summary(problems: list[dict]) -> set[tuple]:
    return {(p["rule_code"], p["level"], p["problem_type"], p["evidence_count"]) for p in problems}


async def outbox_envelopes(system, service: str, *, household_id: str | None = None,
                           types: tuple[str, ...] = ()) -> list[Envelope]:
    """The events a service staged, in the order written, optionally those of one household."""
    async with system.runtimes[service].db.session() as session:
        rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at))).all()
    envelopes = [Envelope.model_validate(row.envelope) for row in rows]
    if types:
        envelopes = [e for e in envelopes if e.type in types]
    if household_id is not None:
        envelopes = [e for e in envelopes if str(e.payload.get("household_id")) == household_id]
    return envelopes


def republished(envelope: Envelope) -> Envelope:
    """The same event as a publisher that sent it again would: same content, a new event id."""
    return envelope.model_copy(update={"id": uuid.uuid4()})
