"""Department warnings: stored, matched to a household by the ID number's blind index, grouped, checked.

- **Storing** (the webhook): each row is checked on its own; the good rows are stored and the bad ones
  reported by index and field. The department's own id again is accepted and ignored. The ID number is
  kept as a Fernet token, a blind index and a mask; details are masked like intake's free text.
- **Matching** runs in the worker (``warning.received``): the blind index names the household, from what
  intake announced (``household.changed``). A warning no household has yet waits, unmatched, until intake
  announces the number or township staff match it by hand.
- **Grouping**: a warning of a household and signal within ``warning_group_days`` of an earlier one is
  grouped into it and owes no check of its own.
- **The check** is due ``check_working_days`` Chinese working days after the day of receipt (调休
  included), registered as the deadline ``warning_check:<id>``. A check finding a risk publishes
  ``warning.verified`` so the ledger opens an identification case dated on the receipt day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from services.alerts.deadlines import service as deadlines
from services.alerts.departments.models import Department
from services.alerts.households.repository import HouseholdIndexRepository
from services.alerts.settings import get_alerts_settings
from services.alerts.warnings.models import DepartmentWarning
from services.alerts.warnings.repository import (
    AWAITING_CHECK,
    CHECKED,
    GROUPED,
    UNMATCHED,
    WarningFilter,
    WarningRepository,
)
from services.alerts.warnings.schemas import (
    CheckCreate,
    WarningIn,
    WarningPage,
    WarningRead,
)
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.deadlines import DeadlineUnit, due_date
from shared.domain.idnumber import mask_id_number, mask_sensitive_text
from shared.domain.org_codes import covers
from shared.domain.workdays import WorkdayCalendar, load_workday_calendar
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.alerts import (
    WarningChecked,
    WarningReceived,
    WarningVerified,
)
from shared.events.outbox import publish, publish_all
from shared.runtime.settings import get_platform_settings
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

SOURCE = "alerts"
CHECK_KIND = "warning_check"


@lru_cache(maxsize=8)
def _calendar(path: Path | None) -> WorkdayCalendar:
    return load_workday_calendar(path)


def workday_calendar() -> WorkdayCalendar:
    return _calendar(get_platform_settings().workday_calendar_file)


def check_key(warning_id: uuid.UUID) -> str:
    return f"{CHECK_KIND}:{warning_id}"


async def store_rows(session: AppSession, *, department: Department, message_id: str,
                     rows: list[tuple[int, WarningIn, str]], cipher: FieldCipher
                     ) -> list[tuple[int, str, uuid.UUID | None]]:
    """Store checked rows ``(index, row, normalised ID number)``; a department id stored before is skipped.

    Returns ``(index, department id, warning id or None for a duplicate)`` per row, and announces each
    stored warning as ``warning.received``.
    """
    now = clock.now()
    seen = await WarningRepository(session).stored_external_ids(department.id, (row.id for _, row, _ in rows))
    results, stored = [], []
    for index, row, number in rows:
        if row.id in seen:
            results.append((index, row.id, None))
            continue
        seen.add(row.id)
        warning = DepartmentWarning(
            department_id=department.id, department_code=department.code, external_id=row.id,
            signal_type=row.signal_type.value, occurred_on=row.occurred_on,
            details=mask_sensitive_text(row.details) if row.details else None,
            id_number_cipher=cipher.encrypt(number), id_number_index=cipher.blind_index(number, purpose="id_number"),
            id_number_masked=mask_id_number(number), message_id=message_id, received_at=now,
            received_on=now.date(), state=UNMATCHED, org_code=row.org_code or department.org_code)
        session.add(warning)
        stored.append(warning)
        results.append((index, row.id, warning.id))
    await session.flush()
    await publish_all(session, [(WarningReceived(
        warning_id=w.id, department_code=w.department_code, external_id=w.external_id, signal_type=w.signal_type,
        org_code=w.org_code, occurred_on=w.occurred_on, received_on=w.received_on), w.org_code) for w in stored],
        source=SOURCE)
    return results


async def _schedule_check(session: AppSession, warning: DepartmentWarning) -> None:
    settings = get_alerts_settings()
    if warning.check_due_on is None:
        warning.check_due_on = due_date(warning.received_on, settings.check_working_days, DeadlineUnit.WORKING_DAYS,
                                        workday_calendar())
    await deadlines.schedule(
        session, key=check_key(warning.id), kind=CHECK_KIND, subject_type="warning", subject_id=str(warning.id),
        org_code=warning.org_code, due=warning.check_due_on, source=SOURCE,
        basis=f"warning received {warning.received_on}: {settings.check_working_days} working days",
        rule_code="warning.check_5_working_days", as_of=clock.now(), unit=DeadlineUnit.WORKING_DAYS.value,
        amount=settings.check_working_days, counted_from=warning.received_on)


async def _match(session: AppSession, warning: DepartmentWarning, *, household_id: uuid.UUID, org_code: str,
                 matched_by: str) -> None:
    """Tie a warning to its household, then group it or schedule its check."""
    warning.household_id, warning.org_code = household_id, org_code
    warning.matched_by, warning.matched_at = matched_by, clock.now()
    since = warning.received_on - timedelta(days=get_alerts_settings().warning_group_days)
    head = await WarningRepository(session).group_head(warning, since)
    if head is not None:
        warning.state, warning.grouped_into = GROUPED, head.id
        await session.flush()
        await deadlines.cancel(session, key=check_key(warning.id))
        return
    warning.state = AWAITING_CHECK
    await session.flush()
    await _schedule_check(session, warning)


async def match_received(session: AppSession, *, warning_id: uuid.UUID) -> None:
    """The worker's part of receiving a warning: match it by its blind index, or leave it waiting."""
    warning = await WarningRepository(session).get(warning_id, for_update=True)
    if warning is None or warning.state != UNMATCHED:
        return
    found = (await HouseholdIndexRepository(session).by_indexes([warning.id_number_index])).get(
        warning.id_number_index)
    if found is None:
        await _schedule_check(session, warning)  # owed from receipt, matched or not: the queue is watched too
        return
    await _match(session, warning, household_id=found.household_id, org_code=found.org_code,
                 matched_by="blind_index")


