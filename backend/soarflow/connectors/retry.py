"""Retry policy (Logic Apps' defaults) and which step failures are worth retrying."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RETRYABLE_STATUSES = frozenset({408, 429})
RETRYABLE_CODES = frozenset({"timeout", "connection_error"})
MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    """Logic Apps' defaults: exponential, 4 retries, 7.5 s scale, bounded 5 to 45 s."""

    policy: str = "exponential"
    count: int = 4
    interval: float = 7.5
    min_interval: float = 5.0
    max_interval: float = 45.0

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `retry` (from 1); Retry-After wins when sent."""
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        if self.policy == "fixed":
            return self.interval
        grown = self.interval * 2.0 ** (retry - 1)
        return min(max(grown, self.min_interval), self.max_interval)

    @property
    def retries(self) -> int:
        return 0 if self.policy == "none" else self.count


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(policy="none")


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def is_retryable(error: Mapping[str, Any]) -> bool:
    """Connection errors, timeouts, 408, 429 and 5xx answers; anything else fails for good."""
    if error.get("code") in RETRYABLE_CODES:
        return True
    status = error.get("details", {}).get("status")
    return (
        error.get("code") == "http_error"
        and isinstance(status, int)
        and is_retryable_status(status)
    )
