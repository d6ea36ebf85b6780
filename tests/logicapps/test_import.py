"""Logic Apps workflows imported as playbooks: triggers, control actions, runAfter, variables,
managed-connector calls, what is reported instead of dropped, and files that are not
playbooks. The corpus of real Sentinel playbooks gives the import's measured quality."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from soarflow.connectors import ConnectorRegistry
from soarflow.expressions import ExpressionError, evaluate
from soarflow.logicapps import MAX_BYTES, NotAPlaybook, import_text
from soarflow.logicapps.operations import OPERATIONS, UNSUPPORTED_APIS
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
CORPUS_FLOOR = 19


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
        "Decrypt": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": KEY_VAULT}},
                "method": "post",
                "path": "/keys/@{encodeURIComponent('data-key')}/decrypt",
                "body": {"algorithm": "RSA-OAEP", "value": "@triggerBody()?['sealed']"},
            },
            "runAfter": {},
        },
        "Odd": {"type": "Compose", "inputs": "@xpath(triggerBody(), '/a')", "runAfter": {}},
        "Dangling": {"type": "Compose", "inputs": "@body('Nowhere')", "runAfter": {}},
    }
    imported = import_text(workflow(actions), "odd.json")
    kinds = sorted((finding.kind, finding.path) for finding in imported.unmapped)
    assert kinds == [
        ("action", "$.actions.Decrypt"),
        ("expression", "$.actions.Dangling.inputs"),
        ("expression", "$.actions.Odd.inputs"),
    ]
    problems = {
        (problem.node_id, problem.code) for problem in validate(imported.document, catalog=registry)
    }
    assert ("decrypt", "unknown_action") in problems
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


AZURE_AD = "@parameters('$connections')['azuread']['connectionId']"
# Sentinel's managed connector names the workspace in the path; soarflow's connection holds it.
WATCHLIST = (
    "/Watchlists/subscriptions/@{encodeURIComponent(parameters('azure_subscription_id'))}"
    "/resourceGroups/@{encodeURIComponent(parameters('azure_resource_group'))}"
    "/workspaces/@{encodeURIComponent(parameters('WorkspaceId'))}"
    "/watchlists/@{encodeURIComponent(parameters('WatchlistName'))}"
)
EXISTING = "@body('Get_watchlist_items')?['properties']?['watchlistItems']"
GROUP_TO_WATCHLIST = {
    "Get_group_members": {
        "type": "ApiConnection",
        "inputs": {
            "host": {"connection": {"name": AZURE_AD}},
            "method": "get",
            "path": "/v1.0/groups/@{encodeURIComponent(parameters('GroupId'))}/members",
        },
        "runAfter": {},
    },
    "Initialize_ids": {
        "type": "InitializeVariable",
        "inputs": {"variables": [{"name": "Watchlist IDs", "type": "array"}]},
        "runAfter": {"Get_group_members": ["Succeeded"]},
    },
    "Get_watchlist_items": sentinel(
        "get", f"{WATCHLIST}/watchlistItems", None, {"Initialize_ids": ["Succeeded"]}
    ),
    "First_item": {
        "type": "Compose",
        "inputs": f"@{EXISTING[1:]}?[0]?['properties.itemsKeyValue']?['userPrincipalName']",
        "runAfter": {"Get_watchlist_items": ["Succeeded"]},
    },
    "For_each_item": {
        "type": "Foreach",
        "foreach": EXISTING,
        "actions": {
            "Append_id": {
                "type": "AppendToArrayVariable",
                "inputs": {
                    "name": "Watchlist IDs",
                    "value": "@items('For_each_item')?['properties.itemsKeyValue']?['id']",
                },
                "runAfter": {},
            }
        },
        "runAfter": {"First_item": ["Succeeded"]},
    },
    "For_each_member": {
        "type": "Foreach",
        "foreach": "@body('Get_group_members')?['value']",
        "actions": {
            "Already_there": {
                "type": "If",
                "expression": {
                    "and": [
                        {
                            "equals": [
                                "@contains(variables('Watchlist IDs'), "
                                "items('For_each_member')?['id'])",
                                "@true",
                            ]
                        }
                    ]
                },
                "actions": {},
                "else": {
                    "actions": {
                        "Add_item": sentinel(
                            "put",
                            f"{WATCHLIST}/watchlistItem",
                            {
                                "id": "@{items('For_each_member')?['id']}",
                                "userPrincipalName": "@{items('For_each_member')?"
                                "['userPrincipalName']}",
                            },
                        )
                    }
                },
                "runAfter": {},
            }
        },
        "runAfter": {"For_each_item": ["Succeeded"]},
    },
}
RECURRENCE = {"Daily": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}}


def test_group_members_and_watchlist_items_map_to_graph_and_sentinel(
    registry: ConnectorRegistry,
) -> None:
    imported = import_text(workflow(GROUP_TO_WATCHLIST, RECURRENCE), "watchlist.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    members = nodes["get_group_members"]
    assert (members["action"], members["connection"]) == (
        "microsoft_graph.list_group_members",
        "azuread",
    )
    assert members["inputs"] == {"group_id": "{{ vars.param_groupid }}"}
    listed = nodes["get_watchlist_items"]
    assert (listed["action"], listed["connection"]) == (
        "microsoft_sentinel.list_watchlist_items",
        "azuresentinel",
    )
    assert listed["inputs"] == {"watchlist_alias": "{{ vars.param_watchlistname }}"}
    # The connector's `properties.watchlistItems` is the API's `value`, and its flattened
    # `properties.itemsKeyValue` key the API's nested fields.
    assert nodes["first_item"]["inputs"]["value"] == (
        "{{ steps.get_watchlist_items.output.value[0].properties.itemsKeyValue.userPrincipalName }}"
    )
    assert nodes["for_each_item"]["items"] == "{{ steps.get_watchlist_items.output.value }}"
    assert nodes["append_id"]["inputs"]["value"] == "{{ item.properties.itemsKeyValue.id }}"
    assert nodes["for_each_member"]["items"] == "{{ steps.get_group_members.output.value }}"
    added = nodes["add_item"]
    assert (added["action"], added["connection"]) == (
        "microsoft_sentinel.add_watchlist_item",
        "azuresentinel",
    )
    assert added["inputs"] == {
        "watchlist_alias": "{{ vars.param_watchlistname }}",
        "item": {"id": "{{ item.id }}", "userPrincipalName": "{{ item.userPrincipalName }}"},
    }
    assert (added["parent"], added["branch"]) == ("already_there", "false")
    # The path's subscription, resource group and workspace are the connection's, not inputs.
    assert set(imported.document["variables"]) == {
        "watchlist_ids",
        "param_groupid",
        "param_watchlistname",
    }


def test_a_watchlist_answer_outside_its_items_is_reported() -> None:
    actions = {
        "Get_watchlist_items": sentinel("get", f"{WATCHLIST}/watchlistItems", None),
        "Alias": {
            "type": "Compose",
            "inputs": "@body('Get_watchlist_items')?['properties']?['watchlistAlias']",
            "runAfter": {"Get_watchlist_items": ["Succeeded"]},
        },
    }
    imported = import_text(workflow(actions, RECURRENCE), "watchlist.json")
    [finding] = imported.unmapped
    assert finding.path == "$.actions.Alias.inputs"
    assert "properties.watchlistAlias of Get_watchlist_items's answer" in finding.message
    assert "gives its properties.watchlistItems" in finding.message


NESTED_WORKFLOW_ID = (
    "[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', "
    "resourceGroup().name, '/providers/Microsoft.Logic/workflows/', "
    "parameters('FirstNestedPlaybook'))]"
)


def test_select_fields_are_expressions_per_item_and_workflow_calls_run_playbooks(
    registry: ConnectorRegistry,
) -> None:
    """The AS-IAM master playbook's shape: a Select whose fields mix the item's fields with the
    incident's id hands its list to another Logic App, named by a template parameter."""
    actions = {
        "Entities_-_Get_IPs": sentinel(
            "post", "/entities/ip", "@triggerBody()?['object']?['properties']?['relatedEntities']"
        ),
        "Select_-_IPs": {
            "type": "Select",
            "inputs": {
                "from": "@body('Entities_-_Get_IPs')?['IPs']",
                "select": {
                    "IncidentID": "@triggerBody()?['object']?['id']",
                    "Type": "@item()?['Type']",
                    "address": "@item()?['address']",
                    "friendlyName": "@item()?['friendlyName']",
                    "label": "@{item()?['address']} in @{triggerBody()?['object']?['id']}",
                    "fixed": 1,
                },
            },
            "runAfter": {"Entities_-_Get_IPs": ["Succeeded"]},
        },
        "Table": {
            "type": "Table",
            "inputs": {
                "from": "@body('Select_-_IPs')",
                "format": "HTML",
                "columns": [{"header": "IP", "value": "@item()?['address']"}],
            },
            "runAfter": {"Select_-_IPs": ["Succeeded"]},
        },
        "Blocklist": {
            "type": "Workflow",
            "inputs": {
                "body": "@body('Select_-_IPs')",
                "headers": {"x-from": "master"},
                "host": {"triggerName": "manual", "workflow": {"id": NESTED_WORKFLOW_ID}},
            },
            "runAfter": {"Select_-_IPs": ["Succeeded"]},
        },
        "Revoke": {
            "type": "Workflow",
            "inputs": {
                "host": {
                    "triggerName": "manual",
                    "workflow": {
                        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Logic/"
                        "workflows/Revoke-Sessions"
                    },
                }
            },
            "runAfter": {},
        },
    }
    imported = import_text(workflow(actions), "master.json")
    assert imported.unmapped == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    selected = nodes["select___ips"]
    assert selected["action"] == "core.select"
    fields = selected["inputs"]["fields"]
    assert fields == {
        "IncidentID": "{{ trigger.id }}",
        "Type": "{{ item.kind | default(none) }}",
        "address": "{{ item.address | default(none) }}",
        "friendlyName": "{{ item.friendly_name | default(none) }}",
        "label": "{{ item.address }} in {{ trigger.id }}",
        "fixed": 1,
    }
    # Evaluated per item, an entity's missing field is null, as item()?['x'] is in Logic Apps.
    scope = {"item": {"kind": "ip", "address": "10.1.2.3"}, "trigger": {"id": "inc-1"}}
    assert evaluate(fields, scope) == {
        "IncidentID": "inc-1",
        "Type": "ip",
        "address": "10.1.2.3",
        "friendlyName": None,
        "label": "10.1.2.3 in inc-1",
        "fixed": 1,
    }
    assert nodes["table"]["inputs"]["columns"] == ["address"]
    assert nodes["blocklist"]["action"] == "soarflow.run_playbook"
    assert nodes["blocklist"]["inputs"] == {
        "playbook": "{{ vars.param_firstnestedplaybook }}",
        "body": "{{ steps.select___ips.output }}",
    }
    assert nodes["revoke"]["inputs"] == {"playbook": "Revoke-Sessions"}
    assert set(imported.document["variables"]) == {"param_firstnestedplaybook"}
    notes = [f.message for f in imported.findings if f.kind == "note"]
    assert "Blocklist: its headers are not passed on to the called playbook" in notes
    assert any(note.startswith("Revoke: starts the playbook") for note in notes)
    assert validate(imported.document, catalog=registry) == []


