"""What run history shows, worked out from stored steps and runs: the status of each iteration of
a loop, and a playbook's runs per day with their durations. Pure: the store hands in rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ACTIVE = frozenset({"queued", "running", "waiting"})
STATUS_ORDER = ("running", "waiting", "failed", "timed_out", "cancelled")
# How a day's runs are counted in the chart: runs not finished yet count as running.
DAY_STATUSES = ("succeeded", "failed", "cancelled", "running")

StepRow = tuple[str, str, float | None, float | None]
RunRow = tuple[datetime, str, float | None, float | None]


@dataclass(frozen=True)
class Iteration:
    index: int
    status: str
    started_at: float | None
    ended_at: float | None


def iteration_status(statuses: Iterable[str]) -> str:
    """An iteration is running while any step in it is, failed if any step failed or timed out
    (as Logic Apps shows it, even when a later step handled the failure), else as its steps."""
    present = set(statuses)
    if not present:
        return "not_reached"
    if "queued" in present:
        present.add("running")
    for status in STATUS_ORDER:
        if status in present:
            return "failed" if status == "timed_out" else status
    return "succeeded"


def iterations(loop_key: str, count: int, rows: Iterable[StepRow]) -> list[Iteration]:
    """Every iteration of the loop step `loop_key`, from the steps inside it (nested loops'
    steps count for the outer iteration they are in)."""
    start = len(loop_key) + 1
    statuses: dict[int, list[str]] = {}
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    for key, status, started_at, ended_at in rows:
        index = int(key[start : key.index("]", start)])
        statuses.setdefault(index, []).append(status)
        if started_at is not None:
            starts[index] = min(started_at, starts.get(index, started_at))
        if ended_at is not None:
            ends[index] = max(ended_at, ends.get(index, ended_at))
    result = []
    for index in range(max(count, max(statuses, default=-1) + 1)):
        status = iteration_status(statuses.get(index, ()))
        ended = ends.get(index) if status not in ACTIVE else None
        result.append(Iteration(index, status, starts.get(index), ended))
    return result


@dataclass(frozen=True)
class Day:
    date: date
    counts: dict[str, int]
    p50_ms: int | None
    p95_ms: int | None


def days_since(today: date, days: int) -> datetime:
    """The first moment of the window of `days` days ending with `today`, in UTC."""
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def runs_per_day(rows: Iterable[RunRow], today: date, days: int) -> list[Day]:
    """Per day (UTC), oldest first and every day present: runs by status, and the median and
    95th percentile duration of the finished ones."""
    first = today - timedelta(days=days - 1)
    counts = {first + timedelta(days=n): dict.fromkeys(DAY_STATUSES, 0) for n in range(days)}
    durations: dict[date, list[float]] = {day: [] for day in counts}
    for created_at, status, started_at, ended_at in rows:
        day = _utc(created_at).date()
        if day not in counts:
            continue
        counts[day]["running" if status in ACTIVE else status] += 1
        if status not in ACTIVE and started_at is not None and ended_at is not None:
            durations[day].append((ended_at - started_at) * 1000)
    return [
        Day(day, counts[day], _percentile(durations[day], 50), _percentile(durations[day], 95))
        for day in counts
    ]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _percentile(values: list[float], percent: int) -> int | None:
    """Nearest-rank percentile: always a duration some run really took."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return round(ordered[rank - 1])
