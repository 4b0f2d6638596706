"""What one deadline calls for on a scan day, decided without the database (services/alerts/alerts/decisions.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.alerts.alerts.decisions import alerts_for
from services.alerts.deadlines.models import Deadline
from services.alerts.settings import AlertsSettings
from shared.domain.clock import SHANGHAI

VILLAGE, TOWNSHIP, DISTRICT = "500151108201", "500151108000", "500151000000"
DUE = date(2024, 10, 10)
SETTINGS = AlertsSettings(due_soon_days=2, reminder_interval_hours=24, escalate_after_days=3)


def deadline(**fields) -> Deadline:
    return Deadline(**{"key": "k", "kind": "notice_end", "subject_type": "case", "subject_id": "c1",
                       "source": "ledger", "due_on": DUE, "basis": "b", "rule_code": "r", "state": "open",
                       "org_code": VILLAGE} | fields)


def scan(d: Deadline, as_of: date, raised: set[str] = frozenset(), now: datetime | None = None):
    now = now or datetime.combine(as_of, datetime.min.time(), SHANGHAI).replace(hour=9)
    found = alerts_for(d, set(raised), as_of=as_of, now=now, settings=SETTINGS)
    assert all((a.raised_on, a.raised_at) == (as_of, now) for a in found)
    return [(a.kind, a.dedupe_key, a.org_code, a.message) for a in found]


def test_due_soon_up_to_and_on_the_due_day_once():
    d = deadline()
    assert scan(d, DUE) == [("due_soon", "k:due_soon", VILLAGE, "notice_end case c1 is due on 2024-10-10")]
    assert scan(d, DUE - timedelta(days=2)) == scan(d, DUE)
    assert scan(d, DUE, {"k:due_soon"}) == []


def test_overdue_the_day_after_then_a_reminder_only_after_the_interval():
    d = deadline()
    first = datetime(2024, 10, 11, 9, tzinfo=SHANGHAI)
    assert scan(d, date(2024, 10, 11), now=first) == [
        ("overdue", "k:overdue", VILLAGE, "notice_end case c1 was due on 2024-10-10: 1 days overdue")]
    assert (d.last_reminded_at, d.reminders, d.escalation_level) == (first, 0, 0)
    raised = {"k:overdue"}
    assert scan(d, date(2024, 10, 12), raised, now=first + timedelta(hours=23, minutes=59)) == []
    assert scan(d, date(2024, 10, 12), raised, now=first + timedelta(hours=24)) == [
        ("reminder", "k:reminder:1", VILLAGE, "reminder 1: notice_end case c1 was due on 2024-10-10, 2 days ago")]
    assert (d.reminders, d.last_reminded_at) == (1, first + timedelta(hours=24))
    assert [key for _, key, *_ in scan(d, date(2024, 10, 13), raised, now=first + timedelta(hours=48))] == [
        "k:reminder:2", "k:escalation:1"]
    assert d.reminders == 2


def test_a_reminder_without_a_last_reminder_time_is_due_at_once():
    d = deadline()
    assert [kind for kind, *_ in scan(d, date(2024, 10, 11), {"k:overdue"})] == ["reminder"]
    assert d.reminders == 1 and d.last_reminded_at is not None


def test_escalation_one_level_up_per_interval_and_never_above_the_district():
    d = deadline()
    # 2 days over: not yet; 3 days over: the township.
    assert [kind for kind, *_ in scan(d, date(2024, 10, 12))] == ["overdue"]
    assert d.escalation_level == 0
    found = scan(deadline(), date(2024, 10, 13))
    assert found[-1] == ("escalation", "k:escalation:1", TOWNSHIP,
                         "escalated from 500151108201: notice_end case c1 was due on 2024-10-10, 3 days overdue")
    # 6 days over at once: township and district; 30 days over: still the district, the top.
    d = deadline()
    assert [(k, key, org) for k, key, org, _ in scan(d, date(2024, 10, 16))][1:] == [
        ("escalation", "k:escalation:1", TOWNSHIP), ("escalation", "k:escalation:2", DISTRICT)]
    assert d.escalation_level == 2
    assert [k for k, *_ in scan(d, date(2024, 11, 9), {"k:overdue", "k:escalation:1", "k:escalation:2"},
                                now=d.last_reminded_at + timedelta(hours=1))] == []
    assert d.escalation_level == 2


def test_an_escalation_already_raised_is_not_raised_again_but_the_level_moves_on():
    d = deadline(escalation_level=1)
    found = scan(d, date(2024, 10, 16), {"k:overdue"}, now=datetime(2024, 10, 16, 9, tzinfo=SHANGHAI))
    assert [(k, key, org) for k, key, org, _ in found] == [
        ("reminder", "k:reminder:1", VILLAGE), ("escalation", "k:escalation:2", DISTRICT)]
    d = deadline()
    found = scan(d, date(2024, 10, 13), {"k:escalation:1"})
    assert [k for k, *_ in found] == ["overdue"] and d.escalation_level == 1


def test_an_alert_carries_the_deadline_it_is_about_and_fits_its_column():
    now = datetime(2025, 10, 10, 9, tzinfo=SHANGHAI)
    longest = deadline(subject_id="x" * 64, kind="k" * 60, subject_type="s" * 60)
    found = alerts_for(longest, set(), as_of=date(2025, 10, 10), now=now, settings=SETTINGS)
    assert [a.kind for a in found] == ["overdue", "escalation", "escalation"]
    for alert in found:
        assert len(alert.message) <= 300
        assert (alert.deadline_key, alert.deadline_kind, alert.subject_type, alert.subject_id) == (
            "k", "k" * 60, "s" * 60, "x" * 64)
        assert (alert.deadline_org_code, alert.due_on, alert.raised_on, alert.raised_at) == (
            VILLAGE, DUE, date(2025, 10, 10), now)
