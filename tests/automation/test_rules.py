"""Automation rules decide alone: the rule body's check, conditions, order and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from soarflow.automation.rules import applies, condition_holds, in_order, rule_problems

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INCIDENT = {
    "severity": "high",
    "status": "new",
    "title": "Suspicious sign-in from TOR exit node",
    "source_product": ["Azure Active Directory Identity Protection"],
    "rule_name": ["Sign-ins from IPs that attempt sign-ins to disabled accounts"],
    "tactics": ["InitialAccess", "CredentialAccess"],
    "labels": [],
    "entity_kinds": ["account", "ip"],
    "owner": None,
}


def _rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": "Enrich high sign-in incidents",
        "trigger": "incident_created",
        "conditions": {
            "all": [
                {"property": "severity", "operator": "equals", "values": ["High", "Medium"]},
                {"property": "entity_kinds", "operator": "equals", "values": ["ip"]},
            ]
        },
        "actions": [{"type": "run_playbook", "playbook_id": "p1"}],
    }
    rule.update(changes)
    return rule


def test_a_good_rule_has_no_problems() -> None:
    assert rule_problems(_rule(order=3, enabled=True, expires_at="2027-01-01T00:00:00Z")) == []


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"trigger": "incident_deleted"}, "$.trigger"),
        ({"actions": []}, "$.actions"),
        ({"actions": [{"type": "change_severity", "severity": "urgent"}]}, "$.actions[0].severity"),
        ({"actions": [{"type": "run_playbook"}]}, "$.actions[0]"),
        ({"order": 0}, "$.order"),
        ({"expires_at": "next week"}, "$.expires_at"),
        (
            {
                "conditions": {
                    "all": [{"property": "colour", "operator": "equals", "values": ["x"]}]
                }
            },
            "$.conditions.all[0].property",
        ),
        (
            {"conditions": {"any": [{"all": [{"property": "title", "operator": "like"}]}]}},
            "$.conditions.any[0].all[0].operator",
        ),
        ({"conditions": {"all": [], "any": []}}, "$.conditions"),
    ],
)
def test_bad_rules_name_the_field(changes: dict[str, Any], path: str) -> None:
    problems = rule_problems(_rule(**changes))
    assert problems, changes
    assert any(problem["path"].startswith(path) for problem in problems), problems


def test_meaning_problems_are_all_reported() -> None:
    rule = _rule(
        trigger="alert_created",
        conditions={
            "any": [
                {"property": "status", "operator": "equals", "values": ["new"]},
                {"property": "severity", "operator": "changed"},
                {"property": "title", "operator": "contains"},
            ]
        },
        actions=[{"type": "add_label", "label": "vip"}],
    )
    assert sorted(problem["path"] for problem in rule_problems(rule)) == [
        "$.actions[0].type",
        "$.conditions.any[0].property",
        "$.conditions.any[1].operator",
        "$.conditions.any[2].values",
    ]


def test_conditions_hold_case_insensitively_and_any_value_matches() -> None:
    assert applies(_rule(), "incident_created", INCIDENT, NOW)
    assert not applies(_rule(), "incident_created", {**INCIDENT, "severity": "low"}, NOW)
    assert not applies(_rule(), "alert_created", INCIDENT, NOW)


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"property": "title", "operator": "contains", "values": ["tor exit"]}, True),
        ({"property": "title", "operator": "not_contains", "values": ["tor exit"]}, False),
        ({"property": "title", "operator": "starts_with", "values": ["suspicious"]}, True),
        ({"property": "title", "operator": "ends_with", "values": ["NODE"]}, True),
        ({"property": "tactics", "operator": "equals", "values": ["credentialaccess"]}, True),
        ({"property": "tactics", "operator": "not_equals", "values": ["Execution"]}, True),
        ({"property": "labels", "operator": "equals", "values": ["vip"]}, False),
        ({"property": "labels", "operator": "not_equals", "values": ["vip"]}, True),
        ({"property": "owner", "operator": "equals", "values": ["alice"]}, False),
        ({"property": "source_product", "operator": "contains", "values": ["Identity"]}, True),
    ],
)
def test_each_operator(condition: dict[str, Any], holds: bool) -> None:
    assert condition_holds(condition, INCIDENT, None) is holds


def test_nested_groups() -> None:
    rule = _rule(
        conditions={
            "all": [
                {"property": "status", "operator": "equals", "values": ["new"]},
                {
                    "any": [
                        {"property": "severity", "operator": "equals", "values": ["low"]},
                        {"property": "labels", "operator": "equals", "values": ["vip"]},
                    ]
                },
            ]
        }
    )
    assert rule_problems(rule) == []
    assert not applies(rule, "incident_created", INCIDENT, NOW)
    assert applies(rule, "incident_created", {**INCIDENT, "labels": ["VIP"]}, NOW)


def test_changed_compares_with_the_incident_before_the_update() -> None:
    rule = _rule(
        trigger="incident_updated",
        conditions={"all": [{"property": "severity", "operator": "changed"}]},
    )
    before = {**INCIDENT, "severity": "medium"}
    assert applies(rule, "incident_updated", INCIDENT, NOW, previous=before)
    assert not applies(rule, "incident_updated", INCIDENT, NOW, previous=INCIDENT)


def test_disabled_and_expired_rules_do_not_apply() -> None:
    assert not applies(_rule(enabled=False), "incident_created", INCIDENT, NOW)
    past = (NOW - timedelta(seconds=1)).isoformat()
    assert not applies(_rule(expires_at=past), "incident_created", INCIDENT, NOW)
    future = (NOW + timedelta(days=1)).isoformat()
    assert applies(_rule(expires_at=future), "incident_created", INCIDENT, NOW)


def test_rules_without_conditions_apply_to_everything() -> None:
    rule = _rule()
    del rule["conditions"]
    assert rule_problems(rule) == []
    assert applies(rule, "incident_created", {}, NOW)


def test_rules_run_by_order_then_name() -> None:
    rules = [_rule(name="b", order=2), _rule(name="z", order=1), _rule(name="a", order=2)]
    assert [rule["name"] for rule in in_order(rules)] == ["z", "a", "b"]
