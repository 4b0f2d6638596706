"""Assistance plans (一户一策), risk assessments and the 2-year review, through the API and the daily follow-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.ledger.households.service import (
    HAS_LABOUR,
    LABOUR_UNKNOWN,
    NO_LABOUR,
    WEAK_LABOUR,
    labour_summary,
)
from shared.domain.clock import SHANGHAI, clock
from shared.domain.deadlines import DeadlineUnit, add_months, due_date
from tests.conftest import VILLAGE
from tests.factories.intake import member_payload, next_id_number, visit_form_for
from tests.factories.ledger import (
    outbox_envelopes,
    problems_of,
    registered_with_visit,
    republished,
    submit_visit,
)
from tests.ledger.test_cases import (
    admin,
    cadre,
    caller,
    case_of,
    staff,
    step,
    through_the_notice,
)

pytestmark = pytest.mark.asyncio

OTHER_VILLAGE = "500151108202"
DEVELOPMENT = {"type": "development", "content": "安排公益性岗位（保洁员）", "helper_name": "刘志强",
               "helper_unit": "高楼镇农业服务中心", "starts_on": "2024-09-20", "ends_on": "2024-12-31"}
PROTECTIVE = {"type": "protective", "content": "纳入农村低保", "helper_name": "刘志强",
              "helper_unit": "高楼镇农业服务中心", "starts_on": "2024-09-20"}


def on(day: str):
    return clock.frozen(datetime.fromisoformat(day).replace(hour=9, tzinfo=SHANGHAI))


async def identified(system, **household_overrides) -> tuple[dict, dict]:
    """A household whose visit of 5 September 2024 found a risk, identified on 16 September (plan due the 26th)."""
    household, _ = await registered_with_visit(system, **household_overrides)
    await system.settle()
    case = await case_of(system, household["id"])
    with on("2024-09-19"):
        await through_the_notice(system, case["id"])
        await step(system, case["id"], "township_review", "2024-09-14", headers=staff(system))
        done = await step(system, case["id"], "county_approve", "2024-09-16", headers=admin(system),
                          monitoring_type="marginal")
    assert (done["state"], done["plan_due_on"]) == ("identified", "2024-09-26")
    return household, done


def plan_body(case: dict, drawn_up_on: str = "2024-09-20", measures=(DEVELOPMENT,), **overrides) -> dict:
    return {"case_id": case["id"], "drawn_up_on": drawn_up_on, "helper_name": "刘志强",
            "helper_unit": "高楼镇农业服务中心", "measures": list(measures)} | overrides


async def post_plan(system, body: dict, *, headers=None, expect: int = 201) -> dict:
    response = await system.client.post("/ledger/plans", json=body, headers=headers or cadre(system))
    assert response.status_code == expect, response.text
    return response.json()


async def met(system, key: str) -> list[dict]:
    return [e.payload for e in await outbox_envelopes(system, "ledger", types=("deadline.met",))
            if e.payload["key"] == key]


async def scheduled(system, key: str) -> list[dict]:
    return [e.payload for e in await outbox_envelopes(system, "ledger", types=("deadline.scheduled",))
            if e.payload["key"] == key]


def no_labour_members() -> list[dict]:
    return [member_payload(name="张德明", id_number=next_id_number(date(1940, 4, 18)), labour_capacity="none"),
            member_payload(name="李桂兰", relation="spouse", id_number=next_id_number(date(1942, 11, 2), "female"),
                           labour_capacity="lost")]


async def follow(system, as_of: str) -> None:
    await system.runtimes["ledger"].jobs.run_untracked("assistance.follow_village", {"village": VILLAGE},
                                                      as_of=date.fromisoformat(as_of))


async def daily_scan(system, day: str) -> None:
    """The scheduled scan's tick of that day (06:20 in Shanghai), fanning out to each village."""
    tick = datetime.fromisoformat(day).replace(hour=6, minute=20, tzinfo=SHANGHAI)
    assert await system.runtimes["ledger"].jobs.fire("assistance.follow_up_scan", tick=tick) == "succeeded"


# --- labour capacity -------------------------------------------------------------------------------------


async def test_the_labour_summary_of_a_household_names_able_weak_none_and_unknown():
    assert labour_summary(["ordinary", "none"]) == HAS_LABOUR
    assert labour_summary(["weak", "skilled"]) == HAS_LABOUR
    assert labour_summary(["none", "lost"]) == NO_LABOUR
    assert labour_summary(["weak", "none"]) == WEAK_LABOUR
    assert labour_summary([]) == LABOUR_UNKNOWN
    assert labour_summary(["none", "retired_code"]) == LABOUR_UNKNOWN
    assert labour_summary(["retired_code", "ordinary"]) == HAS_LABOUR