async def match_waiting(session: AppSession, *, indexes: Iterable[str]) -> None:
    """Match the waiting warnings whose ID number intake has just announced."""
    repository = HouseholdIndexRepository(session)
    for warning in await WarningRepository(session).unmatched_with(indexes):
        found = (await repository.by_indexes([warning.id_number_index]))[warning.id_number_index]
        await _match(session, warning, household_id=found.household_id, org_code=found.org_code,
                     matched_by="blind_index")


async def match_by_hand(session: AppSession, *, principal: Principal, warning_id: uuid.UUID,
                        household_id: uuid.UUID) -> WarningRead:
    warning = await _warning(session, warning_id, for_update=True)
    if warning.state != UNMATCHED:
        raise Conflict(f"the warning is {warning.state}, not waiting to be matched")
    household = await HouseholdIndexRepository(session).household(household_id)
    if household is None or household.removed:
        raise NotFound(f"no household {household_id} is known in your scope")
    if not covers(warning.org_code, household.org_code):
        raise InvalidInput("body.household_id", f"the household lies outside the warning's unit {warning.org_code}")
    await _match(session, warning, household_id=household.household_id, org_code=household.org_code,
                 matched_by=principal.user_id)
    return warning_read(warning)


async def record_check(session: AppSession, *, principal: Principal, warning_id: uuid.UUID,
                       data: CheckCreate) -> WarningRead:
    """The household check's result; a risk found is announced as ``warning.verified``."""
    warning = await _warning(session, warning_id, for_update=True)
    if warning.state == GROUPED:
        raise Conflict(f"the warning is grouped into {warning.grouped_into}; check that one")
    if warning.state in CHECKED:
        raise Conflict(f"the warning was already checked on {warning.checked_on} ({warning.check_result})")
    if warning.state != AWAITING_CHECK:
        raise Conflict("the warning is not matched to a household yet; match it first")
    now = clock.now()
    warning.state = warning.check_result = data.result
    warning.check_reason = mask_sensitive_text(data.reason) if data.reason else None
    warning.checked_by, warning.checked_by_name, warning.checked_on, warning.checked_at = \
        principal.user_id, principal.name, now.date(), now
    await session.flush()
    late = warning.check_due_on is not None and now.date() > warning.check_due_on
    await deadlines.record_met(session, key=check_key(warning.id), met_on=now.date(), late=late,
                               as_of=now, org_code=warning.org_code, source=SOURCE)
    await publish(session, WarningChecked(
        warning_id=warning.id, household_id=warning.household_id, org_code=warning.org_code,
        signal_type=warning.signal_type, received_on=warning.received_on, check_due_on=warning.check_due_on,
        checked_on=now.date(), result=data.result, late=late), org_code=warning.org_code, source=SOURCE)
    if data.result == "risk_found":
        await publish(session, WarningVerified(
            warning_id=warning.id, household_id=warning.household_id, org_code=warning.org_code,
            received_on=warning.received_on, signal_type=warning.signal_type, verified_on=now.date(),
            verified_by=principal.user_id), org_code=warning.org_code, source=SOURCE)
    return warning_read(warning)


async def _warning(session: AppSession, warning_id: uuid.UUID, *, for_update: bool = False) -> DepartmentWarning:
    warning = await WarningRepository(session).get(warning_id, for_update=for_update)
    if warning is None:
        raise NotFound(f"no warning {warning_id} in your scope")
    return warning


def warning_read(warning: DepartmentWarning) -> WarningRead:
    return WarningRead(
        id=warning.id, department_code=warning.department_code, external_id=warning.external_id,
        signal_type=warning.signal_type, occurred_on=warning.occurred_on,
        details=mask_sensitive_text(warning.details) if warning.details else None, id_number=warning.id_number_masked,
        org_code=warning.org_code, received_at=warning.received_at, received_on=warning.received_on,
        state=warning.state, household_id=warning.household_id, matched_by=warning.matched_by,
        matched_at=warning.matched_at, grouped_into=warning.grouped_into, check_due_on=warning.check_due_on,
        check_result=warning.check_result, check_reason=warning.check_reason, checked_by=warning.checked_by,
        checked_by_name=warning.checked_by_name, checked_on=warning.checked_on)


async def get(session: AppSession, *, warning_id: uuid.UUID) -> WarningRead:
    return warning_read(await _warning(session, warning_id))


async def list_warnings(session: AppSession, *, criteria: WarningFilter, limit: int, offset: int) -> WarningPage:
    rows, total = await WarningRepository(session).page(criteria, limit=limit, offset=offset)
    return WarningPage(items=[warning_read(w) for w in rows], total=total, limit=limit, offset=offset)
