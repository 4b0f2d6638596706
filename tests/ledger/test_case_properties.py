"""Property tests of the procedure: random sequences of transitions and dates against the table.

They drive :func:`services.ledger.cases.service.advance`, the check-and-move every recorded step goes
through, on cases held in memory: whatever is asked, in whatever order and with whatever dates, the
case only ever moves along the table and the recorded dates keep their order. Both tables are
walked: identification and risk elimination with its rollback.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.campaigns.models import Campaign
from services.ledger.cases.machine import (
    MACHINES,
    TransitionNotAllowed,
    build_machines,
    mermaid,
    roles_of,
)
from services.ledger.cases.models import Case
from services.ledger.cases.schemas import StepCreate
from services.ledger.cases.service import advance
from shared.domain.enums import Role
from shared.domain.workdays import WorkdayCalendar
from shared.errors import Conflict, InvalidInput

START, TODAY = date(2024, 9, 5), date(2024, 10, 20)
CALENDAR = WorkdayCalendar()
CAMPAIGN = Campaign(code="2024", name="t", year=2024, region="500151", org_code="500151000000", income_year=2024,
                    ruleset_version="2024.1", source="t", starts_on=date(2024, 8, 23),
                    mobilisation_by=date(2024, 8, 25), visits_confirmed_by=date(2024, 9, 12),
                    visits_checked_by=date(2024, 9, 20), rectification_by=date(2024, 9, 20),
                    rectification_final_by=date(2024, 10, 31), immediate_fix_days=1,
                    immediate_fix_unit="calendar_days", identification_days=15,
                    identification_unit="calendar_days", notice_min_days=5, notice_min_unit="calendar_days",
                    plan_days=10, plan_unit="calendar_days", origin="packaged", updated_by="t")

NAMES = sorted({t.name for m in MACHINES.values() for t in m.transitions} | {"approve", "skip_ahead"})
step_requests = st.lists(st.tuples(st.sampled_from(NAMES), st.integers(min_value=-3, max_value=8),
                                   st.booleans(), st.booleans()), max_size=30)


def new_case(kind: str) -> Case:
    return Case(household_id=uuid.uuid4(), org_code="500151108201", kind=kind, state=MACHINES[kind].initial,
                source="visit", started_on=START, opened_by="t", opened_by_name="t", evidence=[], risk_causes=[])


def request(name: str, on: date, complete: bool) -> StepCreate:
    extra = {"reason": "原因", "resolution": "处理结果", "monitoring_type": "marginal",
             "explanation": "村级书面说明"} if complete else {}
    return StepCreate(transition=name, on=on, place="村委会", **extra)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(MACHINES)), requests=step_requests)
def test_a_case_moves_only_along_the_table_and_its_dates_never_run_backwards(kind, requests):
    machine = MACHINES[kind]
    edges = {(source, t.name, t.target) for t in machine.transitions for source in t.sources}
    states = {s.code for s in machine.states}
    case, day, recorded = new_case(kind), START, []
    for name, delta, complete, superseded in requests:
        before = (case.state, case.version, case.last_step_on, case.notice_ends_on, case.objection_open)
        on = day + timedelta(days=delta)
        try:
            transition, details = advance(case, request(name, on, complete), campaign=CAMPAIGN, calendar=CALENDAR,
                                          today=TODAY, superseded=superseded)
        except (Conflict, InvalidInput):
            # A refused step leaves the case exactly as it was.
            assert (case.state, case.version, case.last_step_on, case.notice_ends_on,
                    case.objection_open) == before
            continue
        assert (before[0], transition.name, case.state) in edges
        if transition.name in ("township_review", "township_reject"):
            assert on > case.notice_ends_on and before[0] == "under_notice"
        if transition.name == "object":
            assert case.notice_starts_on <= on <= case.notice_ends_on
        if transition.name == "roll_back":  # only an elimination in force, with the village's explanation
            assert (kind, before[0], superseded, details["explanation"]) == (
                "elimination", "eliminated", False, "村级书面说明")
        recorded.append(on)
        day = on
    assert case.state in states
    assert case.version == len(recorded)
    assert recorded == sorted(recorded)
    assert all(START <= on <= TODAY for on in recorded)
    if machine.final(case.state):
        assert machine.allowed_from(case.state) == [] and machine.state(case.state).closes


PATHS = {"identification": ["apply", "verify", "appraise", "post_notice", "township_review", "county_approve"],
         "elimination": ["verify", "appraise", "post_notice", "township_review", "county_approve"]}


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(sorted(PATHS)), gaps=st.lists(st.integers(min_value=0, max_value=4), min_size=6,
                                                          max_size=6))
def test_the_township_review_is_never_dated_within_a_notice_however_the_steps_are_spaced(kind, gaps):
    case, day = new_case(kind), START
    for name, gap in zip(PATHS[kind], gaps):
        day += timedelta(days=gap)
        try:
            advance(case, request(name, day, True), campaign=CAMPAIGN, calendar=CALENDAR, today=TODAY)
        except Conflict:
            assert name == "township_review" and day <= case.notice_ends_on
            return
    assert case.state == {"identification": "identified", "elimination": "eliminated"}[kind]
    assert case.notice_ends_on == case.notice_starts_on + timedelta(days=4)


@settings(max_examples=150, deadline=None)
@given(requests=step_requests)
def test_an_eliminated_case_only_rolls_back_and_a_rolled_back_one_never_moves_again(requests):
    case, day = new_case("elimination"), START
    for name, gap in zip(PATHS["elimination"], (1, 1, 1, 5, 1)):
        day += timedelta(days=gap)
        advance(case, request(name, day, True), campaign=CAMPAIGN, calendar=CALENDAR, today=TODAY)
    assert (case.state, case.last_step_on) == ("eliminated", day)
    for name, delta, complete, superseded in requests:
        before = (case.state, case.version, case.last_step_on)
        on = day + timedelta(days=delta)
        try:
            transition, _ = advance(case, request(name, on, complete), campaign=CAMPAIGN, calendar=CALENDAR,
                                    today=TODAY, superseded=superseded)
        except (Conflict, InvalidInput):
            assert (case.state, case.version, case.last_step_on) == before
            continue
        assert (before[0], transition.name, case.state, superseded) == ("eliminated", "roll_back", "rolled_back",
                                                                         False)
        assert complete and on >= before[2]
        day = on
    assert case.state in ("eliminated", "rolled_back")


# --- the table itself, rebuilt at test time and held against the README and the procedure -------------

ANYONE = ("village_cadre", "town_staff", "district_admin")
TOWNSHIP = ("town_staff", "district_admin")
COUNTY = ("district_admin",)
CLOSING = ("meet_approval_clock", "close")
# name: (label, roles, guards, effects, requires), as the procedure lays each step down.
SHARED_STEPS = {
    "verify": ("乡村入户核实", ANYONE, (), (), ()),
    "appraise": ("村级民主评议", ANYONE, (), (), ()),
    "post_notice": ("村内公示", ANYONE, ("notice_clock_set",), ("open_notice",), ()),
    "object": ("公示期间提出异议", ANYONE, ("within_notice",), ("open_objection",), ("reason",)),
    "resolve_objection": ("异议处理", ANYONE, (), ("resolve_objection",), ("resolution",)),
    "township_review": ("乡镇联合审核", TOWNSHIP, ("notice_passed",), (), ()),
    "township_reject": ("乡镇审核不通过", TOWNSHIP, ("notice_passed",), CLOSING, ("reason",)),
    "county_reject": ("区县审核不通过", COUNTY, (), CLOSING, ("reason",)),
    "withdraw": ("撤回", ANYONE, (), CLOSING, ("reason",)),
}
STEPS = {
    "identification": SHARED_STEPS | {
        "apply": ("农户申请和授权承诺", ANYONE, (), (), ()),
        "county_approve": ("区县审核批准和公告", COUNTY, (), (*CLOSING, "schedule_plan"), ("monitoring_type",)),
    },
    "elimination": SHARED_STEPS | {
        "county_approve": ("区县审核批准和公告", COUNTY, (), CLOSING, ()),
        "roll_back": ("风险消除回退", ANYONE, ("still_in_force",), ("close",), ("explanation",)),
    },
}
OUTCOMES = {
    "identification": {"identified": "identified", "rejected": "rejected", "withdrawn": "withdrawn"},
    "elimination": {"eliminated": "eliminated", "rejected": "rejected", "withdrawn": "withdrawn",
                    "rolled_back": "rolled_back"},
}


def test_the_rebuilt_procedures_are_the_ones_the_readme_draws_with_their_roles_guards_and_effects():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    identification, elimination = build_machines()

    assert (identification.kind, identification.label) == ("identification", "监测对象识别认定")
    assert (elimination.kind, elimination.label) == ("elimination", "风险消除")
    for machine in (identification, elimination):
        assert f"```mermaid\n{mermaid(machine)}\n```" in readme, machine.kind
        data = machine.as_data()
        assert (data["kind"], data["label"]) == (machine.kind, machine.label)
        assert [list(state) for state in data["states"]][0] == ["code", "label", "terminal", "outcome"]
        assert [s["label"] for s in data["states"]] == [s.label for s in machine.states]
        assert list(data["transitions"][0]) == ["name", "label", "from", "to", "roles", "guards", "effects",
                                                "requires"]
        assert [(t["from"], t["to"]) for t in data["transitions"]] == [
            (list(t.sources), t.target) for t in machine.transitions]
        steps = {t["name"]: (t["label"], tuple(t["roles"]), tuple(t["guards"]), tuple(t["effects"]),
                             tuple(t["requires"])) for t in data["transitions"]}
        assert steps == STEPS[machine.kind]
        assert {s["code"]: s["outcome"] for s in data["states"] if s["outcome"]} == OUTCOMES[machine.kind]
        assert {s["code"] for s in data["states"] if s["terminal"]} == set(OUTCOMES[machine.kind]) - (
            {"eliminated"} if machine.kind == "elimination" else set())
        assert data["initial"] == "opened" and machine.final("opened") is False
    withdraw = next(t for t in identification.transitions if t.name == "withdraw")
    assert withdraw.sources == ("opened", "applied", "verified", "appraised", "under_notice", "objected",
                                "township_reviewed")
    assert next(t for t in elimination.transitions if t.name == "withdraw").sources == withdraw.sources[:1] + \
        withdraw.sources[2:]
    assert roles_of("township_review") == tuple(Role(r) for r in TOWNSHIP) and roles_of("fly") is None


def test_a_move_the_table_does_not_allow_names_the_moves_that_are():
    identification, elimination = build_machines()
    with pytest.raises(TransitionNotAllowed) as refused:
        identification.move("applied", "appraise")
    assert (refused.value.state, refused.value.name, refused.value.allowed) == ("applied", "appraise",
                                                                               ["verify", "withdraw"])
    assert str(refused.value) == ("'appraise' is not allowed from applied (已申请和授权承诺); "
                                  "allowed from there: verify, withdraw")
    with pytest.raises(TransitionNotAllowed) as closed:
        elimination.move("withdrawn", "roll_back")
    assert str(closed.value) == ("'roll_back' is not allowed from withdrawn (已撤回); "
                                 "allowed from there: none (the case is closed)")
