"""Every built-in template runs: rehearsed on an incident with one entity of each kind, every
action answered as its service would, each template's run succeeds, takes its main path, and
sends every action inputs that fit the action's input schema. The validator checks expressions
against schemas; only running them shows they evaluate (a filter or test that does not exist,
a value of the wrong type for an input)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy.engine import Engine

from soarflow.connectors import ConnectorRegistry
from soarflow.runtime.rehearsal import Rehearsal, rehearse
from soarflow.templates.catalog import Template, builtin_templates, instantiate
from tests.conftest import loaded_registry
from tests.connectors.fakes import SHIPPED_CONNECTORS

TEMPLATES = list(builtin_templates().values())
USER_ID = "6e7b768e-07e2-4810-8459-485f84f8f204"
MACHINE_ID = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
SYS_ID = "9d385017c611228701d22104cc95c371"
INCIDENT = {
    "id": "inc-1",
    "number": 42,
    "title": "Sign-ins from a known bad address <script>",
    "description": "Several sign-ins to alice's account from 203.0.113.9.\nThen a download.",
    "severity": "high",
    "status": "new",
    "classification": None,
    "owner": None,
    "labels": [],
    "rule_name": "Impossible travel",
    "created_at": "2026-01-05T10:00:00Z",
    "updated_at": "2026-01-05T10:00:00Z",
    "url": "https://soarflow.contoso.example/incidents/inc-1",
    "entities": [
        {"kind": "ip", "address": "203.0.113.9"},
        {"kind": "account", "name": "alice", "upn_suffix": "contoso.example"},
        {"kind": "account", "name": "bob", "upn_suffix": "contoso.example", "aad_user_id": USER_ID},
        {"kind": "host", "host_name": "desk-042", "dns_domain": "contoso.example"},
        {"kind": "host", "host_name": "laptop-7"},
        {"kind": "url", "url": "http://evil.example/login"},
        {"kind": "domain", "domain_name": "evil.example"},
        {"kind": "filehash", "algorithm": "SHA256", "value": "a" * 64},
    ],
    "alerts": [],
}
STATS = {"harmless": 50, "malicious": 12, "suspicious": 1, "undetected": 20, "timeout": 0}
VT_REPORT = {
    "data": {
        "id": "x",
        "type": "ip_address",
        "links": {"self": "https://www.virustotal.com/api/v3/x"},
        "attributes": {"last_analysis_stats": STATS, "reputation": -20, "as_owner": "Evil AS"},
    }
}
INCIDENT_COMMENT = {
    "id": 1,
    "text": "t",
    "author_name": "playbook",
    "created_at": "2026-01-05T10:01:00Z",
}
MACHINE_ACTION = {"id": "ma-1", "type": "Isolate", "status": "Pending", "machineId": MACHINE_ID}
# What each action answers, as its service would.
OUTPUTS: dict[str, Any] = {
    "virustotal.get_ip_report": VT_REPORT,
    "virustotal.get_url_report": VT_REPORT,
    "virustotal.get_domain_report": VT_REPORT,
    "virustotal.get_file_report": VT_REPORT,
    "abuseipdb.check_ip": {
        "data": {"ipAddress": "203.0.113.9", "abuseConfidenceScore": 100, "totalReports": 7}
    },
    "paloalto_panos.block_ip": {"status": "success", "changed": True, "message": ""},
    "soarflow.add_incident_comment": INCIDENT_COMMENT,
    "soarflow.update_incident": INCIDENT,
    "servicenow.create_incident": {"result": {"sys_id": SYS_ID, "number": "INC0010023"}},
    "jira.create_issue": {
        "id": "10001",
        "key": "SOC-42",
        "self": "https://acme.atlassian.net/rest/api/3/issue/10001",
        "url": "https://acme.atlassian.net/browse/SOC-42",
    },
    "microsoft_teams.post_message": {"status": 202},
    "slack.post_message": {
        "ok": True,
        "channel": "C0123ABCDEF",
        "ts": "1711375502.123459",
        "message": {},
    },
    "email.send_email": {"message_id": "<1@contoso.example>", "accepted": [], "refused": {}},
    "microsoft_graph.get_user": {"id": USER_ID, "userPrincipalName": "alice@contoso.example"},
    "microsoft_graph.confirm_user_compromised": {
        "risk_state": "confirmedCompromised",
        "request_id": None,
    },
    "microsoft_graph.revoke_sign_in_sessions": {"revoked": True, "request_id": None},
    "microsoft_graph.disable_user": {"account_enabled": False, "request_id": None},
    "microsoft_defender.find_machines_by_name": {
        "count": 1,
        "machines": [{"id": MACHINE_ID, "computerDnsName": "desk-042.contoso.example"}],
    },
    "microsoft_defender.isolate_machine": MACHINE_ACTION,
}
# Each template's choice, where it asks for one.
ANSWERS = {"approvals.ask_for_approval": ("Block", "Isolate")}
# Branches the sample run does not take: declining, or a condition that does not hold.
UNTAKEN_BRANCHES = {"false", "Ignore"}
# Values that make every optional step of a template run.
EVERYTHING_ON = {"disable_account": True}


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return loaded_registry(SHIPPED_CONNECTORS)


def _mocks(template: Template) -> dict[str, list[dict[str, Any]]]:
    mocks = {}
    for node in template.document["nodes"]:
        if node["kind"] != "action":
            continue
        action = node["action"]
        if action in ANSWERS:
            option = next(o for o in ANSWERS[action] if o in node["inputs"]["options"])
            output = {"selected_option": option, "responder": "alice", "comment": None}
        else:
            output = OUTPUTS[action]
        mocks[node["id"]] = [{"output": output}]
    return mocks


def _main_path(template: Template) -> set[str]:
    """The action nodes a run on the sample incident must reach: all but those after a failure
    or a timeout, on an untaken branch, or only after such nodes."""
    nodes = template.document["nodes"]
    side = {node["id"] for node in nodes if node.get("branch") in UNTAKEN_BRANCHES}
    for edge in template.document["edges"]:
        if "succeeded" not in edge.get("when", ["succeeded"]):
            side.add(edge["target"])
    changed = True
    while changed:
        inside = {node["id"] for node in nodes if node.get("parent") in side}
        after = {
            target
            for target in {edge["target"] for edge in template.document["edges"]}
            if all(edge["source"] in side for edge in _incoming(template, target))
        }
        changed = not (inside | after) <= side
        side |= inside | after
    return {node["id"] for node in nodes if node["kind"] == "action"} - side


def _incoming(template: Template, target: str) -> list[dict[str, Any]]:
    return [edge for edge in template.document["edges"] if edge["target"] == target]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda template: template.id)
def test_the_template_runs_its_main_path_with_fitting_inputs(
    template: Template, engine: Engine, registry: ConnectorRegistry
) -> None:
    parameters = {
        p.name: EVERYTHING_ON[p.name] for p in template.parameters if p.name in EVERYTHING_ON
    }
    document = instantiate(
        template, name=template.title, connections=dict(template.connections), parameters=parameters
    )
    rehearsal = Rehearsal(document, INCIDENT, _mocks(template))
    state = rehearse(rehearsal, engine=engine, registry=registry)
    failed = {key: step.error for key, step in state.steps.items() if step.status == "failed"}
    assert state.status == "succeeded", (state.error, failed)
    ran = {step.node_id for step in state.steps.values() if step.status == "succeeded"}
    assert _main_path(template) <= ran
    nodes = {node["id"]: node for node in template.document["nodes"]}
    for key, step in state.steps.items():
        node = nodes.get(step.node_id, {"kind": "trigger"})
        if node["kind"] != "action" or step.status != "succeeded":
            continue
        spec = registry.get_action(node["action"])
        assert spec is not None
        validator = Draft202012Validator(
            spec.input_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(step.inputs)
        ]
        assert problems == [], key