async def test_months_run_to_the_same_day_or_the_end_of_a_shorter_month():
    assert add_months(date(2024, 9, 16), 6) == date(2025, 3, 16)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 9, 16), 24) == date(2026, 9, 16)
    assert due_date(date(2024, 9, 16), 12, DeadlineUnit.CALENDAR_MONTHS, None) == date(2025, 9, 16)


async def test_the_household_view_keeps_the_labour_capacity_of_its_latest_visit(ledger):
    household, _ = await identified(ledger)
    view = (await ledger.client.get(f"/ledger/households/{household['id']}", headers=staff(ledger))).json()
    assert (view["labour"], sorted(view["labour_members"])) == ("has_labour", ["张德明", "李桂兰"])


# --- plans -----------------------------------------------------------------------------------------------


async def test_a_plan_on_time_meets_its_deadline_and_files_nothing(ledger):
    household, case = await identified(ledger)
    with on("2024-09-20"):
        plan = await post_plan(ledger, plan_body(case))

    assert (plan["due_on"], plan["due_days"], plan["due_unit"], plan["late"], plan["days_late"]) == (
        "2024-09-26", 10, "calendar_days", False, 0)
    assert (plan["flags"], plan["labour_mismatch"], plan["labour"], plan["revision"]) == ([], False, "has_labour", 1)
    assert [m["type"] for m in plan["measures"]] == ["development"]
    assert (plan["helper_name"], plan["recorded_by_name"], len(plan["revisions"])) == ("刘志强", "王小村", 1)
    assert await met(ledger, f"case:{case['id']}:plan") == [
        {"key": f"case:{case['id']}:plan", "met_on": "2024-09-20", "late": False}]
    codes = {p["rule_code"] for p in await problems_of(ledger, household["id"])}
    assert not codes & {"assistance.plan_over_10_days", "development.no_measure", "protection.no_cover"}


async def test_a_plan_drawn_up_late_files_the_village_overdue_problem_once(ledger):
    household, case = await identified(ledger)
    with on("2024-09-30"):
        plan = await post_plan(ledger, plan_body(case, "2024-09-28"))
        revised = await ledger.client.post(f"/ledger/plans/{plan['id']}/revisions", headers=cadre(ledger), json={
            "drawn_up_on": "2024-09-29", "helper_name": "刘志强", "helper_unit": "高楼镇农业服务中心",
            "measures": [DEVELOPMENT, PROTECTIVE], "reason": "增加低保兜底"})
    assert revised.status_code == 200, revised.text

    assert (plan["late"], plan["days_late"]) == (True, 2)
    assert await met(ledger, f"case:{case['id']}:plan") == [
        {"key": f"case:{case['id']}:plan", "met_on": "2024-09-28", "late": True}]
    [overdue] = [p for p in await problems_of(ledger, household["id"])
                 if p["rule_code"] == "assistance.plan_over_10_days"]
    assert (overdue["level"], overdue["problem_type"], overdue["evidence_count"]) == (
        "village", "assistance_and_elimination", 1)
    assert "2024-09-28" in overdue["description"] and "2024-09-26" in overdue["description"]
    listed = (await ledger.client.get("/ledger/plans", params={"late": "true"}, headers=staff(ledger))).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


async def test_a_labour_household_plan_without_development_is_accepted_flagged_and_raises_development_once(ledger):
    household, case = await identified(ledger)
    with on("2024-09-20"):
        plan = await post_plan(ledger, plan_body(case, measures=[PROTECTIVE]))
    assert (plan["flags"], plan["labour_mismatch"]) == (["no_development_measure"], True)

    # The household's visits are delivered again, and sent again under new ids: nothing is filed twice.
    consumer = ledger.runtimes["ledger"].consumer
    visits = await outbox_envelopes(ledger, "intake", household_id=household["id"], types=("visit.submitted",))
    for envelope in visits:
        await consumer.deliver(envelope)
        await consumer.deliver(republished(envelope))

    [development] = [p for p in await problems_of(ledger, household["id"])
                     if p["rule_code"] == "development.no_measure"]
    assert (development["level"], development["problem_type"], development["evidence_count"]) == (
        "household", "development_assistance", 1)
    assert "张德明" in development["description"]
    flagged = (await ledger.client.get("/ledger/plans", params={"flagged": "true"}, headers=staff(ledger))).json()
    assert [p["id"] for p in flagged["items"]] == [plan["id"]]

    with on("2024-09-25"):
        fixed = await ledger.client.post(f"/ledger/plans/{plan['id']}/revisions", headers=cadre(ledger), json={
            "drawn_up_on": "2024-09-25", "helper_name": "刘志强", "helper_unit": "高楼镇农业服务中心",
            "measures": [PROTECTIVE, DEVELOPMENT], "reason": "户主可参加公益性岗位"})
    assert fixed.status_code == 200, fixed.text
    fixed = fixed.json()
    assert (fixed["revision"], fixed["flags"], fixed["labour_mismatch"]) == (2, [], False)
    assert [(r["revision"], r["flags"], r["reason"]) for r in fixed["revisions"]] == [
        (1, ["no_development_measure"], None), (2, [], "户主可参加公益性岗位")]


