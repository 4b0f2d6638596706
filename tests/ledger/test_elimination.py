"""Risk elimination (风险消除) through the API: its conditions, its procedure, its rollback, and the
household's monitoring status following the cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.ledger.cases.endpoints import router as cases_router
from services.ledger.cases.models import CaseStep
from services.ledger.cases.repository import MonitoringRepository
from shared.domain.clock import SHANGHAI, clock
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.ledger import CaseClosed
from shared.events.envelope import Envelope
from shared.security.auth import system_principal
from tests.conftest import VILLAGE
from tests.factories.intake import register_household, visit_form_for
from tests.factories.ledger import (
    outbox_envelopes,
    problems_of,
    submit_visit,
    troubled_visit,
)
from tests.ledger.test_assistance import (
    PROTECTIVE,
    no_labour_members,
    plan_body,
    post_plan,
)
from tests.ledger.test_assistance import identified as identified_with_plan_due
from tests.ledger.test_cases import (
    admin,
    cadre,
    case_of,
    risky_case,
    staff,
    step,
    through_the_notice,
)

pytestmark = pytest.mark.asyncio


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


async def propose(system, household_id: str, on: str, *, expect: int = 201) -> dict:
    response = await system.client.post("/ledger/cases/eliminations", headers=cadre(system),
                                        json={"household_id": household_id, "started_on": on,
                                              "evidence_refs": ["scan-风险消除申请"]})
    assert response.status_code == expect, response.text
    return response.json()


async def category(system, household_id: str) -> str | None:
    response = await system.client.get(f"/ledger/households/{household_id}", headers=staff(system))
    assert response.status_code == 200, response.text
    return response.json()["category"]


async def income_assessed(system, household: dict, *, year: int, occurred_at: datetime, below: bool) -> None:
    """An assessment income made on ``occurred_at`` without a visit (a declaration), delivered to the ledger."""
    income = IncomeAssessed(assessment_id=uuid.uuid4(), household_id=uuid.UUID(household["id"]), org_code=VILLAGE,
                            year=year, basis="declaration", per_capita_net_income=Decimal("6000" if below else "15000"),
                            per_capita_after_compliant_expenses=None, bracket=None, below_monitoring_line=below,
                            in_low_income_group=False, ruleset_version="2024.1")
    envelope = Envelope(type="income.assessed", version=1, org_code=VILLAGE, source="income", occurred_at=occurred_at,
                        payload=income.model_dump(mode="json"))
    await system.runtimes["ledger"].consumer.deliver(envelope)


def clean_visit(household: dict, day: str) -> dict:
    """A visit finding no risk, every guarantee secured and income above the line."""
    return visit_form_for(household, visited_at=f"{day}T10:00:00+08:00")


async def identified(system) -> tuple[dict, dict]:
    """A household identified by the procedure on 16 September 2024, its status settled."""
    household, case = await risky_case(system)
    with clock.frozen(at("2024-09-19")):
        await through_the_notice(system, case["id"])
        await step(system, case["id"], "township_review", "2024-09-14", headers=staff(system))
        await step(system, case["id"], "county_approve", "2024-09-16", headers=admin(system),
                   monitoring_type="marginal")
    await system.settle()
    return household, case


async def eliminated(system) -> tuple[dict, dict]:
    """An identified household whose risk is eliminated on 30 October 2024 (the campaign asking one month)."""
    household, _ = await identified(system)
    [campaign] = (await system.client.get("/ledger/campaigns", headers=staff(system))).json()
    changed = await system.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(system),
                                        json={"elimination_income_months": 1})
    assert changed.status_code == 200, changed.text
    await submit_visit(system, clean_visit(household, "2024-09-20"))
    await system.settle()
    with clock.frozen(at("2024-11-01")):
        case = await propose(system, household["id"], "2024-10-21")
        for transition, on in (("verify", "2024-10-22"), ("appraise", "2024-10-23"), ("post_notice", "2024-10-24")):
            await step(system, case["id"], transition, on)
        await step(system, case["id"], "township_review", "2024-10-29", headers=staff(system))
        done = await step(system, case["id"], "county_approve", "2024-10-30", headers=admin(system))
    await system.settle()
    return household, done


async def test_an_elimination_is_refused_listing_every_unmet_condition_then_allowed(ledger):
    # A general household whose visit found a risk, income below the line and unsafe housing and water,
    # with its identification case open: every condition fails, and the answer lists each.
    troubled, _ = await risky_case(ledger)
    with clock.frozen(at("2024-09-10")):
        refused = await propose(ledger, troubled["id"], "2024-09-10", expect=409)
    assert refused["error"] == "Conflict"
    codes = [c["code"] for c in refused["conditions"]]
    assert codes == ["household.unresolved_monitoring_object", "income.above_line_long_enough",
                     "guarantees.secured", "risk.none_new"]
    messages = {c["code"]: c["message"] for c in refused["conditions"]}
    assert "其他一般农户" in messages["household.unresolved_monitoring_object"]
    assert "below the monitoring line" in messages["income.above_line_long_enough"]
    assert messages["guarantees.secured"] == "the latest visit (2024-09-05) found short: 住房安全有保障、饮水安全有保障"
    assert messages["risk.none_new"] == ("the latest visit (2024-09-05) still judges a risk; "
                                         "an open identification case")

    # A monitoring object of the register: income above the line since a declaration of 10 April 2024,
    # then a visit on 26 August judging a risk with the water unsafe.
    household = await register_household(ledger, household_kinds=["monitored"], risk_status="unresolved")
    await income_assessed(ledger, household, year=2023, occurred_at=at("2024-04-10"), below=False)
    await submit_visit(ledger, visit_form_for(
        household, visited_at="2024-08-26T10:00:00+08:00", risk={"has_risk": True, "causes": ["accident"]},
        guarantees={"dropout": False, "uninsured": False, "housing_unsafe": False, "water_unsafe": True}))
    await ledger.settle()
    assert await category(ledger, household["id"]) == "monitored_unresolved"
    with clock.frozen(at("2024-08-28")):
        early = await propose(ledger, household["id"], "2024-08-27", expect=409)
    assert [c["code"] for c in early["conditions"]] == ["income.above_line_long_enough", "guarantees.secured",
                                                        "risk.none_new"]
    # The income assessed from the August visit is dated by the visit, not by when it was processed.
    assert early["conditions"][0]["message"] == ("income has been above the line since 2024-04-10; 6 months before "
                                                 "2024-08-27 it must have been since 2024-02-27 at the latest")
    assert early["conditions"][1]["message"] == "the latest visit (2024-08-26) found short: 饮水安全有保障"
    assert early["conditions"][2]["message"] == "the latest visit (2024-08-26) still judges a risk"

    # In October a visit finds the risk gone and every guarantee secured: six months above the line.
    await submit_visit(ledger, clean_visit(household, "2024-10-15"))
    await ledger.settle()
    with clock.frozen(at("2024-10-21")):
        case = await propose(ledger, household["id"], "2024-10-20")
        again = await propose(ledger, household["id"], "2024-10-20", expect=200)  # the open case, not a second
    assert (case["kind"], case["state"], case["source"], case["started_on"], case["due_on"]) == (
        "elimination", "opened", "request", "2024-10-20", None)
    assert case["allowed_transitions"] == ["verify", "withdraw"]
    assert case["evidence"][0]["income_above_line_since"] == "2024-04-10"
    assert again["id"] == case["id"]
    [opened] = [e.payload for e in await outbox_envelopes(ledger, "ledger", household_id=household["id"],
                                                          types=("case.opened",))]
    assert (opened["kind"], opened["source"], opened["started_on"]) == ("elimination", "request", "2024-10-20")


async def test_the_months_of_income_come_from_the_campaign(ledger):
    household, _ = await identified(ledger)
    await submit_visit(ledger, clean_visit(household, "2024-09-20"))
    await ledger.settle()
    with clock.frozen(at("2024-10-22")):
        refused = await propose(ledger, household["id"], "2024-10-21", expect=409)  # six months by default
        assert [c["code"] for c in refused["conditions"]] == ["income.above_line_long_enough"]
        [campaign] = (await ledger.client.get("/ledger/campaigns", headers=staff(ledger))).json()
        assert campaign["elimination_income_months"] == 6
        await ledger.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(ledger),
                                  json={"elimination_income_months": 1})
        early = await propose(ledger, household["id"], "2024-10-19", expect=409)  # not yet a month
        allowed = await propose(ledger, household["id"], "2024-10-20")
    assert "since 2024-09-20" in early["conditions"][0]["message"]
    assert allowed["state"] == "opened"


async def test_an_elimination_waits_for_its_notice_closes_eliminated_and_the_status_follows(ledger):
    household, case = await identified(ledger)
    assert await category(ledger, household["id"]) == "monitored_unresolved"  # the register still says general
    # Identified: a new risk on a visit is the known one and opens no second identification.
    await submit_visit(ledger, troubled_visit(household, visited_at="2024-09-18T10:00:00+08:00"))
    await ledger.settle()
    assert (await case_of(ledger, household["id"]))["id"] == case["id"]

    [campaign] = (await ledger.client.get("/ledger/campaigns", headers=staff(ledger))).json()
    await ledger.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(ledger),
                              json={"elimination_income_months": 1})
    await submit_visit(ledger, clean_visit(household, "2024-09-20"))
    await ledger.settle()
    with clock.frozen(at("2024-11-01")):
        elimination = await propose(ledger, household["id"], "2024-10-21")
        await step(ledger, elimination["id"], "apply", "2024-10-22", expect=409)  # not a step of this table
        for transition, on in (("verify", "2024-10-22"), ("appraise", "2024-10-23"), ("post_notice", "2024-10-24")):
            await step(ledger, elimination["id"], transition, on)
        inside = await step(ledger, elimination["id"], "township_review", "2024-10-28", headers=staff(ledger),
                            expect=409)
        await step(ledger, elimination["id"], "township_review", "2024-10-29", headers=staff(ledger))
        await step(ledger, elimination["id"], "county_approve", "2024-10-30", headers=staff(ledger), expect=403)
        done = await step(ledger, elimination["id"], "county_approve", "2024-10-30", headers=admin(ledger))
    assert "2024-10-28" in inside["detail"] and "2024-10-29" in inside["detail"]  # five days, 24th to 28th
    assert (done["notice_starts_on"], done["notice_ends_on"]) == ("2024-10-24", "2024-10-28")
    assert (done["state"], done["outcome"], done["closed_on"], done["allowed_transitions"]) == (
        "eliminated", "eliminated", "2024-10-30", ["roll_back"])
    closed = [e.payload for e in await outbox_envelopes(ledger, "ledger", household_id=household["id"],
                                                        types=("case.closed",))]
    assert [(c["kind"], c["outcome"]) for c in closed] == [("identification", "identified"),
                                                           ("elimination", "eliminated")]
    assert await category(ledger, household["id"]) == "monitored_unresolved"  # until the event is consumed
    await ledger.settle()
    assert await category(ledger, household["id"]) == "monitored_resolved"


async def test_a_rollback_needs_the_village_s_explanation_and_makes_the_household_unresolved_again(ledger):
    household, done = await eliminated(ledger)
    assert await category(ledger, household["id"]) == "monitored_resolved"
    with clock.frozen(at("2024-11-08")):
        missing = await step(ledger, done["id"], "roll_back", "2024-11-05", expect=422)
        back = await step(ledger, done["id"], "roll_back", "2024-11-05",
                          explanation="复核发现家庭主要劳动力务工收入不稳定，风险消除依据不实")
        await step(ledger, done["id"], "roll_back", "2024-11-06", explanation="再次", expect=409)
    assert missing["fields"][0]["field"] == "body.explanation"
    assert (back["state"], back["state_label"], back["outcome"], back["closed_on"], back["allowed_transitions"]) == (
        "rolled_back", "已风险消除回退", "rolled_back", "2024-11-05", [])
    record = back["steps"][-1]
    assert (record["transition"], record["from_state"], record["to_state"], record["happened_on"],
            record["recorded_by_name"], record["place"], record["evidence_refs"]) == (
        "roll_back", "eliminated", "rolled_back", "2024-11-05", "王小村", "村委会", ["photo-roll_back"])
    assert record["details"] == {"explanation": "复核发现家庭主要劳动力务工收入不稳定，风险消除依据不实"}
    # The approval's step is still there, unchanged: the rollback is one more record, not an edit.
    assert [s["transition"] for s in back["steps"]] == ["verify", "appraise", "post_notice", "township_review",
                                                        "county_approve", "roll_back"]
    [closed] = [e.payload for e in await outbox_envelopes(ledger, "ledger", household_id=household["id"],
                                                          types=("case.closed",)) if e.payload["outcome"] == "rolled_back"]
    assert closed["reason"] == "复核发现家庭主要劳动力务工收入不稳定，风险消除依据不实"
    await ledger.settle()
    assert await category(ledger, household["id"]) == "monitored_unresolved"
    # Unresolved again: a new risk is the household's known one, and opens no identification.
    await submit_visit(ledger, troubled_visit(household, visited_at="2024-11-10T10:00:00+08:00"))
    await ledger.settle()
    listed = (await ledger.client.get("/ledger/cases", params={"household_id": household["id"],
                                                              "kind": "identification"}, headers=staff(ledger))).json()
    assert listed["total"] == 1


async def test_a_new_risk_after_elimination_opens_a_new_identification_and_the_old_one_no_longer_rolls_back(ledger):
    household, done = await eliminated(ledger)
    await submit_visit(ledger, troubled_visit(household, visited_at="2024-11-04T10:00:00+08:00"))
    await ledger.settle()
    listed = (await ledger.client.get("/ledger/cases", params={"household_id": household["id"],
                                                              "kind": "identification"}, headers=staff(ledger))).json()
    new = [c for c in listed["items"] if c["outcome"] is None]
    assert [(c["source"], c["started_on"], c["state"], c["due_on"]) for c in new] == [
        ("visit", "2024-11-04", "opened", "2024-11-19")]  # 风险再标注, with its own 15 days
    # The 农户类型 of the problems the visit raised is the one the cases decided, not the register's.
    [unstable] = [p for p in await problems_of(ledger, household["id"]) if p["rule_code"] == "elimination.unstable"]
    assert (unstable["category"], unstable["level"]) == ("monitored_resolved", "household")
    with clock.frozen(at("2024-11-08")):
        refused = await step(ledger, done["id"], "roll_back", "2024-11-05", explanation="复核不实", expect=409)
    assert "later case" in refused["detail"]


async def test_no_route_changes_or_removes_a_step_and_the_orm_refuses_to_even_for_a_rollback(ledger):
    methods = {method for route in cases_router.routes for method in route.methods}
    assert methods <= {"GET", "POST"}  # no PUT, PATCH or DELETE on cases or their steps
    household, done = await eliminated(ledger)
    with clock.frozen(at("2024-11-08")):
        await step(ledger, done["id"], "roll_back", "2024-11-05", explanation="复核不实")
    for change in ("update", "delete"):
        with pytest.raises(RuntimeError, match="never changed or removed"):
            async with ledger.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
                [record] = (await session.scalars(select(CaseStep).where(
                    CaseStep.case_id == uuid.UUID(done["id"]), CaseStep.transition == "roll_back"))).all()
                if change == "update":
                    record.details = {"explanation": "改写"}
                else:
                    await session.delete(record)
                await session.flush()
    kept = (await ledger.client.get(f"/ledger/cases/{done['id']}", headers=staff(ledger))).json()["steps"][-1]
    assert (kept["transition"], kept["details"]) == ("roll_back", {"explanation": "复核不实"})


async def test_the_status_holds_the_latest_decision_whatever_order_the_closed_cases_arrive_in(ledger):
    household_id = uuid.uuid4()

    def closed(outcome: str, closed_on: str, kind: str) -> Envelope:
        payload = CaseClosed(case_id=uuid.uuid4(), kind=kind, household_id=household_id, org_code=VILLAGE,
                             outcome=outcome, closed_on=closed_on, started_on="2024-09-05")
        return Envelope(type="case.closed", version=1, org_code=VILLAGE, source="ledger",
                        payload=payload.model_dump(mode="json"))

    async def status() -> tuple | None:
        async with ledger.runtimes["ledger"].db.transaction(system_principal("tests")) as session:
            row = await MonitoringRepository(session).get(household_id)
            return (row.category, row.outcome, row.decided_on.isoformat()) if row else None

    consumer = ledger.runtimes["ledger"].consumer
    await consumer.deliver(closed("rejected", "2024-09-10", "identification"))
    assert await status() is None  # a rejection decides nothing
    await consumer.deliver(closed("eliminated", "2024-10-30", "elimination"))
    await consumer.deliver(closed("identified", "2024-09-16", "identification"))  # older, arriving late
    assert await status() == ("monitored_resolved", "eliminated", "2024-10-30")
    await consumer.deliver(closed("withdrawn", "2024-11-02", "identification"))
    await consumer.deliver(closed("rolled_back", "2024-11-05", "elimination"))
    assert await status() == ("monitored_unresolved", "rolled_back", "2024-11-05")


async def test_a_whole_household_without_labour_on_protective_cover_is_never_eliminated(ledger):
    """Income above the line, guarantees secured, no new risk: still refused while the household, with no
    member able to work, lives on the protective cover of its plan (兜底保障)."""
    household, case = await identified_with_plan_due(ledger, members=no_labour_members())
    with clock.frozen(at("2024-09-21")):
        await post_plan(ledger, plan_body(case, measures=(PROTECTIVE,)))
    [campaign] = (await ledger.client.get("/ledger/campaigns", headers=staff(ledger))).json()
    changed = await ledger.client.patch(f"/ledger/campaigns/{campaign['id']}", headers=admin(ledger),
                                        json={"elimination_income_months": 1})
    assert changed.status_code == 200, changed.text
    await submit_visit(ledger, clean_visit(household, "2024-09-20"))
    await ledger.settle()
    with clock.frozen(at("2024-11-01")):
        refused = await propose(ledger, household["id"], "2024-10-21", expect=409)
    assert [c["code"] for c in refused["conditions"]] == ["protection.no_labour_covered"]
    assert "protective cover" in refused["conditions"][0]["message"]
