from datetime import UTC, date, datetime, timedelta

import pytest

from shared.domain.clock import SHANGHAI, Clock, clock, shanghai_date, to_shanghai


def test_now_is_aware_shanghai_time():
    now = Clock().now()
    assert now.tzinfo == SHANGHAI
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_naive_freeze_is_read_as_shanghai():
    c = Clock()
    c.freeze(datetime(2024, 10, 1, 0, 30))
    assert c.now() == datetime(2024, 9, 30, 16, 30, tzinfo=UTC)
    assert c.today() == date(2024, 10, 1)


def test_aware_freeze_is_converted_to_shanghai():
    c = Clock()
    c.freeze(datetime(2024, 9, 30, 16, 30, tzinfo=UTC))
    assert c.now().tzinfo == SHANGHAI
    assert c.now().hour == 0
    # Still 30 September in UTC, already 1 October in Shanghai.
    assert c.today() == date(2024, 10, 1)


def test_advance_moves_a_frozen_clock_across_midnight():
    c = Clock()
    c.freeze(datetime(2024, 9, 27, 23, 0))
    c.advance(timedelta(hours=2))
    assert c.now() == datetime(2024, 9, 28, 1, 0, tzinfo=SHANGHAI)
    assert c.today() == date(2024, 9, 28)


def test_advance_refuses_a_running_clock():
    with pytest.raises(RuntimeError):
        Clock().advance(timedelta(days=1))


def test_unfreeze_returns_to_real_time():
    c = Clock()
    c.freeze(datetime(2000, 1, 1))
    c.unfreeze()
    assert c.today().year > 2000


def test_frozen_context_restores_previous_state():
    with clock.frozen(datetime(2024, 9, 27, 9, 0)):
        assert clock.today() == date(2024, 9, 27)
        with clock.frozen(datetime(2025, 1, 1)):
            assert clock.today() == date(2025, 1, 1)
        assert clock.today() == date(2024, 9, 27)
    assert clock.today().year > 2024


def test_to_shanghai_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        to_shanghai(datetime(2024, 10, 1, 8, 0))


def test_shanghai_date_of_a_utc_evening_is_the_next_day():
    assert shanghai_date(datetime(2024, 12, 31, 16, 0, tzinfo=UTC)) == date(2025, 1, 1)
    assert shanghai_date(datetime(2024, 12, 31, 15, 59, tzinfo=UTC)) == date(2024, 12, 31)
