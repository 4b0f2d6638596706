"""What one deadline calls for on a day: due soon, overdue, a reminder, escalations.

Pure decisions apart from the database, so they are tested (and mutation-tested) on their own; the
scan (``service.scan_unit``) loads the deadlines, passes what was already raised and stores the alerts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.alerts.alerts.models import Alert
from services.alerts.deadlines.models import Deadline
from services.alerts.settings import AlertsSettings
from shared.domain.enums import AlertKind
from shared.domain.org_codes import escalation_target


def new_alert(deadline: Deadline, kind: AlertKind, dedupe: str, *, org_code: str, as_of: date, now: datetime,
           message: str) -> Alert:
    return Alert(dedupe_key=dedupe, kind=kind.value, deadline_key=deadline.key, deadline_kind=deadline.kind,
                 subject_type=deadline.subject_type, subject_id=deadline.subject_id,
                 deadline_org_code=deadline.org_code, org_code=org_code, due_on=deadline.due_on, raised_on=as_of,
                 raised_at=now, message=message[:300])


def alerts_for(deadline: Deadline, raised: set[str], *, as_of: date, now: datetime,
                settings: AlertsSettings) -> list[Alert]:
    """What one deadline calls for today; updates its reminder and escalation state."""
    key, due = deadline.key, deadline.due_on
    what = f"{deadline.kind} {deadline.subject_type} {deadline.subject_id}"
    found: list[Alert] = []
    if as_of <= due:
        if f"{key}:due_soon" not in raised:
            found.append(new_alert(deadline, AlertKind.DUE_SOON, f"{key}:due_soon", org_code=deadline.org_code,
                                as_of=as_of, now=now, message=f"{what} is due on {due}"))
        return found
    days_over = (as_of - due).days
    if f"{key}:overdue" not in raised:
        found.append(new_alert(deadline, AlertKind.OVERDUE, f"{key}:overdue", org_code=deadline.org_code, as_of=as_of,
                            now=now, message=f"{what} was due on {due}: {days_over} days overdue"))
        deadline.last_reminded_at = now
    elif deadline.last_reminded_at is None or now - deadline.last_reminded_at >= timedelta(
            hours=settings.reminder_interval_hours):
        deadline.reminders += 1
        found.append(new_alert(deadline, AlertKind.REMINDER, f"{key}:reminder:{deadline.reminders}",
                            org_code=deadline.org_code, as_of=as_of, now=now,
                            message=f"reminder {deadline.reminders}: {what} was due on {due}, {days_over} days ago"))
        deadline.last_reminded_at = now
    target = deadline.org_code
    for _ in range(deadline.escalation_level):
        target = escalation_target(target) or target
    while deadline.escalation_level < days_over // settings.escalate_after_days:
        above = escalation_target(target)
        if above is None:
            break
        deadline.escalation_level += 1
        target = above
        dedupe = f"{key}:escalation:{deadline.escalation_level}"
        if dedupe not in raised:
            found.append(new_alert(deadline, AlertKind.ESCALATION, dedupe, org_code=target, as_of=as_of, now=now,
                                message=f"escalated from {deadline.org_code}: {what} was due on {due}, "
                                        f"{days_over} days overdue"))
    return found
