"""The settings of the core manual, webhook and schedule triggers, read from a trigger's
`params`, and the moments a schedule names. Pure core: the validator, the runs and webhook
endpoints and the scheduler all read settings through here, so they cannot disagree on a default
or a limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from soarflow.playbook.document import Json, json_path

MANUAL_TRIGGER = "core.manual"
WEBHOOK_TRIGGER = "core.webhook"
SCHEDULE_TRIGGER = "core.schedule"

DEFAULT_SYNC_TIMEOUT = "PT30S"
MAX_SYNC_TIMEOUT_S = 120.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_RATE_LIMIT = 600
MAX_RATE_LIMIT = 60_000
CRON_FIELDS = 5
# Whether a cron expression ever names a moment is asked from here, so that the answer does
# not depend on the day a playbook is validated (a 29 February rule is fine in any year).
_CRON_PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)

Signature = Literal["none", "standard"]
Mode = Literal["async", "sync"]


class InvalidParams(ValueError):
    """Every bad setting of a trigger, as (param name, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class WebhookSettings:
    signature: Signature = "none"
    mode: Mode = "async"
    timeout_s: float = 30.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT


@dataclass(frozen=True)
class Schedule:
    cron: str
    zone: ZoneInfo

    def latest_moment(self, now: datetime, window: timedelta) -> datetime | None:
        """The latest moment the cron names in (now - window, now], in the schedule's zone.

        croniter steps through local wall-clock times: a time skipped when clocks go forward
        comes out as the first moment after the gap, and a time that happens twice when they go
        back comes out twice, once per offset."""
        moments = croniter(self.cron, (now - window).astimezone(self.zone))
        latest = None
        try:
            while (moment := moments.get_next(datetime)) <= now:
                latest = moment
        except CroniterError:  # a rule that never fires again: the validator refuses those
            return latest
        return latest


def trigger_of(document: Mapping[str, Json]) -> tuple[str | None, Mapping[str, Json]]:
    """A playbook document's trigger type and params, as far as they are shaped right."""
    trigger = document.get("trigger")
    if not isinstance(trigger, dict):
        return None, {}
    trigger_type, params = trigger.get("type"), trigger.get("params", {})
    return (
        trigger_type if isinstance(trigger_type, str) else None,
        params if isinstance(params, dict) else {},
    )


def webhook_settings(params: Mapping[str, Json]) -> WebhookSettings:
    """A webhook trigger's settings, defaults filled in; InvalidParams names every bad one."""
    reader = _Reader(params)
    settings = WebhookSettings(
        signature=cast(Signature, reader.choice("signature", ("none", "standard"))),
        mode=cast(Mode, reader.choice("mode", ("async", "sync"))),
        timeout_s=reader.timeout("timeout"),
        max_body_bytes=reader.integer("max_body_bytes", DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES),
        rate_limit_per_minute=reader.integer(
            "rate_limit_per_minute", DEFAULT_RATE_LIMIT, MAX_RATE_LIMIT
        ),
    )
    reader.finish()
    return settings


def schedule_of(params: Mapping[str, Json]) -> Schedule:
    """A schedule trigger's cron and time zone; InvalidParams names every bad one."""
    reader = _Reader(params)
    schedule = Schedule(reader.cron("cron"), reader.zone("time_zone"))
    reader.finish()
    return schedule


def trigger_params_problems(trigger_type: str, params: Mapping[str, Json]) -> list[tuple[str, str]]:
    """What is wrong with the settings of a core trigger, beyond what its params schema says."""
    try:
        if trigger_type == MANUAL_TRIGGER:
            manual_inputs(params)
        elif trigger_type == WEBHOOK_TRIGGER:
            webhook_settings(params)
        elif trigger_type == SCHEDULE_TRIGGER:
            schedule_of(params)
    except InvalidParams as invalid:
        return invalid.problems
    return []


def manual_inputs(params: Mapping[str, Json]) -> Mapping[str, Json] | None:
    """The JSON Schema a manual run's input must fit, if the playbook gives one."""
    inputs = params.get("inputs")
    if inputs is None:
        return None
    if not isinstance(inputs, dict):
        raise InvalidParams([("inputs", "is a JSON Schema object")])
    try:
        Draft202012Validator.check_schema(inputs)
    except SchemaError as error:
        raise InvalidParams([("inputs", f"is not a JSON Schema: {error.message}")]) from None
    return inputs


def manual_input_problems(params: Mapping[str, Json], payload: Json) -> list[dict[str, str]]:
    """Where a manual run's input does not fit the playbook's inputs schema: every place."""
    schema = manual_inputs(params)
    if schema is None:
        return []
    return [
        {"path": json_path(tuple(error.absolute_path)), "message": error.message}
        for error in Draft202012Validator(schema).iter_errors(payload)
    ]


class _Reader:
    """Reads settings one by one; a bad one is noted and stands in as its default, so that
    every problem is found in one pass."""

    def __init__(self, params: Mapping[str, Json]) -> None:
        self.params = params
        self.problems: list[tuple[str, str]] = []

    def finish(self) -> None:
        if self.problems:
            raise InvalidParams(self.problems)

    def _refuse(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.params.get(name, options[0])
        if value not in options:
            self._refuse(name, f"is one of {', '.join(options)}, not {value!r}")
            return options[0]
        return str(value)

    def integer(self, name: str, default: int, highest: int) -> int:
        value = self.params.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
            self._refuse(name, f"is a whole number from 1 to {highest:,}, not {value!r}")
            return default
        return value

    def timeout(self, name: str) -> float:
        # Imported here: the expression package builds on this one's document module.
        from soarflow.expressions.functions import duration_seconds

        value = self.params.get(name, DEFAULT_SYNC_TIMEOUT)
        default = duration_seconds(DEFAULT_SYNC_TIMEOUT)
        if not isinstance(value, str):
            self._refuse(name, f"is an ISO 8601 duration such as PT30S, not {value!r}")
            return default
        try:
            seconds = duration_seconds(value)
        except ValueError as error:
            self._refuse(name, str(error))
            return default
        if not 0 < seconds <= MAX_SYNC_TIMEOUT_S:
            self._refuse(name, f"is a duration longer than zero and at most PT2M, not {value}")
            return default
        return seconds

    def cron(self, name: str) -> str:
        value = self.params.get(name)
        if not isinstance(value, str) or len(value.split()) != CRON_FIELDS:
            self._refuse(
                name,
                "is five fields: minute, hour, day of month, month, day of week "
                f"(e.g. '0 */6 * * *'), not {value!r}",
            )
            return "* * * * *"
        text = " ".join(value.split())
        if not croniter.is_valid(text):
            self._refuse(name, f"'{value}' is not a valid cron expression")
            return "* * * * *"
        try:
            croniter(text, _CRON_PROBE_START).get_next(datetime)
        except CroniterError:
            self._refuse(name, f"'{value}' names no moment that ever comes (such as 31 February)")
            return "* * * * *"
        return text

    def zone(self, name: str) -> ZoneInfo:
        value = self.params.get(name, "UTC")
        if isinstance(value, str) and value:
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                pass
        self._refuse(name, f"{value!r} is not an IANA time zone such as Europe/Berlin")
        return ZoneInfo("UTC")
