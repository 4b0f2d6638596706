"""Legal deadlines (期限): every rule states its amount and its unit, never a bare number of days."""

from __future__ import annotations

import calendar as gregorian
from datetime import date

from shared.domain.enums import LabeledEnum
from shared.domain.workdays import WorkdayCalendar


class DeadlineUnit(LabeledEnum):
    CALENDAR_DAYS = "calendar_days", "自然日"
    WORKING_DAYS = "working_days", "工作日"
    CALENDAR_MONTHS = "calendar_months", "个月"


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; a day the target month lacks becomes its last (31 Aug + 6 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))


def due_date(start: date, amount: int, unit: DeadlineUnit | str, calendar: WorkdayCalendar) -> date:
    """Last day of a deadline of ``amount`` units counted from the day after ``start``.

    Calendar days are counted plainly: a due date that falls on a holiday is not moved. Months run to
    the same day of the month ``amount`` months later (half a year from 16 September is 16 March).
    """
    if amount < 1:
        raise ValueError(f"a deadline lasts at least one day, got {amount}")
    match DeadlineUnit(unit):
        case DeadlineUnit.CALENDAR_DAYS:
            return calendar.add_calendar_days(start, amount)
        case DeadlineUnit.WORKING_DAYS:
            return calendar.add_working_days(start, amount)
        case DeadlineUnit.CALENDAR_MONTHS:
            return add_months(start, amount)
