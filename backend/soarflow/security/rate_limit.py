"""Token buckets by key, for the calls of one server process.

A bucket holds up to a minute's allowance and refills at an even rate, so a sender may burst
after a quiet spell and is then held to the rate. The buckets live in memory: with several
server processes (gunicorn workers, hosts) each counts on its own, and the whole instance
allows up to that many times the rate."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, per_minute: int) -> int:
        """Spend one call of key's allowance: 0 when allowed, else the whole seconds until one
        is available (for Retry-After)."""
        now = self._clock()
        rate = per_minute / 60.0
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(per_minute), now))
            # The limit may have changed since the bucket was made; never hold more than it.
            bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
