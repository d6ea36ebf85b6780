"""The alert-grouping decision: which open incident of the same rule a new alert joins, if any."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from soarflow.incidents.entities import identity
from soarflow.incidents.grouping import (
    MAX_ALERTS_PER_INCIDENT,
    Candidate,
    Decision,
    EntityMatch,
    GroupingAction,
    GroupingRule,
    NewAlert,
    Outcome,
    decide,
    entities_match,
)

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
GROUP_ANY = GroupingRule(GroupingAction.GROUP, EntityMatch.ANY)
GROUP_ALL = GroupingRule(GroupingAction.GROUP, EntityMatch.ALL)


def ip(address: str) -> frozenset[str]:
    return identity("ip", {"Address": address})


def host(name: str) -> frozenset[str]:
    return identity("host", {"HostName": name, "DnsDomain": "corp.example"})


def alert(*entities: frozenset[str], at: datetime = NOON) -> NewAlert:
    return NewAlert(at, entities)


def incident(
    incident_id: str,
    *entities: frozenset[str],
    first: datetime = NOON,
    closed: bool = False,
    alerts: int = 1,
) -> Candidate:
    return Candidate(incident_id, closed, first, alerts, entities)


def test_by_default_every_alert_opens_its_own_incident() -> None:
    decision = decide(GroupingRule(), alert(ip("203.0.113.1")), [incident("a", ip("203.0.113.1"))])
    assert decision == Decision(Outcome.CREATED)


def test_a_rule_may_open_no_incident_at_all() -> None:
    rule = GroupingRule(GroupingAction.NO_INCIDENT)
    assert decide(rule, alert(ip("203.0.113.1")), []) == Decision(Outcome.NONE)


def test_an_alert_joins_an_open_incident_that_shares_an_entity() -> None:
    candidates = [incident("a", ip("203.0.113.1"), host("ws-1"))]
    decision = decide(GROUP_ANY, alert(ip("203.0.113.9"), host("WS-1")), candidates)
    assert decision == Decision(Outcome.JOINED, "a")


def test_without_a_shared_entity_a_new_incident_opens() -> None:
    decision = decide(GROUP_ANY, alert(ip("203.0.113.9")), [incident("a", ip("203.0.113.1"))])
    assert decision.outcome is Outcome.CREATED


def test_an_alert_without_entities_joins_nothing() -> None:
    assert decide(GROUP_ANY, alert(), [incident("a")]).outcome is Outcome.CREATED
    assert decide(GROUP_ALL, alert(), [incident("a")]).outcome is Outcome.CREATED


@pytest.mark.parametrize(
    ("first_alert", "joins"),
    [
        (NOON - timedelta(hours=5), True),
        (NOON - timedelta(hours=5, seconds=1), False),
        (NOON + timedelta(hours=4), True),
        (NOON + timedelta(hours=6), False),
    ],
)
def test_the_incident_must_have_begun_within_the_window(first_alert: datetime, joins: bool) -> None:
    candidates = [incident("a", ip("203.0.113.1"), first=first_alert)]
    decision = decide(GROUP_ANY, alert(ip("203.0.113.1")), candidates)
    assert (decision.outcome is Outcome.JOINED) is joins


def test_the_window_is_the_rules() -> None:
    rule = GroupingRule(GroupingAction.GROUP, EntityMatch.ANY, timedelta(minutes=30))
    candidates = [incident("a", ip("203.0.113.1"), first=NOON - timedelta(hours=1))]
    assert decide(rule, alert(ip("203.0.113.1")), candidates).outcome is Outcome.CREATED


def test_a_closed_incident_takes_no_more_alerts() -> None:
    candidates = [incident("a", ip("203.0.113.1"), closed=True)]
    assert decide(GROUP_ANY, alert(ip("203.0.113.1")), candidates).outcome is Outcome.CREATED


def test_a_full_incident_takes_no_more_alerts() -> None:
    candidates = [incident("a", ip("203.0.113.1"), alerts=MAX_ALERTS_PER_INCIDENT)]
    assert decide(GROUP_ANY, alert(ip("203.0.113.1")), candidates).outcome is Outcome.CREATED


def test_of_several_matches_the_most_recent_incident_wins() -> None:
    candidates = [
        incident("older", ip("203.0.113.1"), first=NOON - timedelta(hours=2)),
        incident("newer", ip("203.0.113.1"), first=NOON - timedelta(hours=1)),
        incident("closed", ip("203.0.113.1"), first=NOON, closed=True),
    ]
    decision = decide(GROUP_ANY, alert(ip("203.0.113.1")), candidates)
    assert decision == Decision(Outcome.JOINED, "newer")


@pytest.mark.parametrize(
    ("alert_entities", "incident_entities", "matches"),
    [
        ([ip("203.0.113.1"), host("ws-1")], [host("ws-1"), ip("203.0.113.1")], True),
        ([ip("203.0.113.1")], [ip("203.0.113.1"), host("ws-1")], False),
        ([ip("203.0.113.1"), host("ws-1")], [ip("203.0.113.1")], False),
        ([ip("203.0.113.1")], [ip("203.0.113.2")], False),
    ],
)
def test_matching_all_entities_means_the_same_entities_on_both_sides(
    alert_entities: Sequence[frozenset[str]],
    incident_entities: Sequence[frozenset[str]],
    matches: bool,
) -> None:
    assert entities_match(EntityMatch.ALL, alert_entities, incident_entities) is matches


def test_a_stored_rule_reads_its_window_as_an_iso_duration() -> None:
    rule = GroupingRule.of(action="group", entity_match="all", time_window="PT90M")
    assert rule == GroupingRule(GroupingAction.GROUP, EntityMatch.ALL, timedelta(minutes=90))
