"""Logic Apps workflows imported as playbooks: triggers, control actions, runAfter, variables,
managed-connector calls, what is reported instead of dropped, and files that are not
playbooks. The corpus of real Sentinel playbooks gives the import's measured quality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soarflow.connectors import ConnectorRegistry
from soarflow.logicapps import MAX_BYTES, NotAPlaybook, import_text
from soarflow.playbook.validate import validate
from tests.conftest import loaded_registry
from tests.connectors.fakes import SHIPPED_CONNECTORS

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus" / "sentinel-playbooks"
CONNECTION = "@parameters('$connections')['azuresentinel']['connectionId']"
KEY_VAULT = "@parameters('$connections')['keyvault']['connectionId']"
SENTINEL_API_ID = (
    "[concat('/subscriptions/', subscription().subscriptionId, '/providers/Microsoft.Web/"
    "locations/', resourceGroup().location, '/managedApis/azuresentinel')]"
)
INCIDENT_TRIGGER = {
    "Microsoft_Sentinel_incident": {
        "type": "ApiConnectionWebhook",
        "inputs": {
            "host": {"connection": {"name": CONNECTION}},
            "path": "/incident-creation",
        },
    }
}
# Corpus playbooks that import completely: a fall below this is a regression (see the README).
CORPUS_FLOOR = 13


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return loaded_registry(SHIPPED_CONNECTORS)


def workflow(actions: dict[str, Any], triggers: dict[str, Any] | None = None) -> bytes:
    definition = {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "triggers": triggers or INCIDENT_TRIGGER,
        "actions": actions,
    }
    return json.dumps({"definition": definition}).encode()


def sentinel(
    method: str, path: str, body: Any, after: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "ApiConnection",
        "inputs": {
            "host": {"connection": {"name": CONNECTION}},
            "method": method,
            "path": path,
            "body": body,
        },
        "runAfter": after or {},
    }


ENRICH = {
    "Entities_-_Get_IPs": sentinel(
        "post", "/entities/ip", "@triggerBody()?['object']?['properties']?['relatedEntities']"
    ),
    "For_each": {
        "type": "Foreach",
        "foreach": "@body('Entities_-_Get_IPs')?['IPs']",
        "runAfter": {"Entities_-_Get_IPs": ["Succeeded"]},
        "actions": {
            "Condition": {
                "type": "If",
                "expression": {
                    "and": [{"not": {"equals": ["@items('For_each')?['Address']", "10.0.0.1"]}}]
                },
                "actions": {
                    "Comment": sentinel(
                        "post",
                        "/Incidents/Comment",
                        {
                            "incidentArmId": "@triggerBody()?['object']?['id']",
                            "message": "<p>Seen @{items('for_each')?['Address']}</p>",
                        },
                    )
                },
                "else": {"actions": {}},
                "runAfter": {},
            }
        },
    },
    "Note_failure": {
        "type": "Compose",
        "inputs": "@{body('Entities_-_Get_IPs')?['IPs']} could not be read",
        "runAfter": {"Entities_-_Get_IPs": ["Failed", "TimedOut"]},
    },
}


def test_an_enrichment_workflow_becomes_a_valid_playbook(registry: ConnectorRegistry) -> None:
    imported = import_text(workflow(ENRICH), "enrich.json")
    document = imported.document
    assert validate(document, catalog=registry) == []
    assert imported.unmapped == []
    assert document["trigger"] == {"id": "incident", "type": "soarflow.incident_created"}
    nodes = {node["id"]: node for node in document["nodes"]}
    assert nodes["entities___get_ips"]["action"] == "core.filter_array"
    assert nodes["entities___get_ips"]["inputs"]["from"] == "{{ trigger.entities }}"
    assert nodes["for_each"]["items"] == "{{ steps.entities___get_ips.output }}"
    assert nodes["condition"]["condition"] == {
        "all": [{"left": "{{ item.address }}", "op": "ne", "right": "10.0.0.1"}]
    }
    assert nodes["comment"]["action"] == "soarflow.add_incident_comment"
    assert nodes["comment"]["inputs"] == {
        "incident_id": "{{ trigger.id }}",
        "text": "<p>Seen {{ item.address }}</p>",
    }
    assert (nodes["comment"]["parent"], nodes["comment"]["branch"]) == ("condition", "true")
    assert {
        "source": "entities___get_ips",
        "target": "note_failure",
        "when": ["failed", "timed_out"],
    } in document["edges"]
    assert {"source": "for_each", "target": "condition", "branch": "body"} in document["edges"]
    # `for_each` in the comment names `For_each` in another case: a defect, reported as one.
    [defect] = [finding for finding in imported.findings if finding.kind == "defect"]
    assert "'for_each' names the action 'For_each'" in defect.message


def test_what_cannot_be_mapped_is_reported_and_flagged_on_its_node(
    registry: ConnectorRegistry,
) -> None:
    actions = {
        "Get_secret": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": KEY_VAULT}},
                "method": "get",
                "path": "/secrets/@{encodeURIComponent('api-key')}/value",
            },
            "runAfter": {},
        },
        "Odd": {"type": "Compose", "inputs": "@xpath(triggerBody(), '/a')", "runAfter": {}},
        "Dangling": {"type": "Compose", "inputs": "@body('Nowhere')", "runAfter": {}},
    }
    imported = import_text(workflow(actions), "odd.json")
    kinds = sorted((finding.kind, finding.path) for finding in imported.unmapped)
    assert kinds == [
        ("action", "$.actions.Get_secret"),
        ("expression", "$.actions.Dangling.inputs"),
        ("expression", "$.actions.Odd.inputs"),
    ]
    problems = {
        (problem.node_id, problem.code) for problem in validate(imported.document, catalog=registry)
    }
    assert ("get_secret", "unknown_action") in problems
    assert ("odd", "bad_expression") in problems
    assert ("dangling", "bad_expression") in problems


def test_variables_switches_until_and_data_actions(registry: ConnectorRegistry) -> None:
    actions = {
        "Initialize_count": {
            "type": "InitializeVariable",
            "inputs": {"variables": [{"name": "Count", "type": "integer", "value": 0}]},
            "runAfter": {},
        },
        "Until": {
            "type": "Until",
            "expression": "@greaterOrEquals(variables('Count'), 3)",
            "limit": {"count": 10, "timeout": "PT1H"},
            "actions": {
                "Increment": {
                    "type": "IncrementVariable",
                    "inputs": {"name": "Count", "value": 1},
                    "runAfter": {},
                }
            },
            "runAfter": {"Initialize_count": ["Succeeded"]},
        },
        "Switch": {
            "type": "Switch",
            "expression": "@triggerBody()?['object']?['properties']?['severity']",
            "cases": {
                "High": {
                    "case": "High",
                    "actions": {
                        "Wait": {
                            "type": "Wait",
                            "inputs": {"interval": {"count": 5, "unit": "Minute"}},
                            "runAfter": {},
                        }
                    },
                }
            },
            "default": {
                "actions": {
                    "Stop": {
                        "type": "Terminate",
                        "inputs": {"runStatus": "Cancelled"},
                        "runAfter": {},
                    }
                }
            },
            "runAfter": {"Until": ["Succeeded"]},
        },
    }
    imported = import_text(workflow(actions), "control.json")
    document = imported.document
    assert validate(document, catalog=registry) == []
    assert document["variables"] == {"count": {"type": "integer"}}
    nodes = {node["id"]: node for node in document["nodes"]}
    assert nodes["until"]["condition"] == {
        "all": [{"left": "{{ vars.count }}", "op": "ge", "right": 3}]
    }
    assert (nodes["until"]["max_iterations"], nodes["until"]["timeout"]) == (10, "PT1H")
    assert nodes["increment"]["action"] == "core.increment_variable"
    assert (nodes["switch"]["cases"], nodes["wait"]["branch"]) == (["High"], "High")
    assert nodes["wait"]["inputs"] == {"duration": "PT5M"}
    assert (nodes["stop"]["branch"], nodes["stop"]["inputs"]) == (
        "default",
        {"status": "cancelled"},
    )


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        (
            {"type": "Request", "kind": "Http", "inputs": {}},
            {"id": "request", "type": "core.webhook"},
        ),
        (
            {"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 6}},
            {"id": "schedule", "type": "core.schedule", "params": {"cron": "0 */6 * * *"}},
        ),
        (
            {"type": "ApiConnectionWebhook", "inputs": {"path": "/subscribe"}},
            {"id": "alert", "type": "soarflow.alert_created"},
        ),
    ],
)
def test_triggers(trigger: dict[str, Any], expected: dict[str, Any]) -> None:
    imported = import_text(workflow({}, {"When": trigger}), "t.json")
    assert imported.document["trigger"] == expected


def test_arm_template_values_and_sentinel_workspace_fields_become_playbook_parameters(
    registry: ConnectorRegistry,
) -> None:
    graph = "@parameters('$connections')['azuread']['connectionId']"
    actions = {
        "Get_user": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": graph}},
                "method": "get",
                "path": "[concat('/v1.0/users/@{encodeURIComponent(''', "
                "parameters('UserId'), ''')}')]",
            },
        },
        "Note": {
            "type": "Compose",
            "inputs": "[concat('Sub ', subscription().subscriptionId, "
            "': @{triggerBody()?[''WorkspaceResourceGroup'']}')]",
            "runAfter": {"Get_user": ["Succeeded"]},
        },
    }
    alert_trigger = {"When": {"type": "ApiConnectionWebhook", "inputs": {"path": "/subscribe"}}}
    imported = import_text(workflow(actions, alert_trigger), "t.json")
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    assert nodes["get_user"]["action"] == "microsoft_graph.get_user"
    assert nodes["get_user"]["inputs"] == {"user": "{{ vars.param_userid }}"}
    assert nodes["note"]["inputs"]["value"] == (
        "Sub {{ vars.param_azure_subscription_id }}: {{ vars.param_azure_resource_group }}"
    )
    assert set(imported.document["variables"]) == {
        "param_userid",
        "param_azure_subscription_id",
        "param_azure_resource_group",
    }
    assert any(
        "WorkspaceResourceGroup names Sentinel's workspace" in f.message for f in imported.findings
    )
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []


def test_an_arm_template_names_the_playbook_and_its_connections() -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "metadata": {"title": "Ask and block"},
        "parameters": {"PlaybookName": {"defaultValue": "Ask-And-Block", "type": "string"}},
        "resources": [
            {"type": "Microsoft.Web/connections", "name": "[variables('x')]"},
            {
                "type": "Microsoft.Logic/workflows",
                "properties": {
                    "definition": json.loads(workflow(ENRICH))["definition"],
                    "parameters": {
                        "$connections": {"value": {"azuresentinel": {"id": SENTINEL_API_ID}}}
                    },
                },
            },
        ],
    }
    imported = import_text(json.dumps(template), "Ask-And-Block/azuredeploy.json")
    assert imported.name == "Ask and block"
    assert imported.unmapped == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{ this is not json", "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'{"hello": "world"}', "no resources, no triggers"),
        (
            json.dumps({"resources": [{"type": "Microsoft.Web/connections"}]}).encode(),
            "no Logic Apps workflow",
        ),
        (
            json.dumps(
                {
                    "resources": [
                        {"type": "Microsoft.Logic/workflows", "properties": {"definition": {}}}
                    ]
                    * 2
                }
            ).encode(),
            "2 workflows",
        ),
        (workflow({}, {"A": {"type": "Request"}, "B": {"type": "Request"}}), "2 triggers"),
        (b"[" * 300 + b"]" * 300, "nested more than"),
        (b" " * (MAX_BYTES + 1), "larger than the 10 MB"),
    ],
)
def test_files_that_are_not_playbooks_are_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(NotAPlaybook, match=reason):
        import_text(raw, "bad.json")


def test_deeply_nested_actions_are_refused() -> None:
    actions: dict[str, Any] = {"Leaf": {"type": "Compose", "inputs": 1, "runAfter": {}}}
    for depth in range(60):
        actions = {f"Scope_{depth}": {"type": "Scope", "actions": actions, "runAfter": {}}}
    with pytest.raises(NotAPlaybook, match="nested more than 40"):
        import_text(workflow(actions), "deep.json")


def test_the_corpus_imports(
    registry: ConnectorRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    """Prints the share of the corpus that imports with nothing left out and validates
    cleanly, and which files fall short and why."""
    files = sorted(CORPUS.glob("*.json"))
    assert len(files) == 20
    clean, short = [], []
    for file in files:
        imported = import_text(file.read_bytes(), file.name)
        problems = validate(imported.document, catalog=registry)
        if not imported.unmapped and not problems:
            clean.append(file.name)
        else:
            reasons = "; ".join(sorted({f.message.split(":")[0] for f in imported.unmapped[:3]}))
            short.append(f"  {file.name}: {len(imported.unmapped)} unmapped ({reasons[:150]})")
    with capsys.disabled():
        share = f"{len(clean)} of {len(files)}"
        print(f"\nSentinel corpus: {share} import completely and validate cleanly")
        print("\n".join(short))
    assert len(clean) >= CORPUS_FLOOR
