"""limit/offset query parameters and the {"data", "total", "next"} list shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request, url_for

from soarflow.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "offset": {"type": "integer", "minimum": 0, "default": 0},
}


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int

    def next_url(self, total: int, **arguments: Any) -> str | None:
        if self.offset + self.limit >= total:
            return None
        assert request.endpoint is not None
        return url_for(
            request.endpoint,
            **(request.view_args or {}),
            **arguments,
            offset=self.offset + self.limit,
            limit=self.limit,
        )


def page_request() -> PageRequest:
    return PageRequest(
        offset=integer_parameter("offset", default=0, low=0, high=10**9),
        limit=integer_parameter("limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
    )


def choice_parameter(name: str, choices: Sequence[str]) -> str | None:
    """A query parameter that takes one of a few values, refused with the list otherwise."""
    raw = request.args.get(name)
    if raw is not None and raw not in choices:
        raise ApiError(
            400,
            "invalid_parameter",
            f"{name} is one of {', '.join(choices)}",
            {"parameter": name},
        )
    return raw


def time_parameter(name: str) -> datetime | None:
    """An ISO 8601 date-time query parameter, in UTC: stored times are UTC, and SQLite compares
    them as text, so an offset has to be applied here. One without a time zone is refused."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400,
            "invalid_parameter",
            f"'{name}' must be an ISO 8601 date-time",
            {"parameter": name, "value": raw[:100]},
        ) from None
    if moment.tzinfo is None:
        raise ApiError(
            400,
            "invalid_parameter",
            f"'{name}' needs a time zone, e.g. 2026-11-27T10:00:00Z",
            {"parameter": name, "value": raw[:100]},
        )
    return moment.astimezone(UTC)


def integer_parameter(name: str, *, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not low <= int(raw) <= high:
        raise ApiError(
            400,
            "invalid_parameter",
            f"'{name}' must be a whole number from {low} to {high}",
            {"parameter": name, "value": raw[:100]},
        )
    return int(raw)