def test_key_vault_secrets_map_to_the_key_vault_connector(registry: ConnectorRegistry) -> None:
    """Get secret and Get secret version read a secret through the Key Vault connector; the
    managed connector's answer fields read the action's, and the secret goes on into a form."""
    actions = {
        "Get_secret": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": KEY_VAULT}},
                "method": "get",
                "path": "/secrets/@{encodeURIComponent(parameters('SecretName'))}/value",
            },
            "runAfter": {},
        },
        "Get_old_secret": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": KEY_VAULT}},
                "method": "get",
                "path": "/secrets/@{encodeURIComponent('graph-app')}/versions/"
                "@{encodeURIComponent('0f1e2d3c4b5a69788796a5b4c3d2e1f0')}/value",
            },
            "runAfter": {"Get_secret": ["Succeeded"]},
        },
        "Authenticate": {
            "type": "Http",
            "inputs": {
                "method": "POST",
                "uri": "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "body": "grant_type=client_credentials&client_secret="
                "@{body('Get_secret')?['value']}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            },
            "runAfter": {"Get_old_secret": ["Succeeded"]},
        },
        "Expiry": {
            "type": "Compose",
            "inputs": "@{body('Get_old_secret')?['validityEndTime']} "
            "@{body('Get_old_secret')?['isEnabled']}",
            "runAfter": {"Authenticate": ["Succeeded"]},
        },
    }
    imported = import_text(workflow(actions, RECURRENCE), "key-vault.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    read = nodes["get_secret"]
    assert (read["action"], read["connection"]) == ("azure_key_vault.get_secret", "keyvault")
    assert read["inputs"] == {"name": "{{ vars.param_secretname }}"}
    older = nodes["get_old_secret"]
    assert older["inputs"] == {"name": "graph-app", "version": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    assert nodes["authenticate"]["inputs"]["body"] == (
        "grant_type=client_credentials&client_secret={{ steps.get_secret.output.value }}"
        "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
    )
    assert nodes["expiry"]["inputs"]["value"] == (
        "{{ steps.get_old_secret.output.expires }} {{ steps.get_old_secret.output.enabled }}"
    )
    other = {
        "Get_metadata": {
            "type": "ApiConnection",
            "inputs": {
                "host": {"connection": {"name": KEY_VAULT}},
                "method": "get",
                "path": "/secrets/@{encodeURIComponent('graph-app')}",
            },
            "runAfter": {},
        }
    }
    [finding] = import_text(workflow(other, RECURRENCE), "metadata.json").unmapped
    assert "keyvault GET /secrets/X: no soarflow action does this" in finding.message


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


SENTINEL_MCP = "@parameters('$connections')['sentinelmcp']['connectionId']"
# Sentinel's entity analyzer template composes its comment over several lines, with emoji and
# '\n' in WDL strings, which Logic Apps keeps as a backslash and an n (no escapes in WDL).
USER_VERDICT = (
    "@concat(\r\n'\U0001f464 **User Analysis for: ', item()?['Name'], '**\\n\\n',\r\n"
    "'\U0001f3f7\ufe0f **Classification**\\n\\n',\r\n"
    "body('User_Analyzer')?['classification'], '\\n\\n',\r\n"
    "'\u26a0\ufe0f ', body('User_Analyzer')?['disclaimer']\r\n)"
)


def analyzer(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "ApiConnection",
        "inputs": {
            "host": {"connection": {"name": SENTINEL_MCP}},
            "method": "post",
            "body": body,
            "path": "/aiprimitives/analysis",
            "queries": {"api-version": "2025-08-01-preview"},
        },
    }


def test_sentinels_entity_analyzer_becomes_the_analyze_entity_action(
    registry: ConnectorRegistry,
) -> None:
    accounts = "@triggerBody()?['object']?['properties']?['relatedEntities']"
    actions = {
        "Entities_-_Get_Accounts": sentinel("post", "/entities/account", accounts),
        "For_each_User": {
            "type": "Foreach",
            "foreach": "@body('Entities_-_Get_Accounts')?['Accounts']",
            "runAfter": {"Entities_-_Get_Accounts": ["Succeeded"]},
            "actions": {
                "User_Analyzer": analyzer(
                    {
                        "workspaceId": "@triggerBody()?['workspaceId']",
                        "lookBackDays": "[parameters('lookBackDays')]",
                        "properties": {"entityType": "User", "userId": "@{item()?['AadUserId']}"},
                    }
                ),
                "Compose_User": {
                    "type": "Compose",
                    "inputs": USER_VERDICT,
                    "runAfter": {"User_Analyzer": ["Succeeded"]},
                },
            },
        },
    }
    imported = import_text(workflow(actions), "analyzer.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    assert nodes["user_analyzer"]["action"] == "microsoft_sentinel_entity_analyzer.analyze_entity"
    assert nodes["user_analyzer"]["connection"] == "sentinelmcp"
    assert nodes["user_analyzer"]["inputs"] == {
        "entity_type": "user",
        "entity": "{{ item.aad_user_id }}",
        "look_back_days": "{{ vars.param_lookbackdays }}",
        # The incident trigger's workspace: a parameter (left empty, the connection's).
        "workspace_id": "{{ vars.param_azure_workspace_id }}",
    }
    composed = evaluate(
        nodes["compose_user"]["inputs"]["value"],
        {
            "item": {"name": "adele"},
            "steps": {
                "user_analyzer": {
                    "output": {"classification": "Compromised", "disclaimer": "AI-generated."}
                }
            },
        },
    )
    assert composed == (
        "\U0001f464 **User Analysis for: adele**\\n\\n"
        "\U0001f3f7\ufe0f **Classification**\\n\\nCompromised\\n\\n\u26a0\ufe0f AI-generated."
    )


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"entityType": "Url", "url": "https://x.example/a"}, ("url", "https://x.example/a")),
        (
            {"entityType": "@{triggerBody()?['Type']}", "url": "@{triggerBody()?['Value']}"},
            ("{{ (trigger.body.Type) | lower }}", "{{ trigger.body.Value }}"),
        ),
        ({"entityType": "User", "url": "https://x.example/a"}, "a User entity given a url"),
        ({"entityType": "Url"}, "names neither a url nor a userId"),
    ],
)
def test_an_entity_analysis_takes_its_type_and_value_from_properties(
    properties: dict[str, Any], expected: tuple[str, str] | str
) -> None:
    webhook = {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}
    body = {"workspaceId": "[parameters('workspaceId')]", "lookBackDays": 7}
    imported = import_text(
        workflow({"Analyze": analyzer(body | {"properties": properties})}, webhook), "a.json"
    )
    [node] = imported.document["nodes"]
    if isinstance(expected, str):
        [finding] = imported.unmapped
        assert expected in finding.message
        return
    assert imported.unmapped == []
    assert node["inputs"] == {
        "entity_type": expected[0],
        "entity": expected[1],
        "look_back_days": 7,
        "workspace_id": "{{ vars.param_workspaceid }}",
    }


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