async def test_a_whole_household_without_labour_and_no_protective_cover_is_flagged(ledger):
    household, case = await identified(ledger, members=no_labour_members())
    with on("2024-09-20"):
        plan = await post_plan(ledger, plan_body(case, measures=[DEVELOPMENT]))
    assert (plan["labour"], plan["flags"], plan["labour_mismatch"]) == ("no_labour", ["no_protective_cover"], True)
    [cover] = [p for p in await problems_of(ledger, household["id"]) if p["rule_code"] == "protection.no_cover"]
    assert (cover["level"], cover["problem_type"]) == ("household", "other")

    with on("2024-09-20"):
        covered = await post_plan(ledger, plan_body(case, measures=[PROTECTIVE]), expect=409)
    assert plan["id"] in covered["detail"]  # one plan per case: the second is a revision


async def test_a_plan_is_refused_before_approval_in_the_future_or_with_bad_measures_naming_the_field(ledger):
    _, case = await identified(ledger)
    with on("2024-09-20"):
        cases = [
            (plan_body(case, "2024-09-21"), "body.drawn_up_on"),
            (plan_body(case, "2024-09-15"), "body.drawn_up_on"),
            (plan_body(case, measures=[]), "body.measures"),
            (plan_body(case, measures=[DEVELOPMENT | {"type": "charity"}]), "body.measures.0.type"),
            (plan_body(case, measures=[PROTECTIVE, DEVELOPMENT | {"ends_on": "2024-09-01"}]),
             "body.measures.1.ends_on"),
            (plan_body(case, helper_name=""), "body.helper_name"),
        ]
        for body, field in cases:
            refused = await post_plan(ledger, body, expect=422)
            assert refused["fields"][0]["field"] == field, (field, refused)


async def test_a_plan_for_a_case_not_yet_identified_is_a_conflict(ledger):
    household, _ = await registered_with_visit(ledger)
    await ledger.settle()
    case = await case_of(ledger, household["id"])
    with on("2024-09-20"):
        refused = await post_plan(ledger, plan_body(case), expect=409)
    assert "opened" in refused["detail"]


async def test_another_village_sees_no_plan_and_an_auditor_records_none(ledger):
    _, case = await identified(ledger)
    with on("2024-09-20"):
        plan = await post_plan(ledger, plan_body(case))
        elsewhere = caller(ledger, "village_cadre", OTHER_VILLAGE)
        assert (await ledger.client.get(f"/ledger/plans/{plan['id']}", headers=elsewhere)).status_code == 404
        listed = (await ledger.client.get("/ledger/plans", headers=elsewhere)).json()
        assert listed["total"] == 0
        assert (await ledger.client.post("/ledger/assessments", headers=elsewhere, json={
            "case_id": case["id"], "assessed_on": "2024-09-20", "risk_present": True, "conclusion": "仍有风险",
            "assessor_name": "刘志强", "assessor_unit": "高楼镇"})).status_code == 404
        auditor = caller(ledger, "auditor", "500151000000")
        assert (await ledger.client.post(f"/ledger/plans/{plan['id']}/revisions", headers=auditor, json={
            "drawn_up_on": "2024-09-20", "helper_name": "刘志强", "helper_unit": "高楼镇",
            "measures": [DEVELOPMENT], "reason": "x"})).status_code == 403


# --- assessments and the 2-year review ------------------------------------------------------------------


def assessment(case: dict, assessed_on: str, kind: str = "yearly") -> dict:
    return {"case_id": case["id"], "kind": kind, "assessed_on": assessed_on, "risk_present": True,
            "conclusion": "慢性病支出仍较大，继续帮扶", "assessor_name": "刘志强", "assessor_unit": "高楼镇农业服务中心",
            "evidence_refs": ["scan-风险评估表"]}


