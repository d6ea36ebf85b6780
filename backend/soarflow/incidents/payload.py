"""Incidents and alerts as playbooks see them: the trigger payloads of `soarflow.incident_*` and
`soarflow.alert_created`, and what the `soarflow` connector's actions return. Entity properties
are stored under Sentinel's names (`Address`, `HostName`, `UPNSuffix`); a playbook reads them in
the document's own style, flat and snake_case (`item.address`, `item.host_name`), next to `kind`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_NAME = re.compile(r"[^a-z0-9_]+")


def snake_case(name: str) -> str:
    """HostName as host_name, UPNSuffix as upn_suffix, AadUserId as aad_user_id."""
    spaced = _WORD_START.sub("_", name.strip())
    return _NOT_NAME.sub("_", spaced.lower()).strip("_")


def entity_payload(entity: Mapping[str, Any]) -> dict[str, Any]:
    """`{"kind": "ip", "properties": {"Address": ...}}` as `{"kind": "ip", "address": ...}`."""
    flat: dict[str, Any] = {}
    for name, value in entity.get("properties", {}).items():
        key = snake_case(str(name))
        if key and key != "kind":
            flat.setdefault(key, value)
    return {"kind": entity["kind"], **flat}


def entities_payload(entities: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [entity_payload(entity) for entity in entities]


def alert_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """An alert (its public form, as JSON) as a playbook sees it."""
    return {
        "id": alert["id"],
        "incident_id": alert.get("incident_id"),
        "title": alert["title"],
        "description": alert.get("description", ""),
        "severity": alert["severity"],
        "source_product": alert["source_product"],
        "source_alert_id": alert.get("source_alert_id"),
        "rule_name": alert["rule_name"],
        "tactics": list(alert.get("tactics", [])),
        "time": alert["time"],
        "created_at": alert["created_at"],
        "custom_details": dict(alert.get("custom_details", {})),
        "entities": entities_payload(alert.get("entities", [])),
    }


def incident_payload(
    incident: Mapping[str, Any], alerts: Sequence[Mapping[str, Any]], url: str
) -> dict[str, Any]:
    """An incident (its public form, as JSON) with its alerts, as a playbook sees it; `url` is
    the incident's page, for links in messages."""
    return {
        "id": incident["id"],
        "number": incident["number"],
        "title": incident["title"],
        "description": incident.get("description", ""),
        "severity": incident["severity"],
        "status": incident["status"],
        "classification": incident.get("classification"),
        "owner": incident.get("owner"),
        "labels": list(incident.get("labels", [])),
        "rule_name": incident.get("rule_name"),
        "created_at": incident["created_at"],
        "updated_at": incident["updated_at"],
        "url": url,
        "tactics": _unique(tactic for alert in alerts for tactic in alert.get("tactics", [])),
        "entities": entities_payload(incident.get("entities", [])),
        "alerts": [_alert_summary(alert) for alert in alerts],
    }


def _alert_summary(alert: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: alert.get(key)
        for key in ("id", "title", "severity", "source_product", "rule_name", "time")
    }


def condition_subject(
    incident: Mapping[str, Any] | None, alerts: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """What an automation rule's conditions read (see automation.rules): an incident's fields
    with one value per alert for what alerts carry; an alert alone when `incident` is None."""
    entities = incident["entities"] if incident is not None else alerts[0]["entities"]
    first = alerts[0] if alerts else {}
    subject: dict[str, Any] = {
        "severity": (incident or first).get("severity"),
        "title": (incident or first).get("title"),
        "source_product": _unique(alert.get("source_product") for alert in alerts),
        "rule_name": _unique(alert.get("rule_name") for alert in alerts),
        "tactics": _unique(tactic for alert in alerts for tactic in alert.get("tactics", [])),
        "entity_kinds": _unique(entity["kind"] for entity in entities),
    }
    if incident is not None:
        subject.update(
            status=incident.get("status"),
            labels=list(incident.get("labels", [])),
            owner=incident.get("owner"),
        )
        subject["rule_name"] = _unique([incident.get("rule_name"), *subject["rule_name"]])
    return subject


def _unique(values: Iterable[Any]) -> list[Any]:
    return [value for value in dict.fromkeys(values) if value is not None]
