"""Test support: a small action catalog (until the connector registry exists), playbooks, and
the skip-or-fail rule for missing services."""

from __future__ import annotations

import copy
import itertools
import os
from dataclasses import dataclass
from typing import Any

import pytest

from soarflow.playbook import ActionSpec, StaticCatalog, TriggerSpec

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    token: str
    workspace_id: str


def skip_or_fail(reason: str) -> None:
    """Under CI a missing service fails the run; elsewhere the test skips, saying how to run it."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


FIXTURE_CATALOG = StaticCatalog(
    [
        ActionSpec(
            "virustotal.get_ip_report",
            input_schema={
                "type": "object",
                "required": ["ip"],
                "additionalProperties": False,
                "properties": {"ip": {"type": "string", "format": "ipv4", "maxLength": 45}},
            },
            output_schema={
                "type": "object",
                "properties": {
                    "data": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "title": "IP address"},
                            "attributes": {
                                "type": "object",
                                "properties": {
                                    "reputation": {"type": "integer", "title": "Reputation"},
                                    "country": {"type": "string"},
                                    "last_analysis_stats": {
                                        "type": "object",
                                        "additionalProperties": {"type": "integer"},
                                    },
                                },
                            },
                        },
                    }
                },
            },
        ),
        ActionSpec(
            "soarflow.http",
            input_schema={"type": "object", "required": ["url"]},
            output_schema={
                "type": "object",
                "properties": {"status": {"type": "integer"}, "body": {}},
            },
        ),
        ActionSpec(
            "soarflow.add_incident_comment",
            input_schema={
                "type": "object",
                "required": ["incident_id", "text"],
                "properties": {
                    "incident_id": {"type": "string"},
                    "text": {"type": "string", "maxLength": 30000},
                },
            },
        ),
        ActionSpec(
            "soarflow.send_email",
            input_schema={
                "type": "object",
                "required": ["to", "subject"],
                "properties": {
                    "to": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "subject": {"type": "string"},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 5},
                },
            },
        ),
        # Core actions as connectors/core declares them, so that playbooks the runtime carries
        # out (the app validates and compiles plans with this catalog) validate here too.
        ActionSpec(
            "core.compose",
            input_schema={
                "type": "object",
                "required": ["value"],
                "properties": {"value": {"title": "Value"}},
            },
        ),
        ActionSpec(
            "core.http_request",
            input_schema={
                "type": "object",
                "required": ["url"],
                "properties": {
                    "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                    "url": {"type": "string", "format": "uri"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "query": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                },
            },
            output_schema={
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                },
            },
        ),
        ActionSpec(
            "core.delay",
            input_schema={
                "type": "object",
                "properties": {
                    "duration": {"type": "string"},
                    "until": {"type": "string", "format": "date-time"},
                },
            },
            output_schema={"type": "null"},
            directive="delay",
        ),
        ActionSpec(
            "core.terminate",
            input_schema={
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"type": "string", "enum": ["succeeded", "failed", "cancelled"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
            output_schema={
                "type": "object",
                "properties": {"status": {"type": "string"}, "message": {"type": "string"}},
            },
            directive="terminate",
        ),
    ],
    triggers=[
        TriggerSpec(
            "core.manual",
            output_schema={"type": "object", "additionalProperties": True},
            params_schema={
                "type": "object",
                "additionalProperties": False,
                "properties": {"inputs": {"type": "object"}},
            },
            output_from_param="inputs",
        ),
        TriggerSpec(
            "soarflow.incident_created",
            output_schema={
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "title": "Incident id"},
                    "title": {"type": "string", "title": "Title"},
                    "severity": {
                        "type": "string",
                        "enum": ["Informational", "Low", "Medium", "High"],
                    },
                    "owner": {"type": "object", "properties": {"email": {"type": "string"}}},
                    "entities": {
                        "type": "array",
                        "title": "Entities",
                        "items": {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string"},
                                "address": {"type": "string", "title": "Address"},
                            },
                        },
                    },
                },
            },
        ),
    ],
)

ENRICH_IPS: dict[str, Any] = {
    "format": "soarflow.playbook/v1",
    "name": "Enrich incident IPs with VirusTotal",
    "description": "Looks up every IP of an incident and comments the reputation.",
    "trigger": {"id": "incident", "type": "soarflow.incident_created"},
    "variables": {"bad_ips": {"type": "array", "initial": []}},
    "nodes": [
        {
            "id": "each_ip",
            "kind": "foreach",
            "title": "For each IP",
            "items": "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | list }}",
            "concurrency": 10,
        },
        {
            "id": "vt",
            "kind": "action",
            "parent": "each_ip",
            "branch": "body",
            "action": "virustotal.get_ip_report",
            "connection": "vt-main",
            "inputs": {"ip": "{{ item.address }}"},
            "retry": {"policy": "exponential", "count": 4},
        },
        {
            "id": "comment",
            "kind": "action",
            "parent": "each_ip",
            "branch": "body",
            "action": "soarflow.add_incident_comment",
            "inputs": {
                "incident_id": "{{ trigger.id }}",
                "text": "{{ item.address }}: {{ steps.vt.output.data.attributes.reputation }}",
            },
        },
    ],
    "edges": [
        {"source": "incident", "target": "each_ip"},
        {"source": "each_ip", "target": "vt", "branch": "body"},
        {"source": "vt", "target": "comment", "when": ["succeeded", "failed"]},
    ],
    "layout": {"each_ip": {"x": 0, "y": 140, "w": 420, "h": 300}},
}


def enrich_ips(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the DESIGN.md example playbook, with top-level fields replaced."""
    document = copy.deepcopy(ENRICH_IPS)
    document.update(changes)
    return document


def manual_chain(*nodes: dict[str, Any], name: str = "chain") -> dict[str, Any]:
    """A playbook run by hand: its action nodes one after the other, the trigger `t` first."""
    ids = ["t", *(str(node["id"]) for node in nodes)]
    return {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "t", "type": "core.manual"},
        "nodes": [{"kind": "action", **node} for node in nodes],
        "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
    }