async def test_assessments_are_owed_yearly_from_half_a_year_after_approval_and_each_announces_the_next(ledger):
    _, case = await identified(ledger)
    first_key = f"case:{case['id']}:assessment:1"

    await daily_scan(ledger, "2025-03-16")  # half a year to the day: not yet over it
    assert await scheduled(ledger, first_key) == []
    await daily_scan(ledger, "2025-03-17")
    await daily_scan(ledger, "2025-03-18")  # the same deadline is announced once
    [first] = await scheduled(ledger, first_key)
    assert (first["due"], first["amount"], first["unit"], first["counted_from"], first["kind"]) == (
        "2025-09-16", 12, "calendar_months", "2024-09-16", "risk_assessment")

    with on("2025-09-10"):
        early = await ledger.client.post("/ledger/assessments", json=assessment(case, "2025-09-11"),
                                         headers=cadre(ledger))
        assert early.status_code == 422 and early.json()["fields"][0]["field"] == "body.assessed_on"
        recorded = await ledger.client.post("/ledger/assessments", json=assessment(case, "2025-09-10"),
                                            headers=cadre(ledger))
        assert recorded.status_code == 201, recorded.text
        follow_ups = (await ledger.client.get("/ledger/follow-ups", headers=staff(ledger))).json()
    recorded = recorded.json()
    assert (recorded["deadline_key"], recorded["late"], recorded["kind"]) == (first_key, False, "yearly")
    assert await met(ledger, first_key) == [{"key": first_key, "met_on": "2025-09-10", "late": False}]
    [second] = await scheduled(ledger, f"case:{case['id']}:assessment:2")
    assert (second["due"], second["counted_from"]) == ("2026-09-10", "2025-09-10")
    [row] = follow_ups["items"]
    assert (row["assessments"], row["last_assessed_on"], row["assessment_due_on"], row["assessment_overdue"]) == (
        1, "2025-09-10", "2026-09-10", False)
    listed = (await ledger.client.get("/ledger/assessments", params={"case_id": case["id"]},
                                      headers=staff(ledger))).json()
    assert [(a["assessed_on"], a["recorded_by_name"]) for a in listed["items"]] == [("2025-09-10", "王小村")]


async def test_a_case_unresolved_two_years_after_approval_is_flagged_for_review_until_one_is_recorded(ledger):
    _, case = await identified(ledger)
    review_key = f"case:{case['id']}:review"

    await follow(ledger, "2026-09-16")
    with on("2026-09-16"):
        assert (await ledger.client.get("/ledger/follow-ups", params={"flagged": "true"},
                                        headers=staff(ledger))).json()["total"] == 0
        too_soon = await ledger.client.post("/ledger/assessments", json=assessment(case, "2026-09-16", "review"),
                                            headers=cadre(ledger))
    assert too_soon.status_code == 422 and too_soon.json()["fields"][0]["field"] == "body.kind"

    await follow(ledger, "2026-09-17")
    await follow(ledger, "2026-09-18")
    with on("2026-09-18"):
        flagged = (await ledger.client.get("/ledger/follow-ups", params={"flagged": "true"},
                                           headers=staff(ledger))).json()
    [row] = flagged["items"]
    assert (row["case_id"], row["review_due_on"], row["review_flagged_on"], row["review_by"]) == (
        case["id"], "2026-09-16", "2026-09-17", "2027-09-16")
    [review] = await scheduled(ledger, review_key)
    assert (review["due"], review["counted_from"], review["kind"]) == ("2027-09-16", "2026-09-16", "two_year_review")

    with on("2026-09-20"):
        done = await ledger.client.post("/ledger/assessments", json=assessment(case, "2026-09-20", "review"),
                                        headers=cadre(ledger))
        assert done.status_code == 201, done.text
        after = (await ledger.client.get("/ledger/follow-ups", params={"flagged": "true"},
                                         headers=staff(ledger))).json()
    assert after["total"] == 0
    assert await met(ledger, review_key) == [{"key": review_key, "met_on": "2026-09-20", "late": False}]


# --- the plan and the household's later visits and register ----------------------------------------------


async def become_monitored(system, household: dict, risk_status: str = "unresolved") -> None:
    changed = await system.client.patch(f"/intake/households/{household['id']}", headers=staff(system), json={
        "household_kinds": ["monitored"], "risk_status": risk_status})
    assert changed.status_code == 200, changed.text
    await system.settle()


