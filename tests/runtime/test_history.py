"""Run history worked out from stored rows: the status of each loop iteration (nested loops
and iterations not begun included), and a playbook's runs per UTC day with the median and 95th
percentile duration (every day of the window present, times from SQLite without a zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from soarflow.runtime.history import (
    Iteration,
    RunRow,
    StepRow,
    days_since,
    iteration_status,
    iterations,
    runs_per_day,
)

TODAY = date(2026, 3, 10)
EMPTY_DAY = {"succeeded": 0, "failed": 0, "cancelled": 0, "running": 0}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "not_reached"),
        (["succeeded"], "succeeded"),
        (["succeeded", "skipped"], "succeeded"),
        (["skipped"], "succeeded"),
        (["succeeded", "running"], "running"),
        (["queued"], "running"),
        (["failed", "running"], "running"),
        (["failed", "waiting"], "waiting"),
        (["waiting", "running"], "running"),
        (["failed", "succeeded"], "failed"),
        (["timed_out", "succeeded"], "failed"),
        (["cancelled", "failed"], "failed"),
        (["cancelled", "succeeded"], "cancelled"),
    ],
)
def test_an_iteration_shows_its_most_telling_step_status(
    statuses: list[str], expected: str
) -> None:
    assert iteration_status(statuses) == expected
    assert iteration_status(iter(statuses)) == expected, "any iterable will do"


def test_every_iteration_of_a_loop_with_its_times_and_those_not_reached() -> None:
    rows = [
        ("each_ip[0]/vt", "succeeded", 100.0, 101.5),
        ("each_ip[0]/verdict", "succeeded", 101.5, 102.0),
        ("each_ip[1]/vt", "failed", 100.0, 100.5),
        ("each_ip[1]/verdict", "skipped", 100.5, 100.5),
        ("each_ip[2]/vt", "succeeded", 103.0, 104.0),
        ("each_ip[2]/verdict", "running", 104.0, None),
    ]
    assert iterations("each_ip", 4, rows) == [
        Iteration(0, "succeeded", 100.0, 102.0),
        Iteration(1, "failed", 100.0, 100.5),
        # Still running: a step that ended does not end the iteration.
        Iteration(2, "running", 103.0, None),
        Iteration(3, "not_reached", None, None),
    ]


def test_a_loop_with_no_steps_yet_has_every_iteration_not_reached() -> None:
    assert [item.status for item in iterations("each_ip", 3, [])] == ["not_reached"] * 3
    assert iterations("each_ip", 0, []) == []


def test_rows_come_in_any_order() -> None:
    rows = [
        ("each[1]/b", "succeeded", 7.0, 9.0),
        ("each[0]/a", "succeeded", 3.0, 4.0),
        ("each[1]/a", "succeeded", 5.0, 6.0),
    ]
    assert iterations("each", 2, rows) == [
        Iteration(0, "succeeded", 3.0, 4.0),
        Iteration(1, "succeeded", 5.0, 9.0),
    ]


def test_nested_loops_count_for_the_outer_iteration_they_are_in() -> None:
    rows = [
        ("outer[0]/inner", "succeeded", 1.0, 5.0),
        ("outer[0]/inner[0]/say", "succeeded", 1.0, 2.0),
        ("outer[0]/inner[1]/say", "succeeded", 2.0, 5.0),
        ("outer[1]/inner", "failed", 6.0, 9.0),
        ("outer[1]/inner[0]/say", "succeeded", 6.0, 7.0),
        ("outer[1]/inner[1]/say", "failed", 7.0, 9.0),
    ]
    assert iterations("outer", 2, rows) == [
        Iteration(0, "succeeded", 1.0, 5.0),
        Iteration(1, "failed", 6.0, 9.0),
    ]


def test_a_nested_loop_key_reads_the_index_after_it() -> None:
    inner: list[StepRow] = [
        (f"outer[3]/inner[{n}]/say", "succeeded", float(n), n + 0.5) for n in range(12)
    ]
    inner += [("outer[3]/inner[11]/deeper[4]/x", "waiting", 11.2, None)]
    found = iterations("outer[3]/inner", 13, inner)
    assert [item.index for item in found] == list(range(13))
    assert [item.status for item in found] == ["succeeded"] * 11 + ["waiting", "not_reached"]
    assert (found[10].started_at, found[10].ended_at) == (10.0, 10.5)
    assert (found[11].started_at, found[11].ended_at) == (11.0, None)


def test_iterations_seen_beyond_the_count_are_shown_too() -> None:
    """An until loop's count is the passes begun; a step of a later pass still counts."""
    rows = [("again[0]/try", "succeeded", 1.0, 2.0), ("again[2]/try", "running", 3.0, None)]
    found = iterations("again", 1, rows)
    assert [item.status for item in found] == ["succeeded", "not_reached", "running"]


