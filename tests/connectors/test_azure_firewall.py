"""The Azure Firewall connector against local fakes of Entra ID's token endpoint and the Azure
Resource Manager API for Microsoft.Network/azureFirewalls (api-version 2024-05-01): every action
through the executor with the shipped manifest, what is sent, outputs that match their declared
schema field for field, the asynchronous answers, and ARM's errors."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, call_action
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    checked_by_cli,
    local_session,
    manifest_action,
    missing_fields,
    run_action,
    serving,
    shipped_manifest,
)
from tests.connectors.test_microsoft_sentinel import arm_error

TENANT = "8f2c4e1a-7b3d-4c5e-9a6f-1d2e3f4a5b6c"
CLIENT_ID = "3a9e7c5b-1d2f-4e6a-8b0c-9d8e7f6a5b4c"
SECRET = "firewall-test-secret~R7g.Yt3_wMk8Zq2nXo6Uj5Ht"
# An app with only the Reader role on the subscription.
READER_ID = "6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"
READER_SECRET = "firewall-reader-secret~Nb4.Qr7_St1Uv8Wx5Yz2"
CLIENTS = {CLIENT_ID: SECRET, READER_ID: READER_SECRET}
SUBSCRIPTION = "2c7e9a4b-5d1f-4b3a-8e6c-0f9d8c7b6a5e"
CONNECTION = {
    "tenant_id": TENANT,
    "client_id": CLIENT_ID,
    "client_secret": SECRET,
    "subscription_id": SUBSCRIPTION,
}
API_VERSION = "2024-05-01"
LOGIN = "https://login.microsoftonline.com"
NO_WAIT = RetryPolicy(interval=0, min_interval=0, max_interval=0)
FIREWALLS = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Network/azureFirewalls"
# The fake applies tag changes to this firewall later, answering 202 without a body.
SLOW = "fw-hub-weu"


def resource_id(group: str, name: str) -> str:
    return (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"
        f"/providers/Microsoft.Network/azureFirewalls/{name}"
    )


def network_collection(firewall: str, name: str, priority: int, rules: list[Any]) -> Any:
    return {
        "name": name,
        "id": f"{firewall}/networkRuleCollections/{name}",
        "properties": {"priority": priority, "action": {"type": "Deny"}, "rules": rules},
    }


def firewall(group: str, name: str, location: str, collections: list[Any]) -> dict[str, Any]:
    """A classic-rules firewall as ARM returns it."""
    made = resource_id(group, name)
    subnet = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Network"
    return {
        "name": name,
        "id": made,
        "type": "Microsoft.Network/azureFirewalls",
        "etag": 'W/"6f0c2e1d-4b3a-4c5d-8e7f-9a0b1c2d3e4f"',
        "location": location,
        "tags": {"owner": "netops"},
        "zones": [],
        "properties": {
            "provisioningState": "Succeeded",
            "threatIntelMode": "Alert",
            "sku": {"name": "AZFW_VNet", "tier": "Standard"},
            "additionalProperties": {},
            "ipConfigurations": [
                {
                    "name": "ipconfig",
                    "id": f"{made}/azureFirewallIpConfigurations/ipconfig",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "privateIPAddress": "10.10.1.4",
                        "subnet": {
                            "id": f"{subnet}/virtualNetworks/vnet-hub/subnets/AzureFirewallSubnet"
                        },
                        "publicIPAddress": {"id": f"{subnet}/publicIPAddresses/pip-{name}"},
                    },
                }
            ],
            "networkRuleCollections": [
                network_collection(made, name, priority, rules)
                for name, priority, rules in collections
            ],
            "applicationRuleCollections": [
                {
                    "name": "allow-updates",
                    "id": f"{made}/applicationRuleCollections/allow-updates",
                    "properties": {
                        "priority": 300,
                        "action": {"type": "Allow"},
                        "rules": [
                            {
                                "name": "windows-update",
                                "protocols": [{"protocolType": "Https", "port": 443}],
                                "fqdnTags": ["WindowsUpdate"],
                                "sourceAddresses": ["10.10.0.0/16"],
                            }
                        ],
                    },
                }
            ],
            "natRuleCollections": [
                {
                    "name": "publish-web",
                    "id": f"{made}/natRuleCollections/publish-web",
                    "properties": {"priority": 100, "action": {"type": "Dnat"}, "rules": []},
                }
            ],
        },
    }


DENY_RULE = {
    "name": "deny-c2",
    "description": "Known command-and-control servers",
    "protocols": ["Any"],
    "sourceAddresses": ["198.51.100.23"],
    "destinationAddresses": ["*"],
    "destinationPorts": ["*"],
    "sourceIpGroups": [],
    "destinationIpGroups": [],
    "destinationFqdns": [],
}

OUTBOUND_RULE = DENY_RULE | {"name": "deny-tor", "sourceAddresses": ["10.10.0.0/16"]}


def seed() -> dict[str, dict[str, Any]]:
    return {
        resource_id("rg-net-prod", "fw-prod-weu"): firewall(
            "rg-net-prod",
            "fw-prod-weu",
            "westeurope",
            [("Deny-Inbound", 200, [DENY_RULE]), ("Deny-Outbound", 210, [OUTBOUND_RULE])],
        ),
        resource_id("rg-hub", SLOW): firewall(
            "rg-hub", SLOW, "westeurope", [("Blocked-IPs", 100, [DENY_RULE])]
        ),
    }


def fake_arm(received: list[dict[str, Any]], store: dict[str, dict[str, Any]]) -> Flask:
    """Entra ID's token endpoint and the azureFirewalls API in one fake; every request it gets
    is appended to `received`, and firewalls live in `store` by ARM id."""
    app = Flask("fake-arm-firewalls")
    issued: dict[str, str] = {}

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str) -> Any:
        form = request.form
        received.append({"path": request.path, "form": form.to_dict()})
        client = str(form.get("client_id"))
        if tenant != TENANT or CLIENTS.get(client) != form.get("client_secret"):
            return jsonify(
                error="invalid_client",
                error_description="AADSTS7000215: Invalid client secret provided.",
                error_codes=[7000215],
            ), 401
        if form.get("scope") != "https://management.azure.com/.default":
            return jsonify(error="invalid_scope", error_codes=[70011]), 400
        value = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-arm-{len(issued) + 1}"
        issued[value] = client
        return jsonify(token_type="Bearer", expires_in=3599, access_token=value)

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        if request.path.endswith("/oauth2/v2.0/token"):
            return None
        received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True),
            }
        )
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in issued:
            return arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if request.method != "GET" and issued[bearer] == READER_ID:
            return arm_error(
                403,
                "AuthorizationFailed",
                f"The client '{READER_ID}' does not have authorization to perform action "
                f"'Microsoft.Network/azureFirewalls/write' over scope '{request.path}'.",
            )
        if request.args.get("api-version") != API_VERSION:
            return arm_error(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{request.args.get('api-version')}' is invalid.",
            )
        return None

    def found(path: str) -> dict[str, Any] | tuple[Response, int]:
        if path in store:
            return store[path]
        group, name = path.split("/")[4], path.rsplit("/", 1)[1]
        return arm_error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Network/azureFirewalls/{name}' under resource group "
            f"'{group}' was not found.",
        )

    @app.get(FIREWALLS)
    def list_firewalls() -> Any:
        """One firewall a page, each page linking the next as ARM does."""
        page = int(request.args.get("$skiptoken", "0"))
        firewalls = list(store.values())
        answer: dict[str, Any] = {"value": firewalls[page : page + 1]}
        if page + 1 < len(firewalls):
            answer["nextLink"] = (
                f"{request.host_url.rstrip('/')}{FIREWALLS}?api-version={API_VERSION}"
                f"&$skiptoken={page + 1}"
            )
        return jsonify(answer)

    one = (
        "/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.Network/"
        "azureFirewalls/<name>"
    )

    @app.get(one)
    def get_firewall(sub: str, group: str, name: str) -> Any:
        current = found(request.path)
        if isinstance(current, tuple):
            return current
        # The change a PUT started has been applied by the time anyone reads again.
        current["properties"]["provisioningState"] = "Succeeded"
        return jsonify(current)

    @app.put(one)
    def put_firewall(sub: str, group: str, name: str) -> Any:
        sent = request.get_json(silent=True) or {}
        if not isinstance(sent.get("location"), str) or not isinstance(
            sent.get("properties"), dict
        ):
            return arm_error(400, "InvalidRequestFormat", "Cannot parse the request.")
        existing = store.get(request.path)
        if existing is not None and existing["location"] != sent["location"]:
            return arm_error(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing['location']}'.",
            )
        made = copy.deepcopy(existing) if existing else firewall(group, name, sent["location"], [])
        # A PUT writes the firewall whole: what was left out is not kept.
        made["properties"] = {
            **sent["properties"],
            "provisioningState": "Updating",
        }
        made["tags"] = sent.get("tags", {})
        made["etag"] = 'W/"0a1b2c3d-0000-4000-8000-000000000002"'
        store[request.path] = made
        response = jsonify(made)
        response.headers["Azure-AsyncOperation"] = (
            f"https://management.azure.com/subscriptions/{sub}/providers/Microsoft.Network/"
            f"locations/westeurope/operations/5d1c?api-version={API_VERSION}"
        )
        return response, 200 if existing else 201

    @app.patch(one)
    def patch_tags(sub: str, group: str, name: str) -> Any:
        current = found(request.path)
        if isinstance(current, tuple):
            return current
        tags = (request.get_json(silent=True) or {}).get("tags")
        if not isinstance(tags, dict):
            return arm_error(400, "InvalidRequestFormat", "Cannot parse the request.")
        current["tags"] = tags
        if name == SLOW:
            accepted = Response(status=202)
            accepted.headers["Azure-AsyncOperation"] = (
                f"https://management.azure.com/subscriptions/{sub}/providers/Microsoft.Network/"
                f"locations/westeurope/operations/7e2f?api-version={API_VERSION}"
            )
            return accepted
        return jsonify(current)

    return app


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def store() -> dict[str, dict[str, Any]]:
    return seed()


@pytest.fixture(autouse=True)
def fresh_firewalls(store: dict[str, dict[str, Any]]) -> None:
    store.clear()
    store.update(seed())


@pytest.fixture(scope="module")
def fake_url(received: list[dict[str, Any]], store: dict[str, dict[str, Any]]) -> Iterator[str]:
    with serving(fake_arm(received, store)) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    manifest = shipped_manifest("azure_firewall", fake_url)
    auth = manifest["connection"]["auth"]
    auth["token_url"] = auth["token_url"].replace(LOGIN, fake_url)
    return manifest


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    connection: dict[str, Any] | None = None,
) -> Outcome:
    return run_action(manifest, action_id, inputs, connection or CONNECTION, retry=NO_WAIT)


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    Draft202012Validator(schema).validate(output)
    assert missing_fields(schema, output) == []


PROD = {"resource_group": "rg-net-prod", "firewall_name": "fw-prod-weu"}


def test_the_shipped_manifest_talks_to_azure_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/azure_firewall/" in p.file] == []
    manifest = registry.connectors["azure_firewall"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://management.azure.com"
    assert connection["allowed_hosts"] == ["management.azure.com", "login.microsoftonline.com"]
    assert connection["auth"]["scope"] == "https://management.azure.com/.default"
    fields = connection["fields"]["properties"]
    assert [name for name, field in fields.items() if field.get("writeOnly")] == ["client_secret"]
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "list_firewalls": ("read", True),
        "get_firewall": ("read", True),
        "create_or_update_firewall": ("write", True),
        "update_tags": ("write", True),
    }
    for action in manifest["actions"]:
        assert action["request"]["query"] == {"api-version": API_VERSION}
    assert "ok  azure_firewall 1.0.0: 4 actions" in checked_by_cli("azure_firewall", tmp_path)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("resource_group", "rg/../other"),
        ("resource_group", "ends-with-a-dot."),
        ("firewall_name", "fw/x"),
        ("firewall_name", "-starts-with-a-dash"),
        ("firewall_name", "x" * 57),
    ],
)
def test_names_that_are_no_azure_names_are_refused(
    registry: ConnectorRegistry, field: str, value: str
) -> None:
    manifest = registry.connectors["azure_firewall"].manifest
    validator = Draft202012Validator(manifest_action(manifest, "get_firewall")["inputs"])
    assert validator.is_valid(PROD)
    assert validator.is_valid({"resource_group": "RG_1(test)", "firewall_name": "fw_1.a-b_"})
    assert not validator.is_valid(PROD | {field: value})


def test_list_firewalls_of_the_subscription(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    before = len(received)
    outcome = run(manifest, "list_firewalls", {})
    first, second = [sent for sent in received[before:] if "method" in sent]
    assert (first["method"], first["path"], first["query"]) == (
        "GET",
        FIREWALLS,
        {"api-version": API_VERSION},
    )
    assert first["headers"]["authorization"].startswith("Bearer eyJ0eXAi")
    # The second page, from the first one's nextLink.
    assert second["query"] == {"api-version": API_VERSION, "$skiptoken": "1"}
    firewalls = outcome.output["value"]
    assert [f["name"] for f in firewalls] == ["fw-prod-weu", SLOW]
    # What the Sentinel playbook reads: the group from the id, the collections by name.
    assert firewalls[0]["id"].split("/")[4] == "rg-net-prod"
    names = [c["name"] for c in firewalls[0]["properties"]["networkRuleCollections"]]
    assert names == ["Deny-Inbound", "Deny-Outbound"]
    conforms(manifest, "list_firewalls", outcome.output)


def test_get_firewall(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    output = run(manifest, "get_firewall", PROD).output
    assert received[-1]["path"] == resource_id("rg-net-prod", "fw-prod-weu")
    assert output["location"] == "westeurope"
    [rule] = output["properties"]["networkRuleCollections"][0]["properties"]["rules"]
    assert rule["sourceAddresses"] == ["198.51.100.23"]
    conforms(manifest, "get_firewall", output)


def test_a_rule_is_added_by_writing_the_firewall_back(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    current = run(manifest, "get_firewall", PROD).output
    properties = copy.deepcopy(current["properties"])
    blocked = DENY_RULE | {"name": "block-203.0.113.9", "sourceAddresses": ["203.0.113.9"]}
    properties["networkRuleCollections"][1]["properties"]["rules"].append(blocked)
    inputs = PROD | {"location": current["location"], "properties": properties}
    outcome = run(manifest, "create_or_update_firewall", inputs)
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("PUT", resource_id("rg-net-prod", "fw-prod-weu"))
    assert sent["query"] == {"api-version": API_VERSION}
    assert sent["body"] == {"location": "westeurope", "properties": properties}, "no tags"
    # ARM answers at once, while it applies the change.
    assert outcome.status == 200
    assert outcome.output["properties"]["provisioningState"] == "Updating"
    conforms(manifest, "create_or_update_firewall", outcome.output)
    later = run(manifest, "get_firewall", PROD).output
    assert later["properties"]["provisioningState"] == "Succeeded"
    rules = later["properties"]["networkRuleCollections"][1]["properties"]["rules"]
    assert [rule["name"] for rule in rules] == ["deny-tor", "block-203.0.113.9"]


def test_creating_a_firewall_with_tags_is_a_201(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    inputs = {
        "resource_group": "rg-lab",
        "firewall_name": "fw-lab",
        "location": "northeurope",
        "properties": {"threatIntelMode": "Deny", "networkRuleCollections": []},
        "tags": {"env": "lab"},
    }
    outcome = run(manifest, "create_or_update_firewall", inputs)
    assert received[-1]["body"]["tags"] == {"env": "lab"}
    assert (outcome.status, outcome.output["tags"]) == (201, {"env": "lab"})


def test_a_firewall_cannot_move_to_another_region(manifest: dict[str, Any]) -> None:
    current = run(manifest, "get_firewall", PROD).output
    inputs = PROD | {"location": "eastus", "properties": current["properties"]}
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "create_or_update_firewall", inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)
    assert "InvalidResourceLocation" in failure.value.details["body"]


def test_update_tags(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    outcome = run(manifest, "update_tags", PROD | {"tags": {"Configuration": "Sentinel"}})
    sent = received[-1]
    assert (sent["method"], sent["body"]) == ("PATCH", {"tags": {"Configuration": "Sentinel"}})
    assert outcome.output["tags"] == {"Configuration": "Sentinel"}
    conforms(manifest, "update_tags", outcome.output)


def test_tags_applied_later_are_a_202_without_a_body(
    manifest: dict[str, Any], store: dict[str, dict[str, Any]]
) -> None:
    inputs = {"resource_group": "rg-hub", "firewall_name": SLOW, "tags": {"a": "b"}}
    outcome = run(manifest, "update_tags", inputs)
    assert (outcome.status, outcome.output) == (202, None)
    conforms(manifest, "update_tags", outcome.output)
    assert store[resource_id("rg-hub", SLOW)]["tags"] == {"a": "b"}


def test_an_unknown_firewall_is_arms_404(manifest: dict[str, Any]) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [("get_firewall", {}), ("update_tags", {"tags": {}})]
    for action_id, extra in calls:
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, PROD | {"firewall_name": "fw-gone"} | extra)
        assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
        assert "ResourceNotFound" in failure.value.details["body"]


def test_a_wrong_secret_fails_at_the_token_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-secret-that-must-not-leak~1111"
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "list_firewalls", {}, CONNECTION | {"client_secret": wrong})
    assert failure.value.code == "auth_failed"
    for secret in (wrong, SECRET):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


def test_an_app_with_the_reader_role_cannot_change_a_firewall(manifest: dict[str, Any]) -> None:
    reader = CONNECTION | {"client_id": READER_ID, "client_secret": READER_SECRET}
    current = run(manifest, "get_firewall", PROD, reader).output
    for action_id, inputs in (
        ("create_or_update_firewall", {"location": "westeurope", "properties": {}}),
        ("update_tags", {"tags": {}}),
    ):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, PROD | inputs, reader)
        assert failure.value.details["status"] == 403
        assert "AuthorizationFailed" in failure.value.details["body"]
    assert run(manifest, "get_firewall", PROD).output["tags"] == current["tags"]


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}
    outcome = call_action(
        manifest=manifest, action=test, inputs={}, connection=CONNECTION, session=local_session()
    )
    assert outcome.status == 200
    assert received[-1]["path"] == FIREWALLS