async def later_visit(system, household: dict, visited_at: str, *, monitored: bool = False,
                      **member_overrides) -> None:
    if monitored:
        household = household | {"household_kinds": ["monitored"], "risk_status": "unresolved"}
    form = visit_form_for(household, visited_at=visited_at)
    form["members"] = [m | member_overrides for m in form["members"]]
    await submit_visit(system, form)
    await system.settle()


async def test_the_visit_rule_of_development_measures_is_quiet_for_a_household_whose_plan_has_one(ledger):
    household, case = await identified(ledger)
    with on("2024-09-20"):
        await post_plan(ledger, plan_body(case))
    await become_monitored(ledger, household)
    await later_visit(ledger, household, "2024-09-22T10:00:00+08:00", monitored=True)
    assert "development.no_measure" not in {p["rule_code"] for p in await problems_of(ledger, household["id"])}

    other, other_case = await identified(ledger)  # the same, with a plan of protective measures only
    with on("2024-09-20"):
        await post_plan(ledger, plan_body(other_case, measures=[PROTECTIVE]))
    await become_monitored(ledger, other)
    await later_visit(ledger, other, "2024-09-22T10:00:00+08:00", monitored=True)
    [development] = [p for p in await problems_of(ledger, other["id"]) if p["rule_code"] == "development.no_measure"]
    assert development["evidence_count"] == 2  # the plan's revision, and the later visit


async def test_a_later_visit_finding_labour_capacity_flags_the_plan_that_has_no_development_measure(ledger):
    household, case = await identified(ledger, members=no_labour_members())
    with on("2024-09-20"):
        plan = await post_plan(ledger, plan_body(case, measures=[PROTECTIVE]))
    assert (plan["labour"], plan["flags"]) == ("no_labour", [])

    await later_visit(ledger, household, "2024-09-25T10:00:00+08:00", labour_capacity="ordinary")
    got = (await ledger.client.get(f"/ledger/plans/{plan['id']}", headers=staff(ledger))).json()
    assert (got["labour"], got["flags"], got["labour_mismatch"], got["revision"]) == (
        "has_labour", ["no_development_measure"], True, 1)
    assert got["revisions"][0]["flags"] == []  # the revision stays as it was recorded
    [development] = [p for p in await problems_of(ledger, household["id"])
                     if p["rule_code"] == "development.no_measure"]
    assert development["evidence_count"] == 1

    # An older visit arriving late changes nothing: the view keeps the newer visit's labour capacity.
    await later_visit(ledger, household, "2024-09-23T10:00:00+08:00", labour_capacity="none")
    again = (await ledger.client.get(f"/ledger/plans/{plan['id']}", headers=staff(ledger))).json()
    assert (again["labour"], again["flags"]) == ("has_labour", ["no_development_measure"])


async def test_a_risk_marked_resolved_ends_the_follow_up_and_meets_what_it_owed(ledger):
    household, case = await identified(ledger)
    await follow(ledger, "2025-03-17")
    key = f"case:{case['id']}:assessment:1"
    assert len(await scheduled(ledger, key)) == 1

    await become_monitored(ledger, household, risk_status="resolved")  # the register says so today
    resolved = clock.today()
    await follow(ledger, (resolved - timedelta(days=1)).isoformat())  # not resolved yet on the day before
    assert await met(ledger, key) == []
    await follow(ledger, resolved.isoformat())
    await follow(ledger, (resolved + timedelta(days=1)).isoformat())

    assert await met(ledger, key) == [{"key": key, "met_on": resolved.isoformat(), "late": True}]
    rows = (await ledger.client.get("/ledger/follow-ups", headers=staff(ledger))).json()["items"]
    [row] = [r for r in rows if r["case_id"] == case["id"]]
    assert (row["resolved_on"], row["assessment_due_on"]) == (resolved.isoformat(), None)
    flagged = (await ledger.client.get("/ledger/follow-ups", params={"flagged": "true"}, headers=staff(ledger))).json()
    assert case["id"] not in [r["case_id"] for r in flagged["items"]]  # a resolved case awaits no review


async def test_the_rule_table_lists_the_plan_rules_as_active(ledger):
    rules = {r["code"]: r for r in (await ledger.client.get("/ledger/rules", headers=cadre(ledger))).json()}
    late, cover = rules["assistance.plan_over_10_days"], rules["protection.no_cover"]
    assert (late["active"], late["level"], late["problem_type"], late["triggers"]) == (
        True, "village", "assistance_and_elimination", ["assistance_plan"])
    assert (cover["active"], cover["level"], cover["problem_type"]) == (True, "household", "other")
    assert "assistance_plan" in rules["development.no_measure"]["triggers"]
