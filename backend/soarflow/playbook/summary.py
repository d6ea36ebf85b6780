"""Facts about a playbook that lists show without opening it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from soarflow.playbook.document import Json

TriggerKind = Literal["incident", "alert", "uses_incident_action", "other", "not_initialized"]


def trigger_kind(document: Mapping[str, Json]) -> TriggerKind:
    """Classify a playbook the way Sentinel's playbook table does.

    `incident` and `alert` come from the trigger type (`<connector>.incident_*`, `.alert_*`);
    a playbook started otherwise that still calls an incident action is `uses_incident_action`;
    one without a trigger is `not_initialized`.
    """
    trigger = document.get("trigger")
    trigger_type = trigger.get("type") if isinstance(trigger, dict) else None
    if not isinstance(trigger_type, str):
        return "not_initialized"
    event = trigger_type.rpartition(".")[2]
    if event.startswith("incident"):
        return "incident"
    if event.startswith("alert"):
        return "alert"
    if any(_is_incident_action(node) for node in _nodes(document)):
        return "uses_incident_action"
    return "other"


def _nodes(document: Mapping[str, Json]) -> list[Mapping[str, Json]]:
    nodes = document.get("nodes")
    return [node for node in nodes if isinstance(node, dict)] if isinstance(nodes, list) else []


def _is_incident_action(node: Mapping[str, Json]) -> bool:
    action = node.get("action")
    return node.get("kind") == "action" and isinstance(action, str) and "incident" in action
