"""The scan that raises alerts from the deadline registry, and the alerts people read and acknowledge.

For each open deadline of a unit, as of a day A (``as_of``):

- ``due_soon`` once, when it falls due within ``due_soon_days`` of A (the due day itself counts);
- ``overdue`` once, the first day after the due day;
- then a ``reminder`` whenever the last overdue alert or reminder is ``reminder_interval_hours`` old;
- an ``escalation`` one level up the org tree (village → township → district) for every
  ``escalate_after_days`` overdue, each level once.

A campaign's phase date is informational: ``due_soon`` only, and ``passed`` once its day has gone by.

Each alert has a dedupe key (unique in the table), so a scan run again, or by two workers, raises
nothing twice. Every alert raised is published as ``alert.raised`` and queued for delivery to the
subscriptions that cover its unit and kind.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from services.alerts.alerts.decisions import alerts_for
from services.alerts.alerts.models import Alert
from services.alerts.alerts.repository import AlertFilter, AlertRepository
from services.alerts.alerts.schemas import AlertPage, AlertRead
from services.alerts.deadlines.repository import DeadlineRepository, ScanMoment
from services.alerts.deadlines.service import pass_if_gone_by
from services.alerts.settings import AlertsSettings
from services.alerts.subscriptions.service import queue_deliveries
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.errors import Conflict, NotFound
from shared.events.contracts.alerts import AlertRaised
from shared.events.outbox import publish_all
from shared.security.auth import Principal

SOURCE = "alerts"


def scan_horizon(as_of: date, settings: AlertsSettings) -> date:
    return as_of + timedelta(days=settings.due_soon_days)


def scan_moment(as_of: date, now: datetime, settings: AlertsSettings) -> ScanMoment:
    return ScanMoment(as_of=as_of, now=now, horizon=scan_horizon(as_of, settings),
                      reminder_interval=timedelta(hours=settings.reminder_interval_hours),
                      escalate_after_days=settings.escalate_after_days)


async def scan_unit(session: AppSession, *, org_code: str, as_of: date, settings: AlertsSettings) -> int:
    """Raise what the open deadlines of one unit call for as of ``as_of``; returns how many alerts."""
    now = clock.now()
    deadlines = await DeadlineRepository(session).work_of_unit(org_code, scan_moment(as_of, now, settings))
    deadlines = [d for d in deadlines if not pass_if_gone_by(d, as_of)]
    raised = await AlertRepository(session).raised_keys(d.key for d in deadlines)
    alerts = [alert for deadline in deadlines
              for alert in alerts_for(deadline, raised, as_of=as_of, now=now, settings=settings)]
    if not alerts:
        await session.flush()
        return 0
    session.add_all(alerts)
    await session.flush()
    await publish_all(session, [(AlertRaised(
        alert_id=a.id, kind=a.kind, deadline_key=a.deadline_key, deadline_kind=a.deadline_kind,
        subject_type=a.subject_type, subject_id=a.subject_id, org_code=a.org_code,
        deadline_org_code=a.deadline_org_code, due_on=a.due_on, raised_on=a.raised_on, message=a.message),
        a.org_code) for a in alerts], source=SOURCE)
    await queue_deliveries(session, alerts=alerts)
    return len(alerts)


def alert_read(alert: Alert) -> AlertRead:
    return AlertRead.model_validate(alert, from_attributes=True)


async def acknowledge(session: AppSession, *, principal: Principal, alert_id: uuid.UUID) -> AlertRead:
    alert = await AlertRepository(session).get(alert_id, for_update=True)
    if alert is None:
        raise NotFound(f"no alert {alert_id} in your scope")
    if alert.state == "acknowledged":
        raise Conflict(f"already acknowledged by {alert.acknowledged_by_name} at {alert.acknowledged_at}")
    alert.state, alert.acknowledged_by, alert.acknowledged_by_name, alert.acknowledged_at = \
        "acknowledged", principal.user_id, principal.name, clock.now()
    await session.flush()
    return alert_read(alert)


async def list_alerts(session: AppSession, *, criteria: AlertFilter, limit: int, offset: int) -> AlertPage:
    rows, total = await AlertRepository(session).page(criteria, limit=limit, offset=offset)
    return AlertPage(items=[alert_read(a) for a in rows], total=total, limit=limit, offset=offset)
