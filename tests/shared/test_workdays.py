import json
from datetime import date

import pytest

from shared.domain.deadlines import DeadlineUnit, add_months, due_date
from shared.domain.workdays import (
    CalendarYearMissing,
    WorkdayCalendar,
    load_workday_calendar,
)

calendar = WorkdayCalendar()

# Illustrative data for a year the package does not cover; not the real 2027 schedule.
YEAR_2027 = {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-02"]}}


def write_json(tmp_path, data) -> str:
    path = tmp_path / "workdays.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_five_working_days_after_friday_before_national_day_2024():
    # Sun 29 Sep is worked (调休), 1-7 Oct are off, so day 5 lands on Thu 10 Oct.
    assert calendar.add_working_days(date(2024, 9, 27), 5) == date(2024, 10, 10)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 9, 28), False),  # Saturday
        (date(2024, 9, 29), True),  # Sunday, adjusted working day
        (date(2024, 10, 1), False),
        (date(2024, 10, 7), False),  # Monday, holiday
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),  # Saturday, adjusted working day
        (date(2024, 10, 13), False),
    ],
)
def test_national_day_2024(day, expected):
    assert calendar.is_workday(day) is expected


def test_national_day_2024_working_day_counts():
    assert calendar.add_working_days(date(2024, 9, 29), 1) == date(2024, 9, 30)
    assert calendar.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert calendar.add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)
    assert calendar.working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0
    assert calendar.working_days_between(date(2024, 9, 27), date(2024, 10, 10)) == 5
    assert calendar.working_days_between(date(2024, 10, 10), date(2024, 9, 27)) == -5
    # The day after the start is the first one counted, and no day lies between a day and itself.
    assert calendar.working_days_between(date(2024, 9, 26), date(2024, 9, 27)) == 1
    assert calendar.working_days_between(date(2024, 9, 27), date(2024, 9, 26)) == -1
    assert calendar.working_days_between(date(2024, 9, 27), date(2024, 9, 27)) == 0


def test_spring_festival_2025():
    # Sun 26 Jan and Sat 8 Feb are worked; 28 Jan - 4 Feb are off.
    assert calendar.add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert calendar.add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert calendar.add_working_days(date(2025, 1, 27), 5) == date(2025, 2, 10)
    assert calendar.working_days_between(date(2025, 1, 27), date(2025, 2, 4)) == 0


def test_add_working_days_needs_at_least_one_day():
    with pytest.raises(ValueError, match="^n must be at least 1, got 0$"):
        calendar.add_working_days(date(2024, 9, 27), 0)


def test_add_calendar_days_ignores_holidays():
    assert calendar.add_calendar_days(date(2024, 9, 27), 5) == date(2024, 10, 2)


def test_year_without_data_is_an_error_not_a_guess():
    with pytest.raises(CalendarYearMissing, match="2027") as info:
        calendar.is_workday(date(2027, 1, 4))
    assert info.value.year == 2027
    assert "FANGFAN_WORKDAY_CALENDAR_FILE" in str(info.value)
    # A count that runs out of the covered years fails too, rather than stopping short.
    with pytest.raises(CalendarYearMissing):
        calendar.add_working_days(date(2026, 12, 30), 5)


def test_supplied_year_from_json_file(tmp_path):
    supplied = load_workday_calendar(write_json(tmp_path, YEAR_2027))
    assert supplied.is_workday(date(2027, 1, 4)) is True  # Monday
    assert supplied.is_workday(date(2027, 1, 1)) is False  # Friday, listed holiday
    assert supplied.is_workday(date(2027, 1, 2)) is True  # Saturday, listed workday
    assert supplied.is_workday(date(2027, 1, 3)) is False  # Sunday
    # From the package's last year into the supplied one.
    assert supplied.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 2)
    with pytest.raises(CalendarYearMissing, match="2028"):
        supplied.is_workday(date(2028, 1, 3))


def test_a_supplied_year_keeps_ordinary_weekends_off_and_weekdays_on():
    supplied = WorkdayCalendar({2027: {"holidays": [date(2027, 1, 1)], "workdays": [date(2027, 1, 2)]}})
    # Every day of January but the two listed follows the plain week: Saturdays and Sundays are off.
    for day in range(3, 32):
        d = date(2027, 1, day)
        assert supplied.is_workday(d) is (d.weekday() < 5), d
    assert supplied.working_days_between(date(2027, 1, 1), date(2027, 1, 31)) == 1 + 20


