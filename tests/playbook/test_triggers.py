"""The core webhook and schedule triggers' settings: what the validator refuses (naming the
trigger), the defaults and limits everyone reads, and the moments a schedule names, clock
changes included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import Problem, validate
from soarflow.playbook.triggers import (
    InvalidParams,
    Schedule,
    WebhookSettings,
    schedule_of,
    webhook_settings,
)

REGISTRY = ConnectorRegistry.load(REPO_ROOT / "connectors")
BERLIN = ZoneInfo("Europe/Berlin")
CHECK_WINDOW = timedelta(seconds=65)


def triggered(trigger_type: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "triggered",
        "trigger": {"id": "start", "type": trigger_type, "params": params},
        "nodes": [
            {"id": "note", "kind": "action", "action": "core.compose", "inputs": {"value": 1}}
        ],
        "edges": [{"source": "start", "target": "note"}],
    }


def problems(trigger_type: str, params: dict[str, Any]) -> list[Problem]:
    return validate(triggered(trigger_type, params), catalog=REGISTRY)


def test_good_settings_are_valid() -> None:
    assert problems("core.schedule", {"cron": "*/5 * * * *"}) == []
    assert (
        problems("core.schedule", {"cron": "30 2 * * MON-FRI", "time_zone": "Europe/Berlin"}) == []
    )
    assert problems("core.webhook", {}) == []
    full = {
        "signature": "standard",
        "mode": "sync",
        "timeout": "PT2M",
        "max_body_bytes": 10 * 1024 * 1024,
        "rate_limit_per_minute": 60,
    }
    assert problems("core.webhook", full) == []


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"cron": "61 * * * *"}, "cron", "not a valid cron expression"),
        ({"cron": "* * * *"}, "cron", "five fields"),
        ({"cron": "0 0 * * * 2030"}, "cron", "five fields"),
        ({"cron": "@daily"}, "cron", "five fields"),
        ({"cron": "0 0 31 2 *"}, "cron", "no moment"),
        ({"cron": "*/5 * * * *", "time_zone": "Mars/Olympus_Mons"}, "time_zone", "IANA"),
        ({"cron": "*/5 * * * *", "time_zone": "../../etc/passwd"}, "time_zone", "IANA"),
        ({"cron": "*/5 * * * *", "time_zone": "Europe"}, "time_zone", "IANA"),
        ({}, "", "'cron' is a required property"),
    ],
)
def test_a_bad_schedule_is_a_problem_of_the_trigger(
    params: dict[str, Any], field: str, says: str
) -> None:
    [problem] = problems("core.schedule", params)
    assert (problem.code, problem.node_id) == ("invalid_trigger", "start")
    assert problem.path == ("$.trigger.params." + field if field else "$.trigger.params")
    assert problem.message.startswith("trigger 'start' (On a schedule): ")
    assert says in problem.message
    assert problem.details["trigger"] == "core.schedule"


def test_every_bad_setting_is_reported_at_once() -> None:
    found = problems("core.schedule", {"cron": "0 25 * * *", "time_zone": "Nowhere/Land"})
    assert [p.path for p in found] == ["$.trigger.params.cron", "$.trigger.params.time_zone"]
    found = problems(
        "core.webhook", {"signature": "hmac", "timeout": "PT3M", "rate_limit_per_minute": 0}
    )
    assert sorted(p.path for p in found) == [
        "$.trigger.params.rate_limit_per_minute",
        "$.trigger.params.signature",
        "$.trigger.params.timeout",
    ]
    assert all(p.code == "invalid_trigger" for p in found)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timeout": "PT2M1S"}, "timeout"),
        ({"timeout": "PT0S"}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"max_body_bytes": 10 * 1024 * 1024 + 1}, "max_body_bytes"),
        ({"mode": "later"}, "mode"),
        ({"unknown": 1}, ""),
    ],
)
def test_webhook_limits(params: dict[str, Any], field: str) -> None:
    [problem] = problems("core.webhook", params)
    assert problem.code == "invalid_trigger"
    assert problem.path == ("$.trigger.params." + field if field else "$.trigger.params")


def test_the_settings_everyone_reads_fill_in_the_defaults() -> None:
    assert webhook_settings({}) == WebhookSettings(
        signature="none",
        mode="async",
        timeout_s=30.0,
        max_body_bytes=1024 * 1024,
        rate_limit_per_minute=600,
    )
    assert webhook_settings({"timeout": "PT1M30S", "mode": "sync"}).timeout_s == 90.0
    assert schedule_of({"cron": "0  3 * * *"}) == Schedule("0 3 * * *", ZoneInfo("UTC"))
    with pytest.raises(InvalidParams) as refused:
        webhook_settings({"max_body_bytes": True, "signature": "v2"})
    assert [name for name, _ in refused.value.problems] == ["signature", "max_body_bytes"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_latest_moment_within_the_window() -> None:
    every_ten = Schedule("*/10 * * * *", ZoneInfo("UTC"))
    assert every_ten.latest_moment(utc("2026-01-05T10:00:00"), CHECK_WINDOW) == utc(
        "2026-01-05T10:00:00"
    )
    assert every_ten.latest_moment(utc("2026-01-05T10:01:04"), CHECK_WINDOW) == utc(
        "2026-01-05T10:00:00"
    )
    assert every_ten.latest_moment(utc("2026-01-05T10:01:05"), CHECK_WINDOW) is None
    every_minute = Schedule("* * * * *", ZoneInfo("UTC"))
    # Two moments in the window: the latest is the one due.
    assert every_minute.latest_moment(utc("2026-01-05T10:01:02"), CHECK_WINDOW) == utc(
        "2026-01-05T10:01:00"
    )


def moments_of_day(schedule: Schedule, day: str) -> list[datetime]:
    """Every moment a check every 5 seconds would find on a day (UTC), in order."""
    start = utc(f"{day}T00:00:00")
    found: list[datetime] = []
    for step in range(0, 24 * 3600, 60):
        # A check a few seconds after each minute sees every moment of that minute.
        moment = schedule.latest_moment(start + timedelta(seconds=step + 3), CHECK_WINDOW)
        # Compared in UTC: Python compares two times of one zone by wall clock, and the two
        # 02:30s of the night clocks go back have the same one.
        if moment is not None and (not found or moment.astimezone(UTC) != found[-1]):
            found.append(moment.astimezone(UTC))
    return found


def test_a_time_skipped_when_clocks_go_forward_runs_at_the_end_of_the_gap() -> None:
    """Berlin skips 02:00-03:00 on 29 March 2026: a 02:30 schedule runs at 03:00 CEST that day,
    once, and at 02:30 the days around it."""
    schedule = Schedule("30 2 * * *", BERLIN)
    assert moments_of_day(schedule, "2026-03-29") == [utc("2026-03-29T01:00:00")]
    moment = schedule.latest_moment(utc("2026-03-29T01:00:03"), CHECK_WINDOW)
    assert moment is not None
    assert moment.isoformat() == "2026-03-29T03:00:00+02:00"
    day_before = schedule.latest_moment(utc("2026-03-28T01:30:03"), CHECK_WINDOW)
    day_after = schedule.latest_moment(utc("2026-03-30T00:30:03"), CHECK_WINDOW)
    assert (day_before, day_after) == (utc("2026-03-28T01:30:00"), utc("2026-03-30T00:30:00"))
    assert day_before is not None
    assert day_after is not None
    assert day_before.astimezone(BERLIN).hour == day_after.astimezone(BERLIN).hour == 2


def test_a_time_that_happens_twice_when_clocks_go_back_runs_twice() -> None:
    """Berlin lives 02:00-03:00 twice on 25 October 2026: 02:30 CEST, then 02:30 CET."""
    assert moments_of_day(Schedule("30 2 * * *", BERLIN), "2026-10-25") == [
        utc("2026-10-25T00:30:00"),
        utc("2026-10-25T01:30:00"),
    ]
    later = Schedule("30 2 * * *", BERLIN).latest_moment(utc("2026-10-25T01:30:03"), CHECK_WINDOW)
    assert later is not None
    assert later.isoformat() == "2026-10-25T02:30:00+01:00"
