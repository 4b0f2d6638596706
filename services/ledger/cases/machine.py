"""The identification procedure (监测对象识别认定程序) as data: states, transitions, guards and effects.

This table is the single definition of the procedure. The service moves a case only along it,
``GET /ledger/cases/procedure`` hands it to frontends, and the README's diagram is generated from it
(:func:`mermaid`; a test compares the two).

A plain table rather than a state-machine library: the guards read the case's dates and the
campaign's clocks, which a library would have us bind into model objects per request, while a
frozen table is data we can serve as JSON, draw, and walk in property tests without a database.

Two procedures share the table's shape: identification (识别) and risk elimination (风险消除). A state
with an ``outcome`` closes the case (``case.closed`` reports it); a state with no way out is final.
An elimination's approval closes its case as ``eliminated``, yet one move stays open from there: the
rollback (风险消除回退), which closes it again as ``rolled_back`` and returns the household to the
unresolved monitoring objects.

Every transition also obeys the date rules, which are not listed per transition: its date is not
in the future, not before the case started, and not before the case's previous step.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.enums import Role

TOWNSHIP_ROLES = (Role.TOWN_STAFF, Role.DISTRICT_ADMIN)
COUNTY_ROLES = (Role.DISTRICT_ADMIN,)
WRITER_ROLES = (Role.VILLAGE_CADRE, Role.TOWN_STAFF, Role.DISTRICT_ADMIN)

# What each guard checks; the service implements them by these names.
GUARDS = {
    "notice_passed": "the step is dated after the notice's last day",
    "within_notice": "an objection is dated within the notice (its last day included)",
    "notice_clock_set": "the campaign of the case sets the notice's minimum length",
    "still_in_force": "no other case of the household started on or after this one's start: the elimination is "
                      "its latest decision",
}

# What each effect does besides moving the case.
EFFECTS = {
    "open_notice": "the notice runs from the step's date to its last day (at least the campaign's minimum)",
    "open_objection": "the objection is recorded as open; the review waits for its resolution",
    "resolve_objection": "the objection's resolution is recorded",
    "meet_approval_clock": "deadline.met for the start-to-approval clock, late or not",
    "schedule_plan": "deadline.scheduled for the assistance plan (一户一策), due after approval",
    "close": "case.closed with the outcome of the target state",
}

# Fields a transition's request must carry besides date, place and evidence.
REQUIRED_FIELDS = {
    "reason": "why (rejection, withdrawal, objection)",
    "resolution": "how the objection was resolved",
    "monitoring_type": "the monitoring-object type (监测对象类型) identified",
    "explanation": "the village's written explanation of why the elimination was unfounded (风险消除回退)",
}


@dataclass(frozen=True)
class State:
    code: str
    label: str
    outcome: str | None = None  # set on the states that close the case: what case.closed reports

    @property
    def closes(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[Role, ...] = WRITER_ROLES
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


class TransitionNotAllowed(Exception):
    """A move the table does not allow from the case's state."""

    def __init__(self, machine: Machine, state: str, name: str) -> None:
        self.state, self.name = state, name
        self.allowed = [t.name for t in machine.allowed_from(state)]
        allowed = ", ".join(self.allowed) or "none (the case is closed)"
        label = machine.state(state).label
        super().__init__(f"{name!r} is not allowed from {state} ({label}); allowed from there: {allowed}")


@dataclass(frozen=True)
class Machine:
    kind: str
    label: str
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def allowed_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def final(self, state: str) -> bool:
        """No move leads out of ``state``."""
        return not self.allowed_from(state)

    def move(self, state: str, name: str) -> Transition:
        """The transition ``name`` from ``state``; :class:`TransitionNotAllowed` if the table has no such move."""
        for transition in self.allowed_from(state):
            if transition.name == name:
                return transition
        raise TransitionNotAllowed(self, state, name)

    def as_data(self) -> dict:
        return {
            "kind": self.kind, "label": self.label, "initial": self.initial,
            "states": [{"code": s.code, "label": s.label, "terminal": self.final(s.code), "outcome": s.outcome}
                       for s in self.states],
            "transitions": [{"name": t.name, "label": t.label, "from": list(t.sources), "to": t.target,
                             "roles": [r.value for r in t.roles], "guards": list(t.guards),
                             "effects": list(t.effects), "requires": list(t.requires)} for t in self.transitions],
        }