def test_a_supplied_year_may_omit_either_list():
    only_holidays = WorkdayCalendar({2027: {"holidays": [date(2027, 1, 1)]}})
    assert only_holidays.is_workday(date(2027, 1, 1)) is False
    assert only_holidays.is_workday(date(2027, 1, 2)) is False  # Saturday
    only_workdays = WorkdayCalendar({2027: {"workdays": [date(2027, 1, 2)]}})
    assert only_workdays.is_workday(date(2027, 1, 1)) is True
    assert only_workdays.is_workday(date(2027, 1, 2)) is True
    assert WorkdayCalendar({2027: {}}).is_workday(date(2027, 1, 4)) is True


def test_no_path_means_package_only():
    with pytest.raises(CalendarYearMissing):
        load_workday_calendar(None).is_workday(date(2027, 1, 4))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "workday calendar"),
        (["2027-01-01"], ": top level must be an object keyed by year$"),
        ({"27": {"holidays": []}}, ": '27' is not a four-digit year$"),
        ({"2027": {"holiday": ["2027-01-01"]}}, ": 2027: must be an object with only 'holidays' and 'workdays'$"),
        ({"2027": {"holidays": "2027-01-01"}}, ": 2027.holidays: must be a list of YYYY-MM-DD dates$"),
        ({"2027": {"holidays": ["2027-02-30"]}}, ": 2027.holidays: '2027-02-30' is not a valid date$"),
        ({"2027": {"workdays": ["2027/01/01"]}}, ": 2027.workdays: '2027/01/01' is not a YYYY-MM-DD date$"),
        ({"2027": {"workdays": ["2026-12-27"]}}, ": 2027: 2026-12-27 is listed under the wrong year$"),
        (
            {"2027": {"holidays": ["2027-01-02", "2027-01-03"], "workdays": ["2027-01-03", "2027-01-02"]}},
            ": 2027: listed as both holiday and workday: 2027-01-02, 2027-01-03$",
        ),
    ],
)
def test_invalid_json_is_rejected_with_a_clear_message(tmp_path, content, message):
    path = write_json(tmp_path, content)
    with pytest.raises(ValueError, match=message) as info:
        load_workday_calendar(path)
    assert path in str(info.value)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (DeadlineUnit.WORKING_DAYS, date(2024, 10, 10)),
        (DeadlineUnit.CALENDAR_DAYS, date(2024, 10, 2)),
        ("working_days", date(2024, 10, 10)),
    ],
)
def test_due_date_follows_the_rule_unit(unit, expected):
    assert due_date(date(2024, 9, 27), 5, unit, calendar) == expected


def test_due_date_of_one_unit_and_refusal_of_none():
    # Fri 27 Sep 2024: the next working day is the adjusted Sunday 29 Sep.
    assert due_date(date(2024, 9, 27), 1, DeadlineUnit.WORKING_DAYS, calendar) == date(2024, 9, 29)
    assert due_date(date(2024, 9, 27), 1, DeadlineUnit.CALENDAR_DAYS, calendar) == date(2024, 9, 28)
    assert due_date(date(2024, 9, 27), 1, DeadlineUnit.CALENDAR_MONTHS, calendar) == date(2024, 10, 27)
    for unit in DeadlineUnit:
        with pytest.raises(ValueError, match="^a deadline lasts at least one day, got 0$"):
            due_date(date(2024, 9, 27), 0, unit, calendar)
        with pytest.raises(ValueError, match="got -1$"):
            due_date(date(2024, 9, 27), -1, unit, calendar)


def test_due_date_in_months_runs_to_the_same_day_or_the_month_s_last():
    months = DeadlineUnit.CALENDAR_MONTHS
    assert due_date(date(2024, 9, 16), 6, months, calendar) == date(2025, 3, 16)
    assert due_date(date(2024, 8, 31), 6, "calendar_months", calendar) == date(2025, 2, 28)
    assert due_date(date(2023, 8, 31), 6, months, calendar) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 15), 0, date(2024, 1, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 11, 30), 1, date(2024, 12, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 12, 31), 12, date(2025, 12, 31)),
        (date(2024, 1, 15), 11, date(2024, 12, 15)),
        (date(2024, 1, 15), 23, date(2025, 12, 15)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_deadline_units_carry_chinese_labels():
    assert DeadlineUnit.WORKING_DAYS.label == "工作日"
    assert DeadlineUnit.CALENDAR_DAYS.label == "自然日"
