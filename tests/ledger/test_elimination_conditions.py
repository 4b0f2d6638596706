"""The conditions of risk elimination on facts held in memory: how long income has been above the line,
new risks against the identified causes, and every unmet condition listed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ledger.cases.elimination import (
    CONDITIONS,
    RiskyVisit,
    add_months,
    facts_of,
    unmet,
)
from services.ledger.cases.models import HouseholdMonitoring
from services.ledger.households.models import LedgerHousehold, LedgerSourceEvent
from shared.domain.clock import SHANGHAI
from shared.domain.enums import LedgerHouseholdCategory
from shared.events.contracts.income import IncomeAssessed
from shared.events.contracts.intake import VisitSubmitted
from shared.events.envelope import CONTRACTS, Envelope

HOUSEHOLD = uuid.UUID(VisitSubmitted.example["household_id"])
UNRESOLVED = LedgerHouseholdCategory.MONITORED_UNRESOLVED


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI)


def logged(event_type: str, payload: dict, occurred_at: datetime, version: int = 1) -> LedgerSourceEvent:
    envelope = Envelope(type=event_type, version=version, org_code="500151108201", source="t",
                        occurred_at=occurred_at, payload=payload)
    return LedgerSourceEvent(event_id=envelope.id, event_type=event_type, version=version, household_id=HOUSEHOLD,
                             org_code="500151108201", occurred_at=occurred_at, envelope=envelope.model_dump(mode="json"))


def income(year: int, made: str, *, below: bool, visit: uuid.UUID | None = None, latest: bool | None = None):
    payload = IncomeAssessed.example | {"assessment_id": str(uuid.uuid4()), "household_id": str(HOUSEHOLD),
                                        "year": year, "below_monitoring_line": below, "is_latest": latest,
                                        "source_visit_id": str(visit) if visit else None}
    return logged("income.assessed", payload, at(made))


def visit(day: str, *, causes: list[str] = (), visit_id: uuid.UUID | None = None):
    visit_id = visit_id or uuid.uuid4()
    risk = VisitSubmitted.example["risk"] | {"has_risk": bool(causes), "causes": list(causes)}
    payload = VisitSubmitted.example | {"visit_id": str(visit_id), "visited_at": at(day).isoformat(), "risk": risk}
    return logged("visit.submitted", payload, at(day)), visit_id


def facts(events, *, proposed_on="2024-10-20", latest_visit: str | None = "2024-10-15", below=False,
          guarantees=None, identified_on: str | None = None, causes=(), visit_risk=False, months=6, open_cases=()):
    row = LedgerHousehold(household_id=HOUSEHOLD, org_code="500151108201", income_below_line=below, income_year=2024,
                          visited_at=at(latest_visit) if latest_visit else None, visit_has_risk=visit_risk,
                          visit_guarantees=guarantees or {})
    decision = HouseholdMonitoring(household_id=HOUSEHOLD, org_code="500151108201", category=UNRESOLVED.value,
                                   case_id=uuid.uuid4(), outcome="identified", decided_on=date.fromisoformat(
                                       identified_on), event_at=at(identified_on)) if identified_on else None
    return facts_of(proposed_on=date.fromisoformat(proposed_on), row=row, category=UNRESOLVED, decision=decision,
                    identified_causes=list(causes), income_months_required=months, logged=events,
                    open_cases=list(open_cases))


def test_income_counts_from_the_first_assessment_of_its_latest_unbroken_run_above_the_line():
    september, visit_id = visit("2024-09-02")
    events = [income(2023, "2024-01-05", below=False), income(2023, "2024-02-10", below=True),
              income(2023, "2024-04-10", below=False),
              income(2024, "2024-06-01", below=True, latest=False),  # a late visit's: never the current one
              september,
              # Processed a week after the visit it came from: dated by the visit.
              income(2024, "2024-09-09", below=False, visit=visit_id)]
    found = facts(events)
    assert found.above_line_since == date(2024, 4, 10)
    assert unmet(found) == []
    shorter = facts(events, proposed_on="2024-10-09")  # six months before: 2024-04-09, one day short
    assert [code for code, _ in unmet(shorter)] == ["income.above_line_long_enough"]
    assert facts(events[:2], proposed_on="2024-10-09", below=True).above_line_since is None
    # The run begins with an assessment the ledger processed on 9 September from the visit of the 2nd.
    assert facts([income(2024, "2024-08-30", below=True), *events[4:]]).above_line_since == date(2024, 9, 2)


def test_a_risk_of_a_cause_identified_is_not_new_but_another_cause_is_and_the_latest_visit_must_judge_none():
    known, _ = visit("2024-09-20", causes=["illness"])
    other, _ = visit("2024-09-25", causes=["illness", "accident"])
    before, _ = visit("2024-09-01", causes=["housing"])  # before identification
    events = [income(2023, "2024-01-05", below=False), before, known, other]
    found = facts(events, identified_on="2024-09-16", causes=["illness"], visit_risk=True,
                  guarantees={"water_unsafe": True}, open_cases=["identification"])
    [(code, message)] = [(c, m) for c, m in unmet(found) if c == "risk.none_new"]
    assert message == ("the latest visit (2024-10-15) still judges a risk; a new risk (accident) judged on the visit "
                       "of 2024-09-25; an open identification case")
    assert [code for code, _ in unmet(found)] == ["guarantees.secured", "risk.none_new"]


def test_no_months_set_no_income_and_no_visit_are_each_unmet_and_all_are_listed_in_order():
    found = facts([], latest_visit=None, below=None, months=None)
    assert [code for code, _ in unmet(found)] == ["income.above_line_long_enough", "guarantees.secured"]
    assert "sets no elimination_income_months" in unmet(found)[0][1]
    nothing_known = facts_of(proposed_on=date(2024, 10, 20), row=LedgerHousehold(household_id=HOUSEHOLD,
                                                                                 org_code="500151108201"),
                             category=None, decision=None, identified_causes=[], income_months_required=6,
                             logged=[], open_cases=[])
    assert [code for code, _ in unmet(nothing_known)] == [c.code for c in CONDITIONS[:3]]


@given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), count=st.integers(0, 36))
def test_adding_months_keeps_the_day_or_takes_the_month_s_last(day, count):
    later = add_months(day, count)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == count
    # The same day, or, in a shorter month, its last day.
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)
    assert add_months(later, -count) <= day


def test_each_condition_says_exactly_what_is_unmet():
    from dataclasses import replace

    from services.ledger.cases.elimination import EliminationFacts, RiskyVisit

    met = EliminationFacts(proposed_on=date(2024, 10, 20), category=UNRESOLVED, identified_on=date(2024, 3, 1),
                           income_months_required=6, latest_income_below_line=False, latest_income_year=2024,
                           above_line_since=date(2024, 4, 20), latest_visit_on=date(2024, 10, 15))
    assert unmet(met) == []  # above the line since exactly six months before the proposal

    def why(**changes) -> list[str]:
        return [reason for _, reason in unmet(replace(met, **changes))]

    assert why(category=None) == [
        "the household is unknown to the ledger, not an unresolved monitoring object (监测户（未消除风险）)"]
    assert why(category=LedgerHouseholdCategory.MONITORED_RESOLVED) == [
        f"the household is {LedgerHouseholdCategory.MONITORED_RESOLVED.label}, not an unresolved monitoring "
        "object (监测户（未消除风险）)"]
    assert why(latest_income_below_line=None) == ["the ledger holds no income assessment of the household"]
    below = ["the latest income assessment (2024) is below the monitoring line"]
    assert why(latest_income_below_line=True) == why(above_line_since=None) == below
    assert why(above_line_since=date(2024, 4, 21)) == [
        "income has been above the line since 2024-04-21; 6 months before 2024-10-20 it must have been since "
        "2024-04-20 at the latest"]
    assert why(latest_visit_on=None) == ["the ledger holds no visit of the household"]
    assert why(shortfalls=("housing", "water")) == ["the latest visit (2024-10-15) found short: housing、water"]
    assert why(new_risks=(RiskyVisit(date(2024, 9, 1), ("illness", "education")),), open_cases=("identification",),
               latest_visit_risk=True) == [
        "the latest visit (2024-10-15) still judges a risk; a new risk (illness、education) judged on the visit of "
        "2024-09-01; an open identification case"]
    assert why(no_labour_on_protective_cover=True) == [
        "the whole household has no labour capacity and its assistance plan gives it protective cover (保障性帮扶): "
        "its risk stays marked while the cover lasts"]


def test_facts_skip_a_late_visit_s_assessment_count_new_risks_after_the_identification_day_in_date_order():
    # An assessment that never became the current one is skipped, not the end of the reading.
    skipped = [income(2024, "2024-06-01", below=True, latest=False), income(2024, "2024-07-01", below=False)]
    assert facts(skipped).above_line_since == date(2024, 7, 1)
    # On the identification day itself a risk is not "since" it; later ones are listed by visit date.
    same_day, _ = visit("2024-09-16", causes=["housing"])
    later, _ = visit("2024-10-02", causes=["education"])
    earlier, _ = visit("2024-09-20", causes=["accident"])
    found = facts([later, same_day, earlier], identified_on="2024-09-16", causes=["illness"])
    assert found.new_risks == (RiskyVisit(date(2024, 9, 20), ("accident",)),
                               RiskyVisit(date(2024, 10, 2), ("education",)))
    assert (found.identified_on, found.latest_income_year) == (date(2024, 9, 16), 2024)
    covered = facts_of(proposed_on=date(2024, 10, 20), row=LedgerHousehold(household_id=HOUSEHOLD,
                                                                           org_code="500151108201"),
                       category=None, decision=None, identified_causes=[], income_months_required=6, logged=[],
                       open_cases=[], no_labour_on_protective_cover=True)
    assert covered.no_labour_on_protective_cover is True


def test_the_latest_assessment_is_of_the_latest_year_then_the_latest_processed_not_the_latest_dated():
    # This year's assessment, then a reassessment of last year processed later (dated later too): the
    # latest is still this year's, above the line since 10 May.
    events = [income(2024, "2024-05-10", below=False), income(2023, "2024-06-01", below=True)]
    found = facts(events, proposed_on="2024-11-15")
    assert found.above_line_since == date(2024, 5, 10)
    assert unmet(found) == []


def test_the_run_above_the_line_counts_from_its_earliest_dated_day_not_from_its_first_processed():
    # A visit of 2 April assessed only on 20 April (when its rule set came), after a declaration made on the
    # 10th: the run is dated from the visit, although its assessment was processed last.
    april, visit_id = visit("2024-04-02")
    events = [income(2024, "2024-03-01", below=True), april, income(2024, "2024-04-10", below=False),
              income(2024, "2024-04-20", below=False, visit=visit_id)]
    found = facts(events, proposed_on="2024-10-05")  # six months before: 2024-04-05
    assert found.above_line_since == date(2024, 4, 2)
    assert unmet(found) == []


@pytest.mark.parametrize("event_type", ["visit.submitted", "income.assessed"])
def test_a_stored_event_of_another_contract_version_is_refused_not_read_in_its_shape(monkeypatch, event_type):
    # The ledger reads the versions it was written for; a version it does not know is refused even when it
    # would read alike, as every consumer of the contracts does.
    contract = {"visit.submitted": VisitSubmitted, "income.assessed": IncomeAssessed}[event_type]
    monkeypatch.setitem(CONTRACTS, (event_type, 2), type(f"{contract.__name__}V2", (contract,), {}))
    september, visit_id = visit("2024-09-02")
    current = [september, income(2024, "2024-09-09", below=False, visit=visit_id)]
    assert facts(current).above_line_since == date(2024, 9, 2)
    newer = [logged(event_type, Envelope.model_validate(e.envelope).payload, e.occurred_at, version=2)
             if e.event_type == event_type else e for e in current]
    with pytest.raises(ValueError, match=f"{event_type} v2 is {contract.__name__}V2, not {contract.__name__}"):
        facts(newer)
