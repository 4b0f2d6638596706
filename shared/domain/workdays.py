"""Chinese working days (工作日), with the State Council's adjusted working weekends (调休).

Data comes from the ``chinesecalendar`` package. A deployment can add years the package does not
know yet (or correct one) with a JSON file (dates below are only an illustration)::

    {
      "2027": {
        "holidays": ["2027-01-01", "2027-02-05"],
        "workdays": ["2027-02-07"]
      }
    }

Keys are four-digit years. ``holidays`` lists weekdays that are off (法定节假日 and 调休 days off);
``workdays`` lists weekend days that are worked (调休上班). Dates are ``YYYY-MM-DD`` and must lie in
the year they are listed under; a date may not be in both lists; either list may be omitted. A
supplied year replaces the package for that whole year, so list every holiday and adjusted workday
of the year from the State Council notice (国务院办公厅关于部分节假日安排的通知).

A date in a year that neither source covers raises ``CalendarYearMissing``: a deadline silently
computed on a Monday-to-Friday guess would be wrong around every holiday.

Counting convention: the start day is not counted. A request received on day D that must be handled
"within 5 working days" is due by the end of ``add_working_days(D, 5)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

_LISTS = ("holidays", "workdays")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CalendarYearMissing(Exception):
    """No working-day data exists for a year, so no working-day deadline can be computed in it."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"no working-day calendar for {year}: the installed chinesecalendar package has no "
            f"data for it; upgrade the package, or list {year}'s holidays and 调休 workdays from "
            f"the State Council notice in the deployment's workday calendar JSON file "
            f"(setting FANGFAN_WORKDAY_CALENDAR_FILE)"
        )


class WorkdayCalendar:
    """Decides whether a date is a working day and counts working days from one."""

    def __init__(self, supplied: Mapping[int, Mapping[str, Iterable[date]]] | None = None) -> None:
        self._supplied: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        for year, lists in (supplied or {}).items():
            holidays = frozenset(lists.get("holidays", ()))
            workdays = frozenset(lists.get("workdays", ()))
            _check_year(year, holidays, workdays)
            self._supplied[year] = (holidays, workdays)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; raises ``CalendarYearMissing`` for an unknown year."""
        if d.year in self._supplied:
            holidays, workdays = self._supplied[d.year]
            return d in workdays or (d.weekday() < 5 and d not in holidays)
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            raise CalendarYearMissing(d.year) from None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def add_calendar_days(self, start: date, n: int) -> date:
        """``start`` plus n calendar days (自然日), whatever the holidays."""
        return start + timedelta(days=n)


def load_workday_calendar(path: str | Path | None) -> WorkdayCalendar:
    """A calendar from the package plus the years in the JSON file at ``path`` (if any)."""
    if path is None:
        return WorkdayCalendar()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return WorkdayCalendar(_parse_years(raw))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        raise ValueError(f"workday calendar {path}: {exc}") from exc


def _parse_years(raw: object) -> dict[int, dict[str, list[date]]]:
    """Turn the decoded JSON into ``{year: {"holidays": [...], "workdays": [...]}}``."""
    if not isinstance(raw, dict):
        raise ValueError("top level must be an object keyed by year")
    years: dict[int, dict[str, list[date]]] = {}
    for key, lists in raw.items():
        if not re.fullmatch(r"[0-9]{4}", key):
            raise ValueError(f"{key!r} is not a four-digit year")
        if not isinstance(lists, dict) or set(lists) - set(_LISTS):
            raise ValueError(f"{key}: must be an object with only 'holidays' and 'workdays'")
        years[int(key)] = {
            name: _parse_dates(f"{key}.{name}", lists.get(name, [])) for name in _LISTS
        }
    return years


def _parse_dates(where: str, values: object) -> list[date]:
    """Parse a JSON list of ``YYYY-MM-DD`` strings."""
    if not isinstance(values, list):
        raise ValueError(f"{where}: must be a list of YYYY-MM-DD dates")
    dates = []
    for value in values:
        # fromisoformat alone would also take "20270101" and other forms; insist on one spelling.
        if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            raise ValueError(f"{where}: {value!r} is not a YYYY-MM-DD date")
        try:
            dates.append(date.fromisoformat(value))
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not a valid date") from None
    return dates


def _check_year(year: int, holidays: frozenset[date], workdays: frozenset[date]) -> None:
    """Reject dates outside ``year`` and dates that are both a holiday and a workday."""
    for d in sorted(holidays | workdays):
        if d.year != year:
            raise ValueError(f"{year}: {d.isoformat()} is listed under the wrong year")
    both = sorted(holidays & workdays)
    if both:
        listed = ", ".join(d.isoformat() for d in both)
        raise ValueError(f"{year}: listed as both holiday and workday: {listed}")