FIREWALL_CONNECTION = "@parameters('$connections')['AzureFirewallConnector']['connectionId']"
FIREWALL_PATH = (
    "/subscriptions/@{encodeURIComponent(triggerBody()?['workspaceInfo']?['SubscriptionId'])}"
    "/resourceGroups/@{encodeURIComponent(outputs('Group'))}/providers/Microsoft.Network/"
    "azureFirewalls/@{encodeURIComponent(outputs('Name'))}"
)


def firewall_call(method: str, path: str, body: Any = None, **after: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "host": {"connection": {"name": FIREWALL_CONNECTION}},
        "method": method,
        "path": path,
        "queries": {"api-version": "2020-07-01"},
    }
    if body is not None:
        inputs["body"] = body
    return {"type": "ApiConnection", "inputs": inputs, "runAfter": after}


def test_azure_firewall_calls_map_to_the_azure_firewall_connector(
    registry: ConnectorRegistry,
) -> None:
    """The subscription is the connection's; the resource group and the firewall's name are
    the path's last values."""
    subscription = (
        "/subscriptions/@{encodeURIComponent(triggerBody()?['workspaceInfo']?['SubscriptionId'])}"
    )
    actions = {
        "Collections": {
            "type": "InitializeVariable",
            "inputs": {"variables": [{"name": "Collections", "type": "array"}]},
            "runAfter": {},
        },
        "List": firewall_call("get", f"{subscription}/providers/Microsoft.Network/azureFirewalls"),
        "Group": {
            "type": "Compose",
            "inputs": "@split(body('List')?['value'][0]?['id'], '/')?[4]",
            "runAfter": {"List": ["Succeeded"]},
        },
        "Name": {"type": "Compose", "inputs": "fw-prod", "runAfter": {"Group": ["Succeeded"]}},
        "Get": firewall_call("get", FIREWALL_PATH, Name=["Succeeded"]),
        "Put": firewall_call(
            "put",
            FIREWALL_PATH,
            {
                "location": "@body('Get')?['location']",
                "properties": {"networkRuleCollections": "@variables('Collections')"},
            },
            Get=["Succeeded"],
        ),
        "Tag": firewall_call(
            "patch", FIREWALL_PATH, {"tags": {"Configuration": "Sentinel"}}, Put=["Succeeded"]
        ),
    }
    imported = import_text(workflow(actions), "firewall.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    where = {
        "resource_group": "{{ steps.group.output }}",
        "firewall_name": "{{ steps.name.output }}",
    }
    assert (nodes["list"]["action"], nodes["list"]["inputs"]) == (
        "azure_firewall.list_firewalls",
        {},
    )
    assert nodes["group"]["inputs"]["value"] == (
        "{{ (steps.list.output.value[0].id | split('/'))[4] }}"
    )
    assert (nodes["get"]["action"], nodes["get"]["inputs"]) == (
        "azure_firewall.get_firewall",
        where,
    )
    assert nodes["put"]["action"] == "azure_firewall.create_or_update_firewall"
    assert nodes["put"]["inputs"] == where | {
        "location": "{{ steps.get.output.location }}",
        "properties": {"networkRuleCollections": "{{ vars.collections }}"},
    }
    assert nodes["tag"]["action"] == "azure_firewall.update_tags"
    assert nodes["tag"]["inputs"] == where | {"tags": {"Configuration": "Sentinel"}}
    assert {node["connection"] for node in nodes.values() if "connection" in node} == {
        "AzureFirewallConnector"
    }


