"""Verification, rectification deadlines from the campaign, maker-checker closing, reopening and history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from shared.domain.clock import SHANGHAI, clock
from shared.domain.enums import Role
from shared.security.auth import issue_token
from tests.conftest import TOWNSHIP, VILLAGE
from tests.factories.intake import visit_form_for
from tests.factories.ledger import (
    outbox_envelopes,
    problems_of,
    registered_with_visit,
    republished,
    submit_visit,
)

pytestmark = pytest.mark.asyncio


SEPTEMBER_10 = datetime(2024, 9, 10, 9, 0, tzinfo=SHANGHAI)


def caller(system, role: str, org: str, name: str = "测试用户", user_id: str | None = None) -> dict:
    # Issued on the service clock, so a token made on a day the test sets is valid on that day.
    token = issue_token(system.settings, name=name, role=Role(role), org_code=org, user_id=user_id)
    return {"Authorization": f"Bearer {token}"}


def staff(system, name: str = "张三", user_id: str = "u-zhangsan") -> dict:
    return caller(system, "town_staff", TOWNSHIP, name=name, user_id=user_id)


@pytest_asyncio.fixture
async def in_the_campaign(ledger):
    """A suspected water problem raised by a visit, then the service clock on 10 September 2024."""
    problem = await water_problem(ledger)
    with clock.frozen(SEPTEMBER_10):
        yield problem


async def water_problem(system) -> dict:
    household, form = await registered_with_visit(system)
    await system.settle()
    problems = await problems_of(system, household["id"])
    return next(p for p in problems if p["rule_code"] == "guarantee.water_unsafe") | {"_form": form,
                                                                                      "_household": household}


async def confirm(system, problem_id: str, **body) -> dict:
    response = await system.client.post(f"/ledger/problems/{problem_id}/verification", headers=staff(system),
                                        json={"result": "confirmed", "measures": "接通水厂自来水",
                                              "responsible_unit": "西河镇", **body})
    assert response.status_code == 200, response.text
    return response.json()


async def item(system, rectification_id: str) -> dict:
    response = await system.client.get(f"/ledger/rectifications/{rectification_id}", headers=staff(system))
    assert response.status_code == 200, response.text
    return response.json()


async def deadlines(system, kind: str) -> list[dict]:
    """The rectification deadlines published (the visit's risk also opened a case, with a clock of its own)."""
    return [e.payload for e in await outbox_envelopes(system, "ledger", types=(kind,))
            if e.payload["key"].startswith("rectification:")]


async def test_confirming_opens_the_rectification_due_by_the_campaign_date(ledger, in_the_campaign):
    problem = in_the_campaign
    verified = await confirm(ledger, problem["id"])

    assert (verified["status"], verified["verification_result"]) == ("confirmed", "confirmed")
    rectification = await item(ledger, verified["rectification_id"])
    assert (rectification["due_on"], rectification["status"], rectification["measures"]) == (
        "2024-09-20", "in_progress", "接通水厂自来水")
    [scheduled] = await deadlines(ledger, "deadline.scheduled")
    assert (scheduled["key"], scheduled["due"], scheduled["org_code"], scheduled["rule_code"]) == (
        f"rectification:{rectification['id']}", "2024-09-20", VILLAGE, "rectification.by_campaign_date")
    assert scheduled["subject"] == {"type": "rectification", "id": rectification["id"]}
    [published] = [e.payload for e in await outbox_envelopes(ledger, "ledger", types=("problem.verified",))]
    assert (published["result"], published["rectification_id"]) == ("confirmed", rectification["id"])


async def test_an_immediate_item_is_due_the_next_day_counted_in_the_campaign_s_unit(ledger, in_the_campaign):
    problem = in_the_campaign
    verified = await confirm(ledger, problem["id"], immediate=True)
    assert (await item(ledger, verified["rectification_id"]))["due_on"] == "2024-09-11"
    [scheduled] = await deadlines(ledger, "deadline.scheduled")
    assert (scheduled["unit"], scheduled["amount"], scheduled["counted_from"], scheduled["rule_code"]) == (
        "calendar_days", 1, "2024-09-10", "rectification.immediate")


async def test_an_extension_past_the_campaign_s_final_date_is_refused_naming_the_limit(ledger, in_the_campaign):
    rectification_id = (await confirm(ledger, in_the_campaign["id"]))["rectification_id"]
    url = f"/ledger/rectifications/{rectification_id}/extension"

    late = await ledger.client.post(url, json={"due_on": "2024-11-01", "reason": "雨季施工"}, headers=staff(ledger))
    assert late.status_code == 422, late.text
    assert late.json()["fields"][0]["field"] == "body.due_on"
    assert "2024-10-31" in late.json()["detail"]

    extended = await ledger.client.post(url, json={"due_on": "2024-10-31", "reason": "雨季施工"}, headers=staff(ledger))
    assert extended.status_code == 200, extended.text
    assert (extended.json()["due_on"], extended.json()["extended"]) == ("2024-10-31", True)
    # Both in one frozen instant of the test clock: their order in the outbox is not defined.
    assert sorted(d["due"] for d in await deadlines(ledger, "deadline.scheduled")) == ["2024-09-20", "2024-10-31"]
    again = await ledger.client.post(url, json={"due_on": "2024-10-30", "reason": "再延"}, headers=staff(ledger))
    assert again.status_code == 409


async def test_closing_needs_township_staff_other_than_who_completed_it(ledger, in_the_campaign):
    rectification_id = (await confirm(ledger, in_the_campaign["id"]))["rectification_id"]
    base = f"/ledger/rectifications/{rectification_id}"
    noted = await ledger.client.post(f"{base}/progress", json={"note": "管道已铺设一半"}, headers=staff(ledger))
    assert noted.status_code == 200 and noted.json()["progress"][0]["note"] == "管道已铺设一半"

    incomplete = await ledger.client.post(f"{base}/completion", json={"result": "已接通", "evidence_refs": []},
                                          headers=staff(ledger))
    assert incomplete.status_code == 422
    done = await ledger.client.post(f"{base}/completion", headers=staff(ledger),
                                    json={"result": "水厂自来水已接通到户", "evidence_refs": ["photo-0912-01.jpg"]})
    assert done.status_code == 200, done.text
    [met] = await deadlines(ledger, "deadline.met")
    assert (met["key"], met["met_on"], met["late"]) == (f"rectification:{rectification_id}", "2024-09-10", False)

    by_cadre = await ledger.client.post(f"{base}/closure", headers=caller(ledger, "village_cadre", VILLAGE))
    assert by_cadre.status_code == 403
    by_completer = await ledger.client.post(f"{base}/closure", headers=staff(ledger))
    assert by_completer.status_code == 403
    assert "second" in by_completer.json()["detail"]
    closed = await ledger.client.post(f"{base}/closure", headers=staff(ledger, name="李四", user_id="u-lisi"))
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_by_name"]) == ("closed", "李四")

    bare = await ledger.client.post(f"{base}/reopening", json={}, headers=staff(ledger))
    assert bare.status_code == 422
    reopened = await ledger.client.post(f"{base}/reopening", json={"reason": "回头看发现又断水"}, headers=staff(ledger))
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"

    problem_id = closed.json()["problem_id"]
    history = (await ledger.client.get(f"/ledger/problems/{problem_id}", headers=staff(ledger))).json()["history"]
    assert [h["action"] for h in history] == [
        "recorded", "verified", "rectification_opened", "progress_noted", "rectification_completed",
        "rectification_closed", "rectification_reopened"]
    assert history[-1]["note"] == "回头看发现又断水" and history[-2]["actor_name"] == "李四"
    assert history[1]["changes"] == {"status": ["suspected", "confirmed"]}


async def test_not_a_problem_needs_a_reason_and_is_not_raised_again_by_the_same_evidence(ledger):
    problem = await water_problem(ledger)
    url = f"/ledger/problems/{problem['id']}/verification"
    bare = await ledger.client.post(url, json={"result": "not_a_problem"}, headers=staff(ledger))
    assert bare.status_code == 422
    answered = await ledger.client.post(url, json={"result": "not_a_problem", "reason": "已接通，系录入错误"},
                                        headers=staff(ledger))
    assert answered.status_code == 200 and answered.json()["status"] == "not_a_problem"
    assert answered.json()["rectification_id"] is None

    [visit] = await outbox_envelopes(ledger, "intake", household_id=problem["household_id"], types=("visit.submitted",))
    await ledger.runtimes["ledger"].consumer.deliver(republished(visit))
    again = (await ledger.client.get(f"/ledger/problems/{problem['id']}", headers=staff(ledger))).json()
    assert (again["status"], again["evidence_count"]) == ("not_a_problem", 1)

    later = visit_form_for(problem["_household"], visited_at="2024-09-15T10:00:00+08:00",
                           guarantees={"dropout": False, "uninsured": False, "housing_unsafe": False,
                                       "water_unsafe": True})
    await submit_visit(ledger, later)
    await ledger.settle()
    raised = (await ledger.client.get(f"/ledger/problems/{problem['id']}", headers=staff(ledger))).json()
    assert (raised["status"], raised["evidence_count"]) == ("suspected", 2)
    assert raised["history"][-1]["action"] == "reraised"


async def test_a_problem_recorded_by_hand_takes_the_household_from_the_ledger_s_view(ledger):
    problem = await water_problem(ledger)
    body = {"level": "household", "problem_type": "satisfaction", "household_id": problem["household_id"],
            "description": "对帮扶联系人走访频次不满意", "remarks": "=SUM(A1)"}
    created = await ledger.client.post("/ledger/problems", json=body, headers=ledger.headers("village_cadre", VILLAGE,
                                                                                            name="王小村"))
    assert created.status_code == 201, created.text
    got = created.json()
    assert (got["source"], got["head_name"], got["category"], got["recorded_by_name"]) == (
        "manual", "张德明", "general", "王小村")
    wrong_type = await ledger.client.post("/ledger/problems", json=body | {"problem_type": "secretary_visits"},
                                          headers=staff(ledger))
    assert wrong_type.status_code == 422 and wrong_type.json()["fields"][0]["field"] == "body.problem_type"
    village = await ledger.client.post("/ledger/problems", headers=staff(ledger), json={
        "level": "village", "problem_type": "policy_publicity", "org_code": VILLAGE,
        "description": "明白纸未发放到户"})
    assert village.status_code == 201 and village.json()["head_name"] is None
    outside = await ledger.client.post("/ledger/problems", headers=ledger.headers("village_cadre", VILLAGE), json={
        "level": "village", "problem_type": "policy_publicity", "org_code": "500151108202",
        "description": "明白纸未发放到户"})
    assert outside.status_code == 403


async def test_lists_filter_and_count_by_type_and_village(ledger, in_the_campaign):
    problem = in_the_campaign
    await confirm(ledger, problem["id"])
    headers = staff(ledger)
    confirmed = (await ledger.client.get("/ledger/problems", params={"status": "confirmed"}, headers=headers)).json()
    assert [p["id"] for p in confirmed["items"]] == [problem["id"]]
    household_level = (await ledger.client.get("/ledger/problems", params={"level": "village"},
                                               headers=headers)).json()
    assert {p["rule_code"] for p in household_level["items"]} == {"identification.should_be_monitored",
                                                                  "finding.gps_low_accuracy"}
    with clock.frozen(SEPTEMBER_10 + timedelta(days=11)):
        overdue = (await ledger.client.get("/ledger/problems", params={"overdue": "true"},
                                           headers=staff(ledger))).json()
    assert [p["id"] for p in overdue["items"]] == [problem["id"]]
    not_yet = (await ledger.client.get("/ledger/problems", params={"overdue": "true"}, headers=headers)).json()
    assert not_yet["items"] == []
    counts = (await ledger.client.get("/ledger/problems/counts", headers=headers)).json()
    assert counts["total"] == 5 and counts["by_village"] == [{"org_code": VILLAGE, "count": 5}]
    assert {(c["problem_type"], c["label"], c["count"]) for c in counts["by_type"]} >= {("water", "⑤饮水安全", 1)}
    other_village = (await ledger.client.get("/ledger/problems", headers=caller(ledger, "village_cadre",
                                                                                    "500151108202"))).json()
    assert other_village["total"] == 0
