"""Legal deadlines (期限): every rule states its amount and its unit, never a bare number of days."""

from __future__ import annotations

from datetime import date

from shared.domain.enums import LabeledEnum
from shared.domain.workdays import WorkdayCalendar


class DeadlineUnit(LabeledEnum):
    CALENDAR_DAYS = "calendar_days", "自然日"
    WORKING_DAYS = "working_days", "工作日"


def due_date(start: date, amount: int, unit: DeadlineUnit | str, calendar: WorkdayCalendar) -> date:
    """Last day of a deadline of ``amount`` units counted from the day after ``start``.

    Calendar days are counted plainly: a due date that falls on a holiday is not moved.
    """
    if amount < 1:
        raise ValueError(f"a deadline lasts at least one day, got {amount}")
    match DeadlineUnit(unit):
        case DeadlineUnit.CALENDAR_DAYS:
            return calendar.add_calendar_days(start, amount)
        case DeadlineUnit.WORKING_DAYS:
            return calendar.add_working_days(start, amount)