def test_an_azure_firewall_patch_of_more_than_its_tags_is_reported() -> None:
    actions = {
        "Group": {"type": "Compose", "inputs": "rg-net", "runAfter": {}},
        "Name": {"type": "Compose", "inputs": "fw-prod", "runAfter": {}},
        "Patch": firewall_call("patch", FIREWALL_PATH, {"tags": {}, "zones": ["1"]}),
    }
    [finding] = import_text(workflow(actions), "patch.json").unmapped
    assert "other than its tags" in finding.message


TEAMS_CONNECTION = "@parameters('$connections')['teams']['connectionId']"
TITLE = "@{triggerBody()?['object']?['properties']?['title']}"
SEVERITY = "@{triggerBody()?['object']?['properties']?['severity']}"
URL = "@{triggerBody()?['object']?['properties']?['incidentUrl']}"
STATUS_CHOICES = [
    {"title": "True Positive", "value": "TruePositive - SuspiciousActivity", "isSelected": True},
    {"title": "Undetermined", "value": "Undetermined"},
]
RULES = {
    "type": "Input.ChoiceSet",
    "id": "rules",
    "label": "Which rule collections?",
    "isMultiSelect": True,
    "isRequired": True,
    "choices": "CHOICES",
}
# A card as the workflow holds it: JSON text whose `@{...}` parts are filled in when it is
# posted, the list of rule collections standing for a whole JSON value.
CARD = json.dumps(
    {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "size": "large", "text": f"Suspicious IP {TITLE}"},
            {"type": "Image", "url": "https://example.com/logo.png"},
            {
                "type": "ColumnSet",
                "columns": [
                    {
                        "type": "Column",
                        "items": [{"type": "TextBlock", "text": f"Severity: {SEVERITY}"}],
                    }
                ],
            },
            {"type": "FactSet", "facts": [{"title": "Owner", "value": "soc"}]},
            {"type": "TextBlock", "text": "Close the incident as?"},
            {
                "type": "Input.ChoiceSet",
                "id": "status",
                "style": "compact",
                "value": "Undetermined",
                "choices": STATUS_CHOICES,
            },
        ],
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": "Block the address",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [RULES],
                    "actions": [{"type": "Action.Submit", "title": "Block"}],
                },
            },
            {"type": "Action.OpenUrl", "title": "Open", "url": URL},
            {"type": "Action.Submit", "title": "Ignore"},
        ],
    }
).replace('"CHOICES"', "@{variables('Choices')}")