def test_the_window_starts_at_utc_midnight_of_its_first_day() -> None:
    assert days_since(TODAY, 1) == datetime(2026, 3, 10, tzinfo=UTC)
    assert days_since(TODAY, 30) == datetime(2026, 2, 9, tzinfo=UTC)
    assert days_since(date(2026, 1, 1), 2) == datetime(2025, 12, 31, tzinfo=UTC)


def run(created_at: datetime, status: str, seconds: float | None = None) -> RunRow:
    """A run created at that moment, started 1000 s into the epoch, lasting `seconds`."""
    ended = None if seconds is None else 1000.0 + seconds
    return (created_at, status, 1000.0, ended)


def at(day: int, hour: int = 12, tz: timezone | None = UTC) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=tz)


def test_runs_per_day_count_by_status_with_every_day_of_the_window_present() -> None:
    rows = [
        run(at(8), "succeeded", 2),
        run(at(8, 1), "failed", 4),
        run(at(10), "cancelled", 1),
        run(at(10, 3), "queued"),
        run(at(10, 4), "running"),
        (at(10, 5), "waiting", 1000.0, None),
        # Outside the window on both sides: ignored.
        run(at(7, 23), "succeeded", 1),
        run(at(11, 0), "succeeded", 1),
    ]
    days = runs_per_day(rows, TODAY, 3)
    assert [day.date for day in days] == [date(2026, 3, 8), date(2026, 3, 9), TODAY]
    assert [day.counts for day in days] == [
        {"succeeded": 1, "failed": 1, "cancelled": 0, "running": 0},
        EMPTY_DAY,
        {"succeeded": 0, "failed": 0, "cancelled": 1, "running": 3},
    ]
    assert [(day.p50_ms, day.p95_ms) for day in days] == [(2000, 4000), (None, None), (1000, 1000)]


def test_a_day_with_no_finished_run_has_no_durations() -> None:
    [day] = runs_per_day([run(at(10), "running"), (at(10), "cancelled", None, 5.0)], TODAY, 1)
    assert day.counts == {"succeeded": 0, "failed": 0, "cancelled": 1, "running": 1}
    assert (day.p50_ms, day.p95_ms) == (None, None)


def test_days_are_utc_days_whatever_zone_a_time_comes_in() -> None:
    two_hours_ahead = timezone(timedelta(hours=2))
    naive_from_sqlite = datetime(2026, 3, 9, 23, 30)
    rows = [
        run(naive_from_sqlite, "succeeded", 1),
        # 01:00 on the 10th two hours ahead of UTC is 23:00 on the 9th in UTC.
        run(at(10, 1, two_hours_ahead), "failed", 1),
        # 23:00 on the 9th five hours behind UTC is 04:00 on the 10th in UTC.
        run(at(9, 23, timezone(timedelta(hours=-5))), "cancelled", 1),
    ]
    nine, ten = runs_per_day(rows, TODAY, 2)
    assert nine.counts == {"succeeded": 1, "failed": 1, "cancelled": 0, "running": 0}
    assert ten.counts == {"succeeded": 0, "failed": 0, "cancelled": 1, "running": 0}


@pytest.mark.parametrize(
    ("seconds", "p50_ms", "p95_ms"),
    [
        ([1.5], 1500, 1500),
        ([0.3, 0.1], 100, 300),
        ([float(n) for n in range(20, 0, -1)], 10_000, 19_000),
        ([float(n) for n in range(1, 22)], 11_000, 20_000),
    ],
    ids=["one", "two", "twenty", "twenty-one"],
)
def test_percentiles_are_nearest_rank_durations_some_run_took(
    seconds: list[float], p50_ms: int, p95_ms: int
) -> None:
    rows = [run(at(10, hour=n % 24), "succeeded", length) for n, length in enumerate(seconds)]
    [day] = runs_per_day(rows, TODAY, 1)
    assert day.counts["succeeded"] == len(seconds)
    assert (day.p50_ms, day.p95_ms) == (p50_ms, p95_ms)
