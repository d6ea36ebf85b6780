"""Alert grouping: whether a new alert opens an incident, joins an open one, or stays on its own.

Like Microsoft Sentinel's analytics-rule setting, a grouping rule belongs to the rule an alert comes
from. By default every alert opens its own incident. A rule that groups joins a new alert to an
open incident of the same rule whose first alert is within the time window of it, and whose
entities match the alert's: at least one shared entity, or all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from soarflow.expressions.functions import duration_seconds

DEFAULT_TIME_WINDOW = "PT5H"
# Sentinel's limit too: past it, a busy rule starts a new incident rather than growing one forever.
MAX_ALERTS_PER_INCIDENT = 150

EntityKeys = frozenset[str]


class GroupingAction(StrEnum):
    CREATE_INCIDENT = "create_incident"
    GROUP = "group"
    NO_INCIDENT = "no_incident"


class EntityMatch(StrEnum):
    ANY = "any"
    ALL = "all"


class Outcome(StrEnum):
    CREATED = "created"
    JOINED = "joined"
    NONE = "none"


@dataclass(frozen=True)
class GroupingRule:
    action: GroupingAction = GroupingAction.CREATE_INCIDENT
    match: EntityMatch = EntityMatch.ANY
    window: timedelta = timedelta(seconds=duration_seconds(DEFAULT_TIME_WINDOW))

    @classmethod
    def of(cls, *, action: str, entity_match: str, time_window: str) -> GroupingRule:
        """A rule as stored: its settings as text, the window an ISO 8601 duration."""
        window = timedelta(seconds=duration_seconds(time_window))
        return cls(GroupingAction(action), EntityMatch(entity_match), window)


@dataclass(frozen=True)
class NewAlert:
    time: datetime
    entities: Sequence[EntityKeys]


@dataclass(frozen=True)
class Candidate:
    """An incident of the alert's rule, as grouping sees it."""

    incident_id: str
    closed: bool
    first_alert_at: datetime
    alert_count: int
    entities: Sequence[EntityKeys]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    incident_id: str | None = None


def window_around(moment: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """The first-alert times of the incidents an alert at this moment may join. Alerts arrive
    late and out of order, so the window reaches both ways."""
    return moment - window, moment + window


def decide(rule: GroupingRule, alert: NewAlert, candidates: Sequence[Candidate]) -> Decision:
    if rule.action is GroupingAction.NO_INCIDENT:
        return Decision(Outcome.NONE)
    if rule.action is GroupingAction.GROUP:
        joinable = [c for c in candidates if _may_join(rule, alert, c)]
        if joinable:
            newest = max(joinable, key=lambda c: (c.first_alert_at, c.incident_id))
            return Decision(Outcome.JOINED, newest.incident_id)
    return Decision(Outcome.CREATED)


def _may_join(rule: GroupingRule, alert: NewAlert, candidate: Candidate) -> bool:
    earliest, latest = window_around(alert.time, rule.window)
    return (
        not candidate.closed
        and candidate.alert_count < MAX_ALERTS_PER_INCIDENT
        and earliest <= candidate.first_alert_at <= latest
        and entities_match(rule.match, alert.entities, candidate.entities)
    )


def entities_match(
    match: EntityMatch, alert: Sequence[EntityKeys], incident: Sequence[EntityKeys]
) -> bool:
    """An alert without entities matches nothing: there is nothing to say it is the same story."""
    if not alert:
        return False
    if match is EntityMatch.ANY:
        return any(_same(entity, incident) for entity in alert)
    return all(_same(entity, incident) for entity in alert) and all(
        _same(entity, alert) for entity in incident
    )


def _same(entity: EntityKeys, others: Sequence[EntityKeys]) -> bool:
    return any(entity & other for other in others)