def card_call(card: str, recipient: dict[str, Any], **after: list[str]) -> dict[str, Any]:
    return {
        "type": "ApiConnectionWebhook",
        "inputs": {
            "host": {"connection": {"name": TEAMS_CONNECTION}},
            "path": "/flowbot/actions/flowcontinuation/recipienttypes/channel/$subscriptions",
            "body": {
                "body": {"messageBody": card, "recipient": recipient},
                "notificationUrl": "@{listCallbackUrl()}",
            },
        },
        "runAfter": after,
    }


CARD_ACTIONS = {
    "Choices": {
        "type": "InitializeVariable",
        "inputs": {"variables": [{"name": "Choices", "type": "array"}]},
        "runAfter": {},
    },
    "Ask": card_call(CARD, {"channelId": "19:abc@thread.tacv2"}, Choices=["Succeeded"]),
    "Decide": {
        "type": "If",
        "expression": {"and": [{"equals": ["@body('Ask')?['submitActionId']", "Block"]}]},
        "actions": {
            "Rules": {
                "type": "Compose",
                "inputs": "@split(body('Ask')?['data']?['rules'], ',')",
                "runAfter": {},
            },
            "Status": {
                "type": "Compose",
                "inputs": "@body('Ask')?['data']?['status']",
                "runAfter": {"Rules": ["Succeeded"]},
            },
        },
        "runAfter": {"Ask": ["Succeeded"]},
    },
}


