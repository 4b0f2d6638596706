"""Event contracts are plain data: an event recorded under older rules, or by a newer publisher, still reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import shared.events.contracts  # noqa: F401 - registers every contract
from shared.data.platform_tables import OutboxEvent
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.contracts.platform import BusProbe
from shared.events.envelope import (
    CONTRACTS,
    ContractViolation,
    Envelope,
    EventPayload,
    UnknownContract,
)
from shared.events.outbox import publish_all
from tests.conftest import VILLAGE
from tests.factories.income import visit_member, visit_submitted


def envelope_of(event_type: str, payload: dict) -> Envelope:
    return Envelope(type=event_type, version=1, org_code=VILLAGE, source="intake", payload=payload)


def loose_visit_payload() -> dict:
    """A visit.submitted as a looser form of an earlier year might have let it through."""
    payload = visit_submitted().model_dump(mode="json")
    # forest parts larger than the whole, a natural disaster without its type, a member's relation and a
    # key target group the enumerations no longer know
    payload["self_coping"] |= {"forest_land_mu": "1.00", "economic_forest_mu": "2.00", "ecological_forest_mu": "3.00"}
    payload["risk"] = {"has_risk": True, "causes": ["natural_disaster"]}
    payload["members"] = [visit_member(relation="foster_child", labour_capacity="semi")]
    payload["key_target_groups"] = ["returned_migrant_worker"]
    return payload


def test_a_visit_accepted_under_looser_rules_still_reads_with_its_codes_as_recorded():
    visit = envelope_of("visit.submitted", loose_visit_payload()).read(VisitSubmitted)

    assert (visit.self_coping.forest_land_mu, visit.self_coping.economic_forest_mu) == (1, 2)
    assert (visit.risk.causes, visit.risk.disaster_type) == (["natural_disaster"], None)
    assert (visit.members[0].relation, visit.members[0].labour_capacity) == ("foster_child", "semi")
    assert visit.key_target_groups == ["returned_migrant_worker"]


def test_a_reader_ignores_fields_it_does_not_know_at_any_depth():
    payload = IncomeAssessed.example | {"poverty_line_note": "added in place by a newer publisher"}
    assessed = envelope_of("income.assessed", payload).read(IncomeAssessed)
    assert assessed.per_capita_net_income == IncomeAssessed.model_validate(IncomeAssessed.example).per_capita_net_income
    assert "poverty_line_note" not in assessed.model_dump()

    visit = VisitSubmitted.example | {"weather": "小雨"}
    visit["income"] = visit["income"] | {"amounts": visit["income"]["amounts"] | {"gift_income": "500.00"}}
    read = envelope_of("visit.submitted", visit).read(VisitSubmitted)
    assert read.income.amounts.model_dump(mode="json") == VisitSubmitted.example["income"]["amounts"]


@pytest.mark.parametrize("key", sorted(CONTRACTS), ids=[f"{name}.v{version}" for name, version in sorted(CONTRACTS)])
def test_every_contract_has_an_example_that_reads_back_unchanged(key):
    # Unknown fields are ignored on reading, so an example with a misspelt field would read: compare the
    # JSON both ways instead.
    model = CONTRACTS[key]
    assert model.model_validate(model.example).model_dump(mode="json") == model.example


def test_an_envelope_is_read_as_the_contract_registered_for_its_type_and_version():
    assert isinstance(envelope_of("income.assessed", IncomeAssessed.example).read(), IncomeAssessed)
    with pytest.raises(ValueError, match="visit.submitted v1 is VisitSubmitted, not IncomeAssessed"):
        envelope_of("visit.submitted", VisitSubmitted.example).read(IncomeAssessed)
    later = Envelope(type="visit.submitted", version=2, org_code=VILLAGE, source="intake",
                     payload=VisitSubmitted.example)
    with pytest.raises(UnknownContract, match="no contract is registered for visit.submitted v2"):
        later.read(VisitSubmitted)


class UnregisteredNotice(EventPayload):
    note: str


class MislabelledProbe(BusProbe):
    """Inherits platform.probe v1 without being its registered contract."""


async def outbox_rows(system) -> int:
    async with system.runtimes["intake"].db.session() as session:
        return await session.scalar(select(func.count()).select_from(OutboxEvent))


@pytest.mark.asyncio
@pytest.mark.parametrize("bad, error, message", [
    (UnregisteredNotice(note="x"), UnknownContract, "UnregisteredNotice is not registered as a contract"),
    (MislabelledProbe(origin="intake"), ContractViolation, "platform.probe v1 is BusProbe, not MislabelledProbe"),
    (IncomeAssessed.model_construct(**(IncomeAssessed.example | {"year": "二〇二四"})), ContractViolation,
     "income.assessed v1 does not read back as its contract"),
], ids=["unregistered", "subclass", "does_not_fit"])
async def test_publishing_what_is_not_the_registered_contract_raises_and_stages_nothing(system, bad, error,
                                                                                         message):
    good = IncomeAssessed.model_validate(IncomeAssessed.example)
    with pytest.raises(error, match=message):
        async with system.runtimes["intake"].db.transaction() as session:
            await publish_all(session, [(good, VILLAGE), (bad, VILLAGE)], source="intake")
            await session.flush()
    assert await outbox_rows(system) == 0
