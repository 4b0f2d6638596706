import json
from datetime import date

import pytest

from shared.domain.deadlines import DeadlineUnit, due_date
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


def test_spring_festival_2025():
    # Sun 26 Jan and Sat 8 Feb are worked; 28 Jan - 4 Feb are off.
    assert calendar.add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert calendar.add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert calendar.add_working_days(date(2025, 1, 27), 5) == date(2025, 2, 10)
    assert calendar.working_days_between(date(2025, 1, 27), date(2025, 2, 4)) == 0


def test_add_working_days_needs_at_least_one_day():
    with pytest.raises(ValueError):
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


def test_no_path_means_package_only():
    with pytest.raises(CalendarYearMissing):
        load_workday_calendar(None).is_workday(date(2027, 1, 4))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "workday calendar"),
        (["2027-01-01"], "object keyed by year"),
        ({"27": {"holidays": []}}, "four-digit year"),
        ({"2027": {"holiday": ["2027-01-01"]}}, "only 'holidays' and 'workdays'"),
        ({"2027": {"holidays": "2027-01-01"}}, "must be a list"),
        ({"2027": {"holidays": ["2027-02-30"]}}, "'2027-02-30' is not a valid date"),
        ({"2027": {"holidays": ["2027/01/01"]}}, "not a YYYY-MM-DD date"),
        ({"2027": {"workdays": ["2026-12-27"]}}, "2026-12-27 is listed under the wrong year"),
        (
            {"2027": {"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}},
            "both holiday and workday: 2027-01-02",
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


def test_deadline_units_carry_chinese_labels():
    assert DeadlineUnit.WORKING_DAYS.label == "工作日"
    assert DeadlineUnit.CALENDAR_DAYS.label == "自然日"