def test_a_teams_card_that_waits_becomes_an_approval_asking_its_inputs(
    registry: ConnectorRegistry,
) -> None:
    imported = import_text(workflow(CARD_ACTIONS), "card.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    nodes = {node["id"]: node for node in imported.document["nodes"]}
    ask = nodes["ask"]
    assert ask["action"] == "approvals.ask_for_approval"
    assert "connection" not in ask
    assert ask["inputs"] == {
        "title": "Suspicious IP {{ trigger.title }}",
        "message": "Severity: {{ trigger.severity }}\nOwner: soc\n"
        "Block the address: choose Block\nOpen: {{ trigger.url }}",
        "options": ["Block", "Ignore"],
        "questions": [
            {
                "id": "status",
                "label": "Close the incident as?",
                "choices": [
                    {"title": "True Positive", "value": "TruePositive - SuspiciousActivity"},
                    {"title": "Undetermined", "value": "Undetermined"},
                ],
                "multiple": False,
                "required": False,
                "default": "Undetermined",
            },
            {
                "id": "rules",
                "label": "Which rule collections?",
                "choices": "{{ vars.choices }}",
                "multiple": True,
                "required": True,
                "for_options": ["Block"],
            },
        ],
        "approvers": "{{ vars.teams_card_approvers }}",
        "teams": {"connection": "teams"},
    }
    assert imported.document["variables"]["teams_card_approvers"] == {
        "type": "array",
        "initial": [],
    }
    notes = [finding.message for finding in imported.findings if finding.kind == "note"]
    assert any("teams_card_approvers" in note for note in notes)
    assert nodes["decide"]["condition"] == {
        "all": [{"left": "{{ steps.ask.output.selected_option }}", "op": "eq", "right": "Block"}]
    }
    # Teams answers several values as one text joined by commas; soarflow gives the list.
    rules = nodes["rules"]["inputs"]["value"]
    assert rules == "{{ ((steps.ask.output.answers.rules | join(',')) | split(',')) }}"
    scope = {"steps": {"ask": {"output": {"answers": {"rules": ["rg::fw::a", "rg::fw::b"]}}}}}
    assert evaluate(rules, scope) == ["rg::fw::a", "rg::fw::b"]
    assert nodes["status"]["inputs"]["value"] == "{{ steps.ask.output.answers.status }}"


def test_a_card_to_a_person_asks_that_person() -> None:
    actions = {
        "Choices": CARD_ACTIONS["Choices"],
        "Ask": card_call(CARD, {"to": "alice@soc.example;bob@soc.example"}),
    }
    imported = import_text(workflow(actions), "card.json")
    assert imported.unmapped == []
    [ask] = [node for node in imported.document["nodes"] if node["id"] == "ask"]
    assert ask["inputs"]["approvers"] == ["alice@soc.example", "bob@soc.example"]
    assert "teams_card_approvers" not in imported.document.get("variables", {})


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (
            CARD.replace(
                '"type": "Input.ChoiceSet", "id": "status"', '"type": "Input.Text", "id": "status"'
            ),
            "Input.Text",
        ),
        (
            CARD.replace(
                '{"type": "Action.Submit", "title": "Ignore"}',
                '{"type": "Action.OpenUrl", "url": "x"}',
            ),
            "fewer than two buttons",
        ),
        ('{"type": "AdaptiveCard", "body": [', "not JSON"),
        (CARD.replace('"id": "rules"', '"id": "rules-2"'), "no soarflow question id"),
    ],
)
def test_cards_soarflow_cannot_ask_are_reported(card: str, reason: str) -> None:
    actions = {"Choices": CARD_ACTIONS["Choices"], "Ask": card_call(card, {"channelId": "c"})}
    [finding] = import_text(workflow(actions), "card.json").unmapped
    assert reason in finding.message


