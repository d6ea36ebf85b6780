"""An automation rule's shape, its check, and whether it applies to an incident or alert.

A subject is what conditions read, built by the shell from an incident or alert: text values
(severity, status, title, owner) and lists (source_product, rule_name, tactics, labels,
entity_kinds; an incident has one value per alert). Comparisons ignore case, as Sentinel's do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from soarflow.incidents import Severity

TRIGGERS = ("incident_created", "incident_updated", "alert_created")
# The playbook trigger each rule trigger hands its subject to.
PLAYBOOK_TRIGGER = {
    "incident_created": "soarflow.incident_created",
    "incident_updated": "soarflow.incident_updated",
    "alert_created": "soarflow.alert_created",
}
PROPERTIES = (
    "severity",
    "status",
    "title",
    "source_product",
    "rule_name",
    "tactics",
    "labels",
    "entity_kinds",
    "owner",
)
OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "changed",
)
# What only an incident has: a rule on alerts cannot change or read them.
INCIDENT_ONLY_ACTIONS = ("change_status", "change_severity", "assign_owner", "add_label")
INCIDENT_ONLY_PROPERTIES = ("status", "labels", "owner")

MAX_DEPTH = 4

_RULE: dict[str, Any] = {
    "type": "object",
    "required": ["property", "operator"],
    "additionalProperties": False,
    "properties": {
        "property": {"enum": list(PROPERTIES)},
        "operator": {"enum": list(OPERATORS)},
        "values": {
            "type": "array",
            "maxItems": 50,
            "items": {"type": "string", "minLength": 1, "maxLength": 500},
        },
    },
}


def _group(depth: int) -> dict[str, Any]:
    """An all/any group; an item with a property or operator is a condition, else a group, so
    that a mistake is reported on the field it is in."""
    items: dict[str, Any] = (
        _RULE
        if depth >= MAX_DEPTH
        else {
            "if": {"anyOf": [{"required": ["property"]}, {"required": ["operator"]}]},
            "then": _RULE,
            "else": _group(depth + 1),
        }
    )
    array = {"type": "array", "maxItems": 50, "items": items}
    return {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
        "properties": {"all": array, "any": array},
    }


# Each action type's own fields; the type picks which apply, so errors name the field itself.
ACTION_FIELDS: dict[str, dict[str, Any]] = {
    "run_playbook": {"playbook_id": {"type": "string", "minLength": 1, "maxLength": 36}},
    "change_status": {"status": {"enum": ["new", "active"]}},
    "change_severity": {"severity": {"enum": [severity.value for severity in Severity]}},
    "assign_owner": {"owner": {"type": "string", "minLength": 1, "maxLength": 200}},
    "add_label": {"label": {"type": "string", "minLength": 1, "maxLength": 100}},
}

ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": list(ACTION_FIELDS)}},
    "allOf": [
        {
            "if": {"properties": {"type": {"const": kind}}},
            "then": {
                "properties": {"type": True, **fields},
                "required": list(fields),
                "additionalProperties": False,
            },
        }
        for kind, fields in ACTION_FIELDS.items()
    ],
}

RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "trigger", "actions"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "order": {"type": "integer", "minimum": 1, "maximum": 1000},
        "enabled": {"type": "boolean"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "trigger": {"enum": list(TRIGGERS)},
        "conditions": _group(1),
        "actions": {"type": "array", "minItems": 1, "maxItems": 20, "items": ACTION_SCHEMA},
    },
}

_VALIDATOR = Draft202012Validator(RULE_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def rule_problems(rule: Any) -> list[dict[str, str]]:
    """Every problem with a rule body, each with the JSON path of the field it concerns."""
    problems = [
        {"path": _path(error.absolute_path), "message": error.message}
        for error in _VALIDATOR.iter_errors(rule)
    ]
    if problems or not isinstance(rule, Mapping):
        return problems
    return list(_meaning_problems(rule))


def _path(parts: Iterable[Any]) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _meaning_problems(rule: Mapping[str, Any]) -> Iterable[dict[str, str]]:
    trigger = rule["trigger"]
    for index, action in enumerate(rule["actions"]):
        if trigger == "alert_created" and action["type"] in INCIDENT_ONLY_ACTIONS:
            yield {
                "path": f"$.actions[{index}].type",
                "message": f"{action['type']} changes an incident; an alert rule has none",
            }
    for path, condition in _conditions(rule.get("conditions"), "$.conditions"):
        operator, name = condition["operator"], condition["property"]
        if operator == "changed" and trigger != "incident_updated":
            yield {"path": f"{path}.operator", "message": "changed applies to updated incidents"}
        if operator != "changed" and not condition.get("values"):
            yield {"path": f"{path}.values", "message": f"{operator} needs at least one value"}
        if trigger == "alert_created" and name in INCIDENT_ONLY_PROPERTIES:
            yield {"path": f"{path}.property", "message": f"an alert has no {name}"}


def _conditions(group: Any, path: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    if not isinstance(group, Mapping):
        return
    for key, items in group.items():
        for index, item in enumerate(items):
            item_path = f"{path}.{key}[{index}]"
            if "operator" in item:
                yield item_path, item
            else:
                yield from _conditions(item, item_path)


def applies(
    rule: Mapping[str, Any],
    trigger: str,
    subject: Mapping[str, Any],
    now: datetime,
    previous: Mapping[str, Any] | None = None,
) -> bool:
    """Whether an enabled, unexpired rule for this trigger has its conditions met."""
    if not rule.get("enabled", True) or rule["trigger"] != trigger:
        return False
    expires = rule.get("expires_at")
    if expires is not None and _moment(expires) <= now:
        return False
    conditions = rule.get("conditions")
    return conditions is None or group_holds(conditions, subject, previous)


def in_order(rules: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rules as they run: by order, then by name so that equal orders are still predictable."""
    return sorted(rules, key=lambda rule: (rule.get("order", 1000), rule["name"]))


def group_holds(
    group: Mapping[str, Any], subject: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> bool:
    combine = all if "all" in group else any
    items = group.get("all", group.get("any", []))
    return combine(
        condition_holds(item, subject, previous)
        if "operator" in item
        else group_holds(item, subject, previous)
        for item in items
    )


def condition_holds(
    condition: Mapping[str, Any],
    subject: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
) -> bool:
    name, operator = condition["property"], condition["operator"]
    values = _texts(subject.get(name))
    if operator == "changed":
        return previous is not None and values != _texts(previous.get(name))
    wanted = [value.casefold() for value in condition.get("values", [])]
    negated = operator.startswith("not_")
    test = _TESTS[operator.removeprefix("not_")]
    found = any(test(value, want) for value in values for want in wanted)
    return not found if negated else found


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    items: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
    return [str(item).casefold() for item in items if item is not None]


_TESTS: dict[str, Callable[[str, str], bool]] = {
    "equals": lambda value, want: value == want,
    "contains": lambda value, want: want in value,
    "starts_with": lambda value, want: value.startswith(want),
    "ends_with": lambda value, want: value.endswith(want),
}


def _moment(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
