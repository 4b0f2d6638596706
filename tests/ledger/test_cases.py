"""The identification procedure through the API: opening, every step, the clocks, objections, the notice."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from services.ledger.cases.machine import MACHINES, mermaid
from shared.domain.clock import SHANGHAI, clock
from shared.domain.enums import Role
from shared.events.contracts.alerts import WarningVerified
from shared.events.envelope import Envelope
from shared.security.auth import issue_token
from tests.conftest import DISTRICT, TOWNSHIP, VILLAGE
from tests.factories.intake import visit_form_for
from tests.factories.ledger import (
    outbox_envelopes,
    problems_of,
    registered_with_visit,
    submit_visit,
    troubled_visit,
)

pytestmark = pytest.mark.asyncio

README = Path(__file__).resolve().parents[2] / "README.md"


def caller(system, role: str, org: str, name: str = "测试用户", user_id: str | None = None) -> dict:
    token = issue_token(system.settings, name=name, role=Role(role), org_code=org, user_id=user_id)
    return {"Authorization": f"Bearer {token}"}


def cadre(system):
    return caller(system, "village_cadre", VILLAGE, name="王小村", user_id="u-wang")


def staff(system):
    return caller(system, "town_staff", TOWNSHIP, name="张三", user_id="u-zhang")


def admin(system):
    return caller(system, "district_admin", DISTRICT, name="李区", user_id="u-li")


async def case_of(system, household_id: str) -> dict:
    response = await system.client.get("/ledger/cases", params={"household_id": household_id}, headers=staff(system))
    assert response.status_code == 200, response.text
    [case] = response.json()["items"]
    return case


async def step(system, case_id: str, transition: str, on: str, *, headers=None, expect: int = 200, **body):
    response = await system.client.post(f"/ledger/cases/{case_id}/steps", headers=headers or cadre(system),
                                        json={"transition": transition, "on": on, "place": "村委会",
                                              "evidence_refs": [f"photo-{transition}"], **body})
    assert response.status_code == expect, response.text
    return response.json()


async def risky_case(system) -> tuple[dict, dict]:
    """A general household whose visit on 5 September 2024 found a risk: its case, opened by the visit."""
    household, _ = await registered_with_visit(system)
    await system.settle()
    return household, await case_of(system, household["id"])


async def through_the_notice(system, case_id: str) -> None:
    """Application, verification, appraisal, and the notice posted on 9 September (its last day the 13th)."""
    for transition, on in (("apply", "2024-09-06"), ("verify", "2024-09-07"), ("appraise", "2024-09-08"),
                           ("post_notice", "2024-09-09")):
        await step(system, case_id, transition, on)


async def test_a_risk_found_on_a_visit_opens_one_case_from_the_visit_day_and_announces_its_clock(ledger):
    household, case = await risky_case(ledger)

    assert (case["source"], case["started_on"], case["state"], case["due_on"]) == (
        "visit", "2024-09-05", "opened", "2024-09-20")  # 15 calendar days, the campaign's clock
    assert (case["due_days"], case["due_unit"]) == (15, "calendar_days")
    # The income computed from the same visit (below the line) is evidence of the same case, not a second one.
    assert {e["key"].split(":")[0] for e in case["evidence"]} == {"visit", "assessment"}
    [opened] = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("case.opened",))]
    assert (opened["case_id"], opened["started_on"], opened["due_on"]) == (case["id"], "2024-09-05", "2024-09-20")
    [scheduled] = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("deadline.scheduled",))
                   if e.payload["key"].startswith("case:")]
    assert (scheduled["due"], scheduled["unit"], scheduled["amount"], scheduled["counted_from"]) == (
        "2024-09-20", "calendar_days", 15, "2024-09-05")

    await submit_visit(ledger, troubled_visit(household, visited_at="2024-09-07T10:00:00+08:00"))
    await ledger.settle()
    again = await case_of(ledger, household["id"])  # still one case, with the second visit's evidence
    assert (again["id"], again["started_on"]) == (case["id"], "2024-09-05")
    assert len([e for e in again["evidence"] if e["key"].startswith("visit:")]) == 2


async def test_a_case_through_every_step_on_time_is_identified_with_its_type_and_its_plan_due(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        await step(ledger, case["id"], "township_review", "2024-09-14", headers=staff(ledger))
        done = await step(ledger, case["id"], "county_approve", "2024-09-16", headers=admin(ledger),
                          monitoring_type="marginal")

    assert (done["state"], done["outcome"], done["monitoring_type"], done["closed_on"]) == (
        "identified", "identified", "marginal", "2024-09-16")
    assert (done["overdue"], done["days_over"], done["plan_due_on"], done["allowed_transitions"]) == (
        False, 0, "2024-09-26", [])
    assert (done["notice_starts_on"], done["notice_ends_on"]) == ("2024-09-09", "2024-09-13")
    steps = done["steps"]
    assert [(s["seq"], s["transition"], s["happened_on"]) for s in steps] == [
        (1, "apply", "2024-09-06"), (2, "verify", "2024-09-07"), (3, "appraise", "2024-09-08"),
        (4, "post_notice", "2024-09-09"), (5, "township_review", "2024-09-14"), (6, "county_approve", "2024-09-16")]
    assert (steps[0]["recorded_by_name"], steps[0]["place"], steps[0]["evidence_refs"]) == (
        "王小村", "村委会", ["photo-apply"])
    assert (steps[5]["recorded_by_name"], steps[5]["recorded_by_role"]) == ("李区", "district_admin")

    [closed] = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("case.closed",))]
    assert (closed["outcome"], closed["overdue"], closed["monitoring_type"]) == ("identified", False, "marginal")
    met = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("deadline.met",))]
    assert met == [{"key": f"case:{case['id']}:approval", "met_on": "2024-09-16", "late": False}]
    recorded = await outbox_envelopes(ledger, "ledger", types=("case.step_recorded",))
    assert sorted((e.payload["seq"], e.payload["transition"]) for e in recorded) == [
        (s["seq"], s["transition"]) for s in steps]
    plan = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("deadline.scheduled",))
            if e.payload["key"] == f"case:{case['id']}:plan"]
    assert [(p["due"], p["amount"], p["counted_from"]) for p in plan] == [("2024-09-26", 10, "2024-09-16")]


async def test_a_township_review_dated_inside_the_notice_is_refused_until_its_last_day_has_passed(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        refused = await step(ledger, case["id"], "township_review", "2024-09-13", headers=staff(ledger),
                             expect=409)
        assert "2024-09-13" in refused["detail"] and "2024-09-14" in refused["detail"]
        assert (await step(ledger, case["id"], "township_review", "2024-09-14",
                           headers=staff(ledger)))["state"] == "township_reviewed"


async def test_an_objection_during_the_notice_blocks_the_review_until_its_resolution_is_recorded(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        objected = await step(ledger, case["id"], "object", "2024-09-11", reason="村民反映该户收入情况需再核实")
        assert (objected["state"], objected["objection_open"]) == ("objected", True)

        blocked = await step(ledger, case["id"], "township_review", "2024-09-14", headers=staff(ledger), expect=409)
        assert blocked["error"] == "Conflict"
        assert "objected" in blocked["detail"] and "resolve_objection" in blocked["detail"]

        await step(ledger, case["id"], "resolve_objection", "2024-09-14", resolution="经再次入户核实，异议不成立")
        reviewed = await step(ledger, case["id"], "township_review", "2024-09-15", headers=staff(ledger))
    assert (reviewed["state"], reviewed["objection_open"]) == ("township_reviewed", False)


async def test_an_objection_after_the_notice_ended_is_refused(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        late = await step(ledger, case["id"], "object", "2024-09-14", reason="迟到的异议", expect=409)
    assert "2024-09-13" in late["detail"]


async def test_a_case_approved_on_day_16_is_overdue_visibly_and_files_the_15_day_rule(ledger):
    household, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 25, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        open_late = (await ledger.client.get("/ledger/cases", params={"overdue": "true"},
                                             headers=staff(ledger))).json()
        assert [c["id"] for c in open_late["items"]] == [case["id"]]  # past 20 September and still open
        await step(ledger, case["id"], "township_review", "2024-09-14", headers=staff(ledger))
        done = await step(ledger, case["id"], "county_approve", "2024-09-21", headers=admin(ledger),
                          monitoring_type="sudden_hardship")
        listed = (await ledger.client.get("/ledger/cases", params={"overdue": "true"}, headers=staff(ledger))).json()

    assert (done["state"], done["overdue"], done["days_over"]) == ("identified", True, 1)
    assert [c["id"] for c in listed["items"]] == [case["id"]]  # the overrun stays visible once closed
    met = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("deadline.met",))]
    assert met == [{"key": f"case:{case['id']}:approval", "met_on": "2024-09-21", "late": True}]
    [closed] = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("case.closed",))]
    assert closed["overdue"] is True
    [overrun] = [p for p in await problems_of(ledger, household["id"])
                 if p["rule_code"] == "identification.over_15_days"]
    assert (overrun["level"], overrun["problem_type"]) == ("village", "identification")
    assert "2024-09-21" in overrun["description"]


async def test_a_move_the_table_does_not_allow_is_a_409_naming_the_state_and_the_moves_allowed(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        refused = await step(ledger, case["id"], "appraise", "2024-09-06", expect=409)
    assert refused["detail"] == ("'appraise' is not allowed from opened (已发现风险); allowed from there: apply, "
                                 "withdraw")


async def test_a_step_dated_in_the_future_before_the_start_or_before_the_previous_step_is_refused(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 10, 9, 0, tzinfo=SHANGHAI)):
        future = await step(ledger, case["id"], "apply", "2024-09-11", expect=422)
        before_start = await step(ledger, case["id"], "apply", "2024-09-04", expect=422)
        await step(ledger, case["id"], "apply", "2024-09-08")
        backwards = await step(ledger, case["id"], "verify", "2024-09-07", expect=422)
        unchanged = (await ledger.client.get(f"/ledger/cases/{case['id']}", headers=staff(ledger))).json()
    assert "future" in future["detail"] and "before the case started" in before_start["detail"]
    assert "previous step (2024-09-08)" in backwards["detail"]
    assert (unchanged["state"], len(unchanged["steps"])) == ("applied", 1)


async def test_only_the_county_approves_and_a_rejection_needs_its_reason(ledger):
    _, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 19, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        await step(ledger, case["id"], "township_review", "2024-09-14", headers=cadre(ledger), expect=403)
        await step(ledger, case["id"], "township_review", "2024-09-14", headers=staff(ledger))
        await step(ledger, case["id"], "county_approve", "2024-09-15", headers=staff(ledger), expect=403,
                   monitoring_type="marginal")
        await step(ledger, case["id"], "county_reject", "2024-09-15", headers=admin(ledger), expect=422)
        rejected = await step(ledger, case["id"], "county_reject", "2024-09-15", headers=admin(ledger),
                              reason="家庭收入经核实高于监测范围")
    assert (rejected["state"], rejected["outcome"], rejected["steps"][-1]["details"]) == (
        "rejected", "rejected", {"reason": "家庭收入经核实高于监测范围"})


async def test_an_application_opens_a_case_on_its_day_with_the_green_channel_listed(ledger):
    household, _ = await registered_with_visit(ledger, form_builder=visit_form_for)  # no risk found
    await ledger.settle()
    assert (await ledger.client.get("/ledger/cases", params={"household_id": household["id"]},
                                    headers=staff(ledger))).json()["total"] == 0
    body = {"household_id": household["id"], "source": "application", "started_on": "2024-09-12",
            "risk_causes": ["accident"], "green_channel": True, "green_channel_reason": "车祸致家庭主要劳动力重伤"}
    with clock.frozen(datetime(2024, 9, 13, 9, 0, tzinfo=SHANGHAI)):
        response = await ledger.client.post("/ledger/cases", json=body, headers=cadre(ledger))
        again = await ledger.client.post("/ledger/cases", json=body, headers=cadre(ledger))
        future = await ledger.client.post("/ledger/cases", json=body | {"started_on": "2024-09-14"},
                                          headers=cadre(ledger))
        green = (await ledger.client.get("/ledger/cases", params={"green_channel": "true"},
                                         headers=staff(ledger))).json()
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["source"], case["started_on"], case["due_on"], case["green_channel"]) == (
        "application", "2024-09-12", "2024-09-27", True)
    assert (again.status_code, again.json()["id"]) == (200, case["id"])  # the open case, not a second one
    assert future.status_code == 422
    assert [c["id"] for c in green["items"]] == [case["id"]]


async def test_a_verified_warning_opens_a_case_from_the_day_it_was_received(ledger):
    household, _ = await registered_with_visit(ledger, form_builder=visit_form_for)  # no risk found
    await ledger.settle()
    warning = WarningVerified(warning_id=uuid.uuid4(), household_id=uuid.UUID(household["id"]), org_code=VILLAGE,
                              received_on=date(2024, 9, 27), signal_type="high_medical_costs",
                              verified_on=date(2024, 10, 8), verified_by="u-wang")
    envelope = Envelope(type="warning.verified", version=1, org_code=VILLAGE, source="alerts",
                        payload=warning.model_dump(mode="json"))
    await ledger.runtimes["ledger"].consumer.deliver(envelope)
    await ledger.runtimes["ledger"].consumer.deliver(envelope)  # delivered twice: one case, one piece of evidence

    case = await case_of(ledger, household["id"])
    assert (case["source"], case["started_on"], case["due_on"], len(case["evidence"])) == (
        "warning", "2024-09-27", "2024-10-12", 1)


async def test_the_notice_lists_the_village_s_cases_under_notice_and_the_printed_page_holds_nothing_sensitive(ledger):
    household, case = await risky_case(ledger)
    with clock.frozen(datetime(2024, 9, 10, 9, 0, tzinfo=SHANGHAI)):
        await through_the_notice(ledger, case["id"])
        listed = await ledger.client.get("/ledger/notices", params={"village": VILLAGE}, headers=cadre(ledger))
        page = await ledger.client.get("/ledger/notices/printable", params={"village": VILLAGE},
                                       headers=cadre(ledger))
    assert listed.status_code == 200, listed.text
    [entry] = listed.json()["entries"]
    head = household["members"][0]["name"]
    assert (entry["case_id"], entry["head_name"], entry["notice_starts_on"], entry["notice_ends_on"]) == (
        case["id"], head, "2024-09-09", "2024-09-13")
    assert entry["reason"] == "存在返贫致贫风险（刚性支出较大）"  # the visit said 因病: the notice does not

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert head in html and "2024-09-09 至 2024-09-13" in html
    assert "<title>石鱼村 公示</title>" in html and VILLAGE not in html  # the village's name, as the exports print it
    assert "<script" not in html and "http" not in html.replace('lang="zh-CN"', "")  # nothing fetched from outside
    assert not re.search(r"\d{17}[\dXx]", html), "an ID number"
    assert not re.search(r"\d{6}\*+\d{3}[\dXx]", html), "a masked ID number"
    assert not re.search(r"1[3-9]\d{9}|1[3-9]\d\*{4}\d{4}", html), "a phone"
    assert not re.search(r"\d{16,19}", html), "a bank account"
    for health in ("因病", "因残", "疾病", "残疾", "illness", "disability"):
        assert health not in html


async def test_the_procedure_is_served_as_data_and_the_readme_shows_the_diagram_generated_from_it(ledger):
    response = await ledger.client.get("/ledger/cases/procedure", headers=cadre(ledger))
    assert response.status_code == 200
    machines = {m["kind"]: m for m in response.json()["machines"]}
    identification = machines["identification"]
    assert identification["initial"] == "opened"
    assert {"name": "township_review", "label": "乡镇联合审核", "from": ["under_notice"], "to": "township_reviewed",
            "roles": ["town_staff", "district_admin"], "guards": ["notice_passed"], "effects": [],
            "requires": []} in identification["transitions"]
    elimination = machines["elimination"]
    assert {"name": "roll_back", "label": "风险消除回退", "from": ["eliminated"], "to": "rolled_back",
            "roles": ["village_cadre", "town_staff", "district_admin"], "guards": ["still_in_force"],
            "effects": ["close"], "requires": ["explanation"]} in elimination["transitions"]
    states = {s["code"]: s for s in elimination["states"]}
    assert "applied" not in states and not any("applied" in t["from"] for t in elimination["transitions"])
    assert (states["eliminated"]["outcome"], states["eliminated"]["terminal"]) == ("eliminated", False)
    assert (states["rolled_back"]["outcome"], states["rolled_back"]["terminal"]) == ("rolled_back", True)
    assert [c["code"] for c in response.json()["elimination_conditions"]] == [
        "household.unresolved_monitoring_object", "income.above_line_long_enough", "guarantees.secured",
        "risk.none_new", "protection.no_labour_covered"]
    readme = README.read_text("utf-8")
    for machine in MACHINES.values():
        assert f"```mermaid\n{mermaid(machine)}\n```" in readme, f"the README's {machine.kind} diagram is stale"