def close_with(classification: str, severity: str) -> dict[str, Any]:
    body = {
        "classification": {"ClassificationAndReason": classification},
        "incidentArmId": "@triggerBody()?['object']?['id']",
        "severity": severity,
        "status": "Closed",
    }
    return {
        "Chosen": {
            "type": "InitializeVariable",
            "inputs": {"variables": [{"name": "Chosen", "type": "string", "value": "x"}]},
            "runAfter": {},
        },
        "Close": sentinel("put", "/Incidents", body, {"Chosen": ["Succeeded"]}),
    }


@pytest.mark.parametrize(
    ("chosen", "classification"),
    [
        ("TruePositive - SuspiciousActivity", "true_positive"),
        ("Benign Positive - Suspicious But Expected", "benign_positive"),
        ("FalsePositive - IncorrectAlertLogic", "false_positive"),
        ("False Positive - Inaccurate Data", "false_positive"),
        ("Undetermined", "undetermined"),
    ],
)
def test_a_classification_chosen_at_run_time_is_looked_up_at_run_time(
    registry: ConnectorRegistry, chosen: str, classification: str
) -> None:
    actions = close_with("@{variables('Chosen')}", "@{variables('Chosen')}")
    imported = import_text(workflow(actions), "close.json")
    assert imported.unmapped == []
    assert validate(imported.document, catalog=registry) == []
    [close] = [node for node in imported.document["nodes"] if node["id"] == "close"]
    assert close["action"] == "soarflow.close_incident"
    inputs = close["inputs"]
    assert evaluate(inputs["classification"], {"vars": {"chosen": chosen}}) == classification
    # A card's "Don't change" leaves the severity; a severity sets it.
    assert evaluate(inputs["severity"], {"vars": {"chosen": "same"}}) is None
    assert evaluate(inputs["severity"], {"vars": {"chosen": "High"}}) == "high"


