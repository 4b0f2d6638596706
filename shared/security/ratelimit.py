"""Token buckets per caller, held in this process (each API replica and worker limits on its own)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: ``capacity`` tokens at most, refilled at ``per_second``; a take waits for none."""

    # Past this many keys, full buckets (callers idle long enough) are forgotten.
    MAX_KEYS = 10_000

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._monotonic = monotonic

    def take(self, key: str, cost: float, *, capacity: float, per_second: float) -> float:
        """Take ``cost`` tokens from ``key``'s bucket: 0 when taken, else the seconds until they would be there.

        A cost above the capacity costs the whole capacity: the largest request still passes, when the
        bucket is full.
        """
        cost = min(cost, capacity)
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_KEYS:
                self._forget_full(now, capacity, per_second)
            bucket = self._buckets[key] = _Bucket(tokens=capacity, updated=now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / per_second

    def _forget_full(self, now: float, capacity: float, per_second: float) -> None:
        for key in [key for key, b in self._buckets.items() if b.tokens + (now - b.updated) * per_second >= capacity]:
            del self._buckets[key]


def retry_after_seconds(wait: float) -> int:
    """A ``Retry-After`` value: whole seconds, at least one."""
    return max(1, math.ceil(wait))
