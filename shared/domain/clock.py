"""The service clock: every time in Asia/Shanghai, and a test can stop or move it.

Code asks ``clock.now()`` / ``clock.today()`` instead of ``datetime.now()`` so that deadline logic
runs on server time and tests can freeze it at any instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_shanghai(dt: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai; a naive one is rejected."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        # A naive value has no known origin (client? UTC? local?); guessing would shift deadlines.
        raise ValueError(f"naive datetime {dt.isoformat()} has no time zone")
    return dt.astimezone(SHANGHAI)


def shanghai_date(dt: datetime) -> date:
    """The calendar date of an aware datetime in Asia/Shanghai."""
    return to_shanghai(dt).date()


class Clock:
    """Wall clock in Asia/Shanghai that tests can freeze, advance and release."""

    def __init__(self) -> None:
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        """The current aware datetime in Asia/Shanghai (the frozen one if frozen)."""
        return self._frozen_at if self._frozen_at is not None else datetime.now(SHANGHAI)

    def today(self) -> date:
        """Today's date in Asia/Shanghai."""
        return self.now().date()

    def freeze(self, dt: datetime) -> None:
        """Stop the clock at ``dt``; a naive ``dt`` is read as Asia/Shanghai time."""
        self._frozen_at = dt.replace(tzinfo=SHANGHAI) if dt.tzinfo is None else to_shanghai(dt)

    def unfreeze(self) -> None:
        """Let the clock follow real time again."""
        self._frozen_at = None

    @contextmanager
    def frozen(self, dt: datetime) -> Iterator[Clock]:
        """Freeze at ``dt`` for the block, then restore whatever state came before."""
        previous = self._frozen_at
        self.freeze(dt)
        try:
            yield self
        finally:
            self._frozen_at = previous

    def advance(self, delta: timedelta) -> None:
        """Move a frozen clock forward by ``delta``."""
        if self._frozen_at is None:
            raise RuntimeError("advance() needs a frozen clock; call freeze() first")
        self._frozen_at += delta


clock = Clock()