def test_a_classification_that_names_none_fails_the_step_and_a_written_one_is_mapped() -> None:
    actions = close_with("@{variables('Chosen')}", "Low")
    [close] = [
        n for n in import_text(workflow(actions), "c.json").document["nodes"] if n["id"] == "close"
    ]
    assert close["inputs"]["severity"] == "low"
    with pytest.raises(ExpressionError, match="maybe"):
        evaluate(close["inputs"]["classification"], {"vars": {"chosen": "Maybe"}})
    written = close_with("True Positive - Suspicious Activity", "Medium")
    [close] = [
        n for n in import_text(workflow(written), "c.json").document["nodes"] if n["id"] == "close"
    ]
    assert (close["inputs"]["classification"], close["inputs"]["severity"]) == (
        "true_positive",
        "medium",
    )


def test_the_documented_table_names_every_api_and_action_the_importer_knows(
    registry: ConnectorRegistry,
) -> None:
    page = (Path(__file__).parents[2] / "docs" / "sentinel-import.md").read_text()
    named = set(re.findall(r"`([a-z0-9-]+)`", page))
    apis = {api for operation in OPERATIONS for api in operation.apis} | set(UNSUPPORTED_APIS)
    assert apis - named == set()
    actions = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", page))
    assert {action for action in actions if registry.get_action(action) is None} == set()