def _procedure(kind: str, label: str, *, first: tuple[Transition, ...], approved: State,
               after: tuple[Transition, ...] = (), later: tuple[State, ...] = ()) -> Machine:
    """The shared part of both procedures: appraisal, notice, objections, reviews, rejection, withdrawal.

    ``first`` leads to verification, ``after`` leads on from the approved state into ``later`` states.
    """
    open_states = ("opened", "applied", "verified", "appraised", "under_notice", "objected", "township_reviewed")
    closing = ("meet_approval_clock", "close")
    transitions = (
        *first,
        Transition("appraise", "村级民主评议", ("verified",), "appraised"),
        Transition("post_notice", "村内公示", ("appraised",), "under_notice", guards=("notice_clock_set",),
                   effects=("open_notice",)),
        Transition("object", "公示期间提出异议", ("under_notice",), "objected", guards=("within_notice",),
                   effects=("open_objection",), requires=("reason",)),
        Transition("resolve_objection", "异议处理", ("objected",), "under_notice", effects=("resolve_objection",),
                   requires=("resolution",)),
        Transition("township_review", "乡镇联合审核", ("under_notice",), "township_reviewed", roles=TOWNSHIP_ROLES,
                   guards=("notice_passed",)),
        Transition("township_reject", "乡镇审核不通过", ("under_notice",), "rejected", roles=TOWNSHIP_ROLES,
                   guards=("notice_passed",), effects=closing, requires=("reason",)),
        Transition("county_approve", "区县审核批准和公告", ("township_reviewed",), approved.code, roles=COUNTY_ROLES,
                   effects=(*closing, "schedule_plan") if kind == "identification" else closing,
                   requires=("monitoring_type",) if kind == "identification" else ()),
        Transition("county_reject", "区县审核不通过", ("township_reviewed",), "rejected", roles=COUNTY_ROLES,
                   effects=closing, requires=("reason",)),
        Transition("withdraw", "撤回", open_states, "withdrawn", effects=closing, requires=("reason",)),
        *after,
    )
    states = (
        State("opened", "已发现风险" if kind == "identification" else "已提出风险消除"),
        *((State("applied", "已申请和授权承诺"),) if kind == "identification" else ()),
        State("verified", "已入户核实"),
        State("appraised", "已民主评议"),
        State("under_notice", "公示中"),
        State("objected", "公示异议待处理"),
        State("township_reviewed", "乡镇已审核"),
        approved,
        State("rejected", "审核未通过", outcome="rejected"),
        State("withdrawn", "已撤回", outcome="withdrawn"),
        *later,
    )
    # The states this procedure reaches: withdrawal lists every open state of both, so it is left out.
    used = {s for t in transitions if t.name != "withdraw" for s in (*t.sources, t.target)} | {"withdrawn"}
    return Machine(kind, label, "opened", tuple(s for s in states if s.code in used),
                   tuple(Transition(t.name, t.label, tuple(s for s in t.sources if s in used), t.target, t.roles,
                                    t.guards, t.effects, t.requires) for t in transitions))


def build_machines() -> tuple[Machine, Machine]:
    """Both procedures, identification then elimination, built from the shared part."""
    identification = _procedure(
        "identification", "监测对象识别认定",
        first=(Transition("apply", "农户申请和授权承诺", ("opened",), "applied"),
               Transition("verify", "乡村入户核实", ("applied",), "verified")),
        approved=State("identified", "已识别纳入监测", outcome="identified"))

    elimination = _procedure(
        "elimination", "风险消除",
        first=(Transition("verify", "乡村入户核实", ("opened",), "verified"),),
        approved=State("eliminated", "已标注风险消除", outcome="eliminated"),
        # Any writer may record it: it returns the household to monitoring, which protects it, and it must
        # carry the village's written explanation.
        after=(Transition("roll_back", "风险消除回退", ("eliminated",), "rolled_back", guards=("still_in_force",),
                          effects=("close",), requires=("explanation",)),),
        later=(State("rolled_back", "已风险消除回退", outcome="rolled_back"),))
    return identification, elimination


IDENTIFICATION, ELIMINATION = build_machines()
MACHINES = {machine.kind: machine for machine in (IDENTIFICATION, ELIMINATION)}


def roles_of(transition: str) -> tuple[Role, ...] | None:
    """The roles that may record ``transition`` (the same in every procedure that has it); None if none has it."""
    for machine in MACHINES.values():
        for candidate in machine.transitions:
            if candidate.name == transition:
                return candidate.roles
    return None


def mermaid(machine: Machine) -> str:
    """The machine as a Mermaid state diagram, the one the README shows."""
    lines = ["stateDiagram-v2", f"    [*] --> {machine.initial}"]
    for state in machine.states:
        lines.append(f"    {state.code} : {state.code} {state.label}")
    for transition in machine.transitions:
        for source in transition.sources:
            lines.append(f"    {source} --> {transition.target} : {transition.name}")
    for state in machine.states:
        if machine.final(state.code):
            lines.append(f"    {state.code} --> [*]")
    return "\n".join(lines)
