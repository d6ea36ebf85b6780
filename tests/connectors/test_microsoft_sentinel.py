"""The Microsoft Sentinel connector against local fakes of Entra ID's token endpoint and the
Azure Resource Manager incidents and watchlists API (api-version 2023-02-01): every action
through the executor with the shipped manifest, what is sent, outputs that match their declared
schema field for field, paging, and ARM's errors."""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, TokenCache, call_action
from soarflow.connectors.retry import RetryPolicy
from soarflow.playbook import validate
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

TENANT = "5b0c8e3f-2a41-4d7e-9c15-7f3e2d1a6b90"
CLIENT_ID = "0e7d5b2a-91c4-4f3e-8a6d-2c1b9f0e4d37"
SECRET = "sentinel-test-secret~Q8f.Xr2_vLk9Zp3mWn7Tj4Hs"
# Another tenant, where an app of the same name exists but which does not hold the subscription.
OTHER_TENANT = "d3a1f0c2-6b7e-4c59-a8d4-0f2e1b3c5a76"
# An app with only the Microsoft Sentinel Reader role on the workspace.
READER_ID = "7c4e2a19-3d5b-4f80-9e61-a2b3c4d5e6f7"
READER_SECRET = "sentinel-reader-secret~Lm3.Pq8_Rs2Tu9Vw4Xy1"
CLIENTS = {CLIENT_ID: SECRET, READER_ID: READER_SECRET}
CONNECTION = {
    "tenant_id": TENANT,
    "client_id": CLIENT_ID,
    "client_secret": SECRET,
    "subscription_id": "4d052fdc-60ea-412a-a8f6-c50703fc7fbe",
    "resource_group": "rg-soc-sentinel",
    "workspace_name": "law-soc-prod",
}
WORKSPACE = (
    f"/subscriptions/{CONNECTION['subscription_id']}/resourceGroups/"
    f"{CONNECTION['resource_group']}/providers/Microsoft.OperationalInsights/workspaces/"
    f"{CONNECTION['workspace_name']}"
)
INSIGHTS = f"{WORKSPACE}/providers/Microsoft.SecurityInsights"
INCIDENTS = f"{INSIGHTS}/incidents"
WATCHLISTS = f"{INSIGHTS}/watchlists"
PORTAL = "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident"
API_VERSION = "2023-02-01"
LOGIN = "https://login.microsoftonline.com"
NO_WAIT = RetryPolicy(interval=0, min_interval=0, max_interval=0)

CLOSED_ID = "73e01a99-5cd7-4139-a149-9f2736ff2ab5"
NEW_ID = "683fd598-e7be-4a6e-89c9-80de15e71d7a"
# The fake answers this incident with 429 every other time, as ARM does when throttling reads.
THROTTLED_ID = "c0ffee00-1111-4222-8333-444455556666"
ANALYST = {
    "objectId": "2046feea-040d-4a46-9e2b-91c2941bfa70",
    "email": "jane.analyst@fabrikam.example",
    "assignedTo": "Jane Analyst",
    "userPrincipalName": "jane.analyst@fabrikam.example",
}
APP_OBJECT_ID = "9a1f3c5e-7b2d-4e6f-8a0c-1d3e5f7a9b2c"
UNASSIGNED = {
    "objectId": None,
    "email": None,
    "assignedTo": None,
    "userPrincipalName": None,
    "ownerType": "Unknown",
}
RULE = f"{WORKSPACE}/providers/Microsoft.SecurityInsights/alertRules/fab3d2d4-747f-46a7-8ef0"


def incident(number: int, name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """An incident as ARM returns it."""
    return {
        "id": f"{INCIDENTS}/{name}",
        "name": name,
        "etag": f'"{uuid.uuid4()}"',
        "type": "Microsoft.SecurityInsights/incidents",
        "properties": {
            "labels": [],
            "firstActivityTimeUtc": "2025-03-05T13:02:11.207Z",
            "lastActivityTimeUtc": "2025-03-05T13:04:56.88Z",
            "createdTimeUtc": "2025-03-05T13:20:41.2428874Z",
            "lastModifiedTimeUtc": "2025-03-05T13:20:41.2428874Z",
            "incidentNumber": number,
            "incidentUrl": f"{PORTAL}{INCIDENTS}/{name}",
            "providerName": "Azure Sentinel",
            "providerIncidentId": str(number),
            "relatedAnalyticRuleIds": [RULE],
        }
        | properties,
    }


VIP_ALIAS = "vip-users"
# ARM answers a watchlist's items 100 at a time.
WATCHLIST_PAGE = 100
VIP_COUNT = 230
# Watchlist item ids are GUIDs ("The watchlist item id (GUID)" in the API's reference).
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def watchlist_item(alias: str, item_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A watchlist item as ARM returns it."""
    author = {"objectId": APP_OBJECT_ID, "email": None, "name": "soarflow-sentinel"}
    return {
        "id": f"{INSIGHTS}/Watchlists/{alias}/WatchlistItems/{item_id}",
        "name": item_id,
        "etag": f'"{uuid.uuid4()}"',
        "type": "Microsoft.SecurityInsights/Watchlists/WatchlistItems",
        "properties": {
            "watchlistItemType": "watchlist-item",
            "watchlistItemId": item_id,
            "tenantId": TENANT,
            "isDeleted": False,
            "created": now(),
            "updated": now(),
            "createdBy": author,
            "updatedBy": author,
            "itemsKeyValue": values,
            "entityMapping": {},
        },
    }


def seed_watchlists() -> dict[str, dict[str, dict[str, Any]]]:
    """Watchlists by alias, each its items by id: 230 VIPs and an empty one."""
    vips = {}
    for number in range(VIP_COUNT):
        item_id = str(uuid.UUID(int=number + 1))
        values = {
            "id": str(uuid.UUID(int=10**6 + number)),
            "userPrincipalName": f"vip{number}@contoso.com",
        }
        vips[item_id] = watchlist_item(VIP_ALIAS, item_id, values)
    return {VIP_ALIAS: vips, "empty-list": {}}


def seed() -> dict[str, dict[str, Any]]:
    closed = incident(
        3177,
        CLOSED_ID,
        {
            "title": "Multistage attack involving compromised credentials",
            "description": "Sign-in from a known-malicious IP followed by mailbox rule creation.",
            "severity": "High",
            "status": "Closed",
            "classification": "TruePositive",
            "classificationReason": "SuspiciousActivity",
            "classificationComment": "Confirmed by the user's manager; password reset.",
            "owner": ANALYST | {"ownerType": "User"},
            "labels": [
                {"labelName": "credential-theft", "labelType": "User"},
                {"labelName": "Fusion", "labelType": "AutoAssigned"},
            ],
            "providerName": "Microsoft XDR",
            "additionalData": {
                "alertsCount": 3,
                "bookmarksCount": 1,
                "commentsCount": 2,
                "alertProductNames": ["Azure Sentinel", "Microsoft Defender for Office 365"],
                "tactics": ["InitialAccess", "Persistence", "CredentialAccess"],
                "providerIncidentUrl": "https://security.microsoft.com/incidents/3177?tid="
                + TENANT,
            },
        },
    )
    new = incident(
        3178,
        NEW_ID,
        {
            "title": "Phishing link click followed by malicious download on FIN-WS-042",
            "description": "A user opened a credential-phishing URL from a known-malicious IP.",
            "severity": "Medium",
            "status": "New",
            "owner": UNASSIGNED,
            "additionalData": {
                "alertsCount": 2,
                "bookmarksCount": 0,
                "commentsCount": 0,
                "alertProductNames": ["Azure Sentinel"],
                "tactics": ["InitialAccess", "Execution"],
            },
        },
    )
    throttled = copy.deepcopy(new)
    throttled["name"] = THROTTLED_ID
    throttled["id"] = f"{INCIDENTS}/{THROTTLED_ID}"
    return {CLOSED_ID: closed, NEW_ID: new, THROTTLED_ID: throttled}


def arm_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """ARM's CloudError shape."""
    return jsonify(error={"code": code, "message": message}), status


def owner_of(object_id: str | None) -> dict[str, Any]:
    """The owner Sentinel fills in from the directory for an assigned object id."""
    if object_id == ANALYST["objectId"]:
        return ANALYST | {"ownerType": "User"}
    return UNASSIGNED | {"objectId": object_id}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def fake_azure(
    received: list[dict[str, Any]],
    store: dict[str, dict[str, Any]],
    watchlists: dict[str, dict[str, dict[str, Any]]],
) -> Flask:
    """Entra ID's token endpoint and the incidents and watchlists API in one fake; every request
    it gets is appended to `received`, incidents live in `store`, watchlists in `watchlists`."""
    app = Flask("fake-azure")
    issued: dict[str, tuple[str, str]] = {}
    calls: Counter[str] = Counter()
    comments: dict[str, dict[str, Any]] = {}

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str) -> Any:
        form = request.form
        received.append({"path": request.path, "form": form.to_dict()})
        if tenant not in (TENANT, OTHER_TENANT):
            return jsonify(
                error="invalid_request",
                error_description=f"AADSTS90002: Tenant '{tenant}' not found.",
                error_codes=[90002],
            ), 400
        client = str(form.get("client_id"))
        if CLIENTS.get(client) != form.get("client_secret"):
            return jsonify(
                error="invalid_client",
                error_description="AADSTS7000215: Invalid client secret provided. Ensure the "
                "secret being sent in the request is the client secret value, not the client "
                "secret ID, for a secret added to app '" + client + "'.",
                error_codes=[7000215],
            ), 401
        if form.get("grant_type") != "client_credentials" or form.get("scope") != (
            "https://management.azure.com/.default"
        ):
            return jsonify(error="invalid_scope", error_codes=[70011]), 400
        value = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-arm-{len(issued) + 1}"
        issued[value] = (tenant, client)
        return jsonify(
            token_type="Bearer", expires_in=3599, ext_expires_in=3599, access_token=value
        )

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
            response, status = arm_error(
                401, "InvalidAuthenticationToken", "The access token is invalid."
            )
            response.headers["WWW-Authenticate"] = (
                f'Bearer authorization_uri="https://login.windows.net/{TENANT}", '
                'error="invalid_token", error_description="The access token is invalid."'
            )
            return response, status
        tenant, client = issued[bearer]
        if tenant != TENANT:
            return arm_error(
                401,
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer 'https://sts.windows.net/{tenant}/'. "
                f"It must match the tenant 'https://sts.windows.net/{TENANT}/' associated with "
                "this subscription.",
            )
        if request.method != "GET" and client == READER_ID:
            kind = request.path.removeprefix(INSIGHTS + "/").split("/")[0]
            return arm_error(
                403,
                "AuthorizationFailed",
                f"The client '{client}' with object id '{client}' does not have authorization "
                f"to perform action 'Microsoft.SecurityInsights/{kind}/write' over scope "
                f"'{request.path}' or the scope is invalid.",
            )
        if request.args.get("api-version") != API_VERSION:
            return arm_error(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{request.args.get('api-version')}' is invalid.",
            )
        if not request.path.startswith(INSIGHTS + "/"):
            return arm_error(
                404,
                "ResourceNotFound",
                "The Resource 'Microsoft.OperationalInsights/workspaces' was not found.",
            )
        return None

    def not_found(incident_id: str) -> tuple[Response, int]:
        return arm_error(404, "NotFound", f"Incident '{incident_id}' was not found.")

    @app.get(INCIDENTS)
    def list_incidents() -> Any:
        top = int(request.args.get("$top", "50"))
        return jsonify(value=list(store.values())[:top])

    @app.get(f"{INCIDENTS}/<incident_id>")
    def get_incident(incident_id: str) -> Any:
        if incident_id == THROTTLED_ID:
            calls[incident_id] += 1
            if calls[incident_id] % 2:
                response, status = arm_error(
                    429,
                    "SubscriptionRequestsThrottled",
                    "The request is being throttled as the limit has been reached for "
                    "operation type - Read_ObservationWindow_00:05:00.",
                )
                response.headers["Retry-After"] = "0"
                return response, status
        if incident_id not in store:
            return not_found(incident_id)
        return jsonify(store[incident_id])

    @app.put(f"{INCIDENTS}/<incident_id>")
    def put_incident(incident_id: str) -> Any:
        body = request.get_json(silent=True) or {}
        sent = body.get("properties") or {}
        for field in ("title", "severity", "status"):
            if not sent.get(field):
                return arm_error(400, "BadRequest", f"The {field} field is required.")
        if sent["severity"] not in ("High", "Medium", "Low", "Informational"):
            return arm_error(400, "BadRequest", f"'{sent['severity']}' is not a valid severity.")
        if sent["status"] == "Closed" and not sent.get("classification"):
            return arm_error(400, "BadRequest", "A closed incident must have a classification.")
        current = store.get(incident_id)
        if current is not None and body.get("etag") and body["etag"] != current["etag"]:
            return arm_error(
                409,
                "Conflict",
                f"New version of resource '{incident_id}' exists. Data was not saved.",
            )
        created = current is None
        if current is None:
            current = incident(3179 + len(store), incident_id, {"owner": UNASSIGNED})
            current["properties"]["relatedAnalyticRuleIds"] = []
            current["properties"]["additionalData"] = {
                "alertsCount": 0,
                "bookmarksCount": 0,
                "commentsCount": 0,
                "alertProductNames": [],
                "tactics": [],
            }
        properties = current["properties"]
        # A PUT replaces the writable fields: what is null or left out is no longer set.
        for field in (
            "title",
            "severity",
            "status",
            "description",
            "classification",
            "classificationReason",
            "classificationComment",
        ):
            properties.pop(field, None)
            if sent.get(field) is not None:
                properties[field] = sent[field]
        properties["owner"] = owner_of((sent.get("owner") or {}).get("objectId"))
        kinds = {label["labelName"]: label["labelType"] for label in properties["labels"]}
        properties["labels"] = [
            {"labelName": label["labelName"], "labelType": kinds.get(label["labelName"], "User")}
            for label in sent.get("labels") or []
        ]
        properties["lastModifiedTimeUtc"] = now()
        current["etag"] = f'"{uuid.uuid4()}"'
        store[incident_id] = current
        return jsonify(current), 201 if created else 200

    @app.put(f"{INCIDENTS}/<incident_id>/comments/<comment_id>")
    def put_comment(incident_id: str, comment_id: str) -> Any:
        if incident_id not in store:
            return not_found(incident_id)
        message = ((request.get_json(silent=True) or {}).get("properties") or {}).get("message")
        if not isinstance(message, str) or not message:
            return arm_error(400, "BadRequest", "The comment message is required.")
        key = f"{incident_id}/{comment_id}"
        created = key not in comments
        if created:
            store[incident_id]["properties"]["additionalData"]["commentsCount"] += 1
            comments[key] = {
                "id": f"{INCIDENTS}/{incident_id}/comments/{comment_id}",
                "name": comment_id,
                "etag": f'"{uuid.uuid4()}"',
                "type": "Microsoft.SecurityInsights/incidents/comments",
                "properties": {
                    "createdTimeUtc": now(),
                    "author": {
                        "objectId": APP_OBJECT_ID,
                        "email": None,
                        "name": "soarflow-sentinel",
                        "userPrincipalName": None,
                    },
                },
            }
        comments[key]["properties"] |= {"message": message, "lastModifiedTimeUtc": now()}
        return jsonify(comments[key]), 201 if created else 200

    def no_watchlist(alias: str) -> tuple[Response, int]:
        return arm_error(404, "NotFound", f"Watchlist '{alias}' was not found.")

    @app.get(f"{WATCHLISTS}/<alias>/watchlistItems")
    def list_watchlist_items(alias: str) -> Any:
        if alias not in watchlists:
            return no_watchlist(alias)
        items = list(watchlists[alias].values())
        start = int(request.args.get("$skipToken", "0"))
        answer: dict[str, Any] = {"value": items[start : start + WATCHLIST_PAGE]}
        if start + WATCHLIST_PAGE < len(items):
            # ARM's next link is absolute and carries the api-version with the skip token.
            answer["nextLink"] = (
                f"{request.host_url.rstrip('/')}{request.path}?api-version={API_VERSION}"
                f"&$skipToken={start + WATCHLIST_PAGE}"
            )
        return jsonify(answer)

    @app.put(f"{WATCHLISTS}/<alias>/watchlistItems/<item_id>")
    def put_watchlist_item(alias: str, item_id: str) -> Any:
        if alias not in watchlists:
            return no_watchlist(alias)
        if not GUID.fullmatch(item_id):
            return arm_error(400, "BadRequest", f"'{item_id}' is not a valid watchlist item id.")
        values = ((request.get_json(silent=True) or {}).get("properties") or {}).get(
            "itemsKeyValue"
        )
        if not isinstance(values, dict) or not values:
            return arm_error(400, "BadRequest", "The watchlist item must have itemsKeyValue.")
        items = watchlists[alias]
        created = item_id not in items
        if created:
            items[item_id] = watchlist_item(alias, item_id, values)
        else:
            items[item_id]["properties"] |= {"itemsKeyValue": values, "updated": now()}
            items[item_id]["etag"] = f'"{uuid.uuid4()}"'
        return jsonify(items[item_id]), 201 if created else 200

    return app


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    """Loaded once: reading every shipped manifest takes about a second."""
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def store() -> dict[str, dict[str, Any]]:
    return seed()


@pytest.fixture(scope="module")
def watchlists() -> dict[str, dict[str, dict[str, Any]]]:
    return {}


@pytest.fixture(autouse=True)
def fresh_incidents(
    store: dict[str, dict[str, Any]], watchlists: dict[str, dict[str, dict[str, Any]]]
) -> None:
    """Each test starts from the seeded incidents and watchlists, whatever an earlier one
    changed."""
    store.clear()
    store.update(seed())
    watchlists.clear()
    watchlists.update(seed_watchlists())


@pytest.fixture(scope="module")
def fake_url(
    received: list[dict[str, Any]],
    store: dict[str, dict[str, Any]],
    watchlists: dict[str, dict[str, dict[str, Any]]],
) -> Iterator[str]:
    with serving(fake_azure(received, store, watchlists)) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    manifest = shipped_manifest("microsoft_sentinel", fake_url)
    auth = manifest["connection"]["auth"]
    auth["token_url"] = auth["token_url"].replace(LOGIN, fake_url)
    return manifest


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    connection: dict[str, Any] | None = None,
    tokens: TokenCache | None = None,
    sleep: Any = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        connection or CONNECTION,
        retry=NO_WAIT,
        tokens=tokens,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


def keep(current: dict[str, Any]) -> dict[str, Any]:
    """update_incident inputs that keep what an incident has, as a playbook passes them from
    get_incident before changing some."""
    properties = current["properties"]
    kept = {
        "incident_id": current["name"],
        "etag": current["etag"],
        "title": properties["title"],
        "severity": properties["severity"],
        "status": properties["status"],
        "labels": [label["labelName"] for label in properties["labels"]],
    }
    for field, name in (
        ("description", "description"),
        ("classification", "classification"),
        ("classificationReason", "classification_reason"),
        ("classificationComment", "classification_comment"),
    ):
        if field in properties:
            kept[name] = properties[field]
    if properties["owner"]["objectId"]:
        kept["owner_object_id"] = properties["owner"]["objectId"]
    return kept


def test_the_shipped_manifest_talks_to_azure_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/microsoft_sentinel/" in p.file] == []
    manifest = registry.connectors["microsoft_sentinel"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://management.azure.com"
    assert connection["allowed_hosts"] == ["management.azure.com", "login.microsoftonline.com"]
    assert connection["auth"] == {
        "type": "oauth2_client_credentials",
        "token_url": f"{LOGIN}/{{{{ connection.tenant_id }}}}/oauth2/v2.0/token",
        "client_id": "{{ connection.client_id }}",
        "client_secret": "{{ connection.client_secret }}",
        "scope": "https://management.azure.com/.default",
    }
    fields = connection["fields"]["properties"]
    assert [name for name, field in fields.items() if field.get("writeOnly")] == ["client_secret"]
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "get_incident": ("read", True),
        "update_incident": ("write", True),
        "add_incident_comment": ("write", True),
        "list_watchlist_items": ("read", True),
        "add_watchlist_item": ("write", True),
    }
    for action in manifest["actions"]:
        assert action["request"]["query"] == {"api-version": API_VERSION}
    assert "ok  microsoft_sentinel 1.0.0: 5 actions" in checked_by_cli(
        "microsoft_sentinel", tmp_path
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tenant_id", "evil.example/x#"),
        ("tenant_id", "contoso"),
        ("subscription_id", "not-a-guid"),
        ("resource_group", "rg/../other"),
        ("resource_group", "ends-with-a-dot."),
        ("workspace_name", "ws"),
        ("workspace_name", "law_soc"),
    ],
)
def test_the_connection_fields_refuse_what_is_no_identifier(
    registry: ConnectorRegistry, field: str, value: str
) -> None:
    manifest = registry.connectors["microsoft_sentinel"].manifest
    validator = Draft202012Validator(manifest["connection"]["fields"])
    assert validator.is_valid(CONNECTION)
    assert validator.is_valid(CONNECTION | {"tenant_id": "contoso.onmicrosoft.com"})
    assert not validator.is_valid(CONNECTION | {field: value})


def test_get_incident(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    outcome = run(manifest, "get_incident", {"incident_id": CLOSED_ID})
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("GET", f"{INCIDENTS}/{CLOSED_ID}")
    assert sent["query"] == {"api-version": API_VERSION}
    assert sent["headers"]["authorization"].startswith("Bearer eyJ0eXAi")
    output = outcome.output
    assert output["id"].endswith(f"/Microsoft.SecurityInsights/incidents/{CLOSED_ID}")
    assert output["name"] == CLOSED_ID
    properties = output["properties"]
    assert (properties["incidentNumber"], properties["status"]) == (3177, "Closed")
    assert properties["owner"]["assignedTo"] == "Jane Analyst"
    assert properties["additionalData"]["tactics"][0] == "InitialAccess"
    conforms(manifest, "get_incident", output)


def test_an_unassigned_new_incident_matches_the_schema(manifest: dict[str, Any]) -> None:
    output = run(manifest, "get_incident", {"incident_id": NEW_ID}).output
    assert output["properties"]["owner"] == UNASSIGNED
    assert "classification" not in output["properties"]
    conforms(manifest, "get_incident", output)


def test_the_token_comes_from_the_tenant_and_is_reused(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    tokens = TokenCache()
    before = len(received)
    run(manifest, "get_incident", {"incident_id": NEW_ID}, tokens=tokens)
    run(manifest, "get_incident", {"incident_id": CLOSED_ID}, tokens=tokens)
    token_requests = [r for r in received[before:] if "form" in r]
    assert len(token_requests) == 1
    assert token_requests[0]["path"] == f"/{TENANT}/oauth2/v2.0/token"
    assert token_requests[0]["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": "https://management.azure.com/.default",
    }


def test_update_incident_assigns_and_labels(
    manifest: dict[str, Any], received: list[dict[str, Any]], store: dict[str, dict[str, Any]]
) -> None:
    current = run(manifest, "get_incident", {"incident_id": NEW_ID}).output
    inputs = keep(current) | {
        "status": "Active",
        "severity": "High",
        "owner_object_id": ANALYST["objectId"],
        "labels": ["phishing", 'needs "review"'],
    }
    outcome = run(manifest, "update_incident", inputs)
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("PUT", f"{INCIDENTS}/{NEW_ID}")
    assert sent["query"] == {"api-version": API_VERSION}
    assert sent["body"] == {
        "etag": current["etag"],
        "properties": {
            "title": current["properties"]["title"],
            "severity": "High",
            "status": "Active",
            "description": current["properties"]["description"],
            "classification": None,
            "classificationReason": None,
            "classificationComment": None,
            "owner": {"objectId": ANALYST["objectId"]},
            "labels": [{"labelName": "phishing"}, {"labelName": 'needs "review"'}],
        },
    }
    properties = outcome.output["properties"]
    assert (properties["status"], properties["severity"]) == ("Active", "High")
    assert properties["owner"]["email"] == ANALYST["email"]
    assert [label["labelType"] for label in properties["labels"]] == ["User", "User"]
    assert outcome.output["etag"] != current["etag"]
    assert store[NEW_ID]["properties"]["description"] == current["properties"]["description"]
    conforms(manifest, "update_incident", outcome.output)


def test_update_incident_closes_with_a_classification(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    current = run(manifest, "get_incident", {"incident_id": NEW_ID}).output
    inputs = keep(current) | {
        "status": "Closed",
        "classification": "FalsePositive",
        "classification_reason": "IncorrectAlertLogic",
        "classification_comment": "The URL is the company's own sign-in page.",
    }
    output = run(manifest, "update_incident", inputs).output
    assert received[-1]["body"]["properties"]["classificationReason"] == "IncorrectAlertLogic"
    properties = output["properties"]
    assert (properties["status"], properties["classification"]) == ("Closed", "FalsePositive")
    assert properties["labels"] == current["properties"]["labels"], "the labels were kept"
    conforms(manifest, "update_incident", output)


def test_labels_left_out_are_sent_as_null(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    inputs = keep(run(manifest, "get_incident", {"incident_id": CLOSED_ID}).output)
    del inputs["labels"], inputs["etag"]
    inputs |= {"status": "Active"}
    run(manifest, "update_incident", inputs)
    sent = received[-1]["body"]
    assert (sent["etag"], sent["properties"]["labels"]) == (None, None)
    run(manifest, "update_incident", inputs | {"labels": []})
    assert received[-1]["body"]["properties"]["labels"] == []


def test_an_unknown_incident_id_creates_an_incident(manifest: dict[str, Any]) -> None:
    """The API's PUT is create-or-update, so a wrong id makes a new incident rather than a 404."""
    inputs = {"incident_id": "1e4b7c2d-0000-4000-8000-00000000beef", "title": "Typo"}
    outcome = run(manifest, "update_incident", inputs | {"severity": "Low", "status": "New"})
    assert (outcome.status, outcome.output["properties"]["title"]) == (201, "Typo")
    conforms(manifest, "update_incident", outcome.output)


def test_closing_without_a_classification_is_refused(manifest: dict[str, Any]) -> None:
    inputs = {"incident_id": NEW_ID, "title": "x", "severity": "Low", "status": "Closed"}
    schema = manifest_action(manifest, "update_incident")["inputs"]
    assert not Draft202012Validator(schema).is_valid(inputs)
    assert Draft202012Validator(schema).is_valid(inputs | {"classification": "Undetermined"})
    # Past the form, Sentinel refuses it too.
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "update_incident", inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)
    assert '"code":"BadRequest"' in failure.value.details["body"]


def test_a_stale_etag_is_a_409_conflict(manifest: dict[str, Any]) -> None:
    current = run(manifest, "get_incident", {"incident_id": CLOSED_ID}).output
    inputs = keep(current) | {"etag": '"0300bf09-0000-0000-0000-5c37296e0000"'}
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "update_incident", inputs)
    assert failure.value.details["status"] == 409
    assert "New version of resource" in failure.value.details["body"]


def test_add_incident_comment_is_safe_to_retry(
    manifest: dict[str, Any], received: list[dict[str, Any]], store: dict[str, dict[str, Any]]
) -> None:
    inputs = {"incident_id": NEW_ID, "message": "VirusTotal: <b>12</b> engines flag the URL."}
    count = store[NEW_ID]["properties"]["additionalData"]["commentsCount"]
    first = run(manifest, "add_incident_comment", inputs)
    path = received[-1]["path"]
    assert received[-1]["body"] == {"properties": {"message": inputs["message"]}}
    comment_id = path.rsplit("/", 1)[1]
    assert path == f"{INCIDENTS}/{NEW_ID}/comments/{comment_id}"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", comment_id)
    assert (first.status, first.output["name"]) == (201, comment_id)
    assert first.output["properties"]["message"] == inputs["message"]
    again = run(manifest, "add_incident_comment", inputs)
    assert (again.status, received[-1]["path"]) == (200, path), "a retry rewrites the comment"
    assert store[NEW_ID]["properties"]["additionalData"]["commentsCount"] == count + 1
    conforms(manifest, "add_incident_comment", first.output)


def test_a_comment_id_can_be_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    comment_id = "4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014"
    inputs = {"incident_id": CLOSED_ID, "message": "Closed by playbook.", "comment_id": comment_id}
    assert run(manifest, "add_incident_comment", inputs).output["name"] == comment_id
    assert received[-1]["path"] == f"{INCIDENTS}/{CLOSED_ID}/comments/{comment_id}"
    other = run(manifest, "add_incident_comment", inputs | {"incident_id": NEW_ID}).output
    assert other["name"] == comment_id, "the id is the caller's, whatever the incident"


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("get_incident", {"incident_id": CLOSED_ID}),
        ("add_incident_comment", {"incident_id": CLOSED_ID, "message": "Fields check."}),
    ],
)
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    output = run(manifest, action_id, inputs).output
    assert missing_fields(manifest_action(manifest, action_id)["outputs"], output) == []
    conforms(manifest, action_id, output)


def test_every_declared_field_is_in_an_update(manifest: dict[str, Any]) -> None:
    current = run(manifest, "get_incident", {"incident_id": CLOSED_ID}).output
    inputs = keep(current) | {
        "status": "Closed",
        "classification": "TruePositive",
        "classification_reason": "SuspiciousActivity",
        "classification_comment": "Confirmed.",
    }
    output = run(manifest, "update_incident", inputs).output
    assert missing_fields(manifest_action(manifest, "update_incident")["outputs"], output) == []


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}
    outcome = call_action(
        manifest=manifest,
        action=test,
        inputs={},
        connection=CONNECTION,
        session=local_session(),
    )
    assert outcome.status == 200
    assert len(outcome.output["value"]) == 1
    assert (received[-1]["path"], received[-1]["query"]) == (
        INCIDENTS,
        {"api-version": API_VERSION, "$top": "1"},
    )


def test_an_unknown_incident_is_arms_404(manifest: dict[str, Any]) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_incident", {"incident_id": "00000000-0000-0000-0000-000000000000"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    assert '"code":"NotFound"' in failure.value.details["body"]
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "add_incident_comment", {"incident_id": "gone", "message": "x"})
    assert failure.value.details["status"] == 404


def test_a_wrong_workspace_is_a_404(manifest: dict[str, Any]) -> None:
    elsewhere = CONNECTION | {"workspace_name": "law-other"}
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_incident", {"incident_id": NEW_ID}, connection=elsewhere)
    assert failure.value.details["status"] == 404
    assert "ResourceNotFound" in failure.value.details["body"]


def test_a_wrong_secret_fails_at_the_token_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-secret-that-must-not-leak~0000"
    with pytest.raises(ActionFailed) as failure:
        run(
            manifest,
            "get_incident",
            {"incident_id": NEW_ID},
            connection=CONNECTION | {"client_secret": wrong},
        )
    assert failure.value.code == "auth_failed"
    assert "401" in failure.value.message
    for secret in (wrong, SECRET):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


def test_a_token_from_another_tenant_is_a_401(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    """The tenant's token endpoint signs the app in, but ARM refuses its token for a
    subscription of another tenant, also after the executor fetched a fresh one."""
    elsewhere = CONNECTION | {"tenant_id": OTHER_TENANT}
    for action_id, inputs in (
        ("get_incident", {"incident_id": NEW_ID}),
        ("add_incident_comment", {"incident_id": NEW_ID, "message": "x"}),
    ):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, inputs, connection=elsewhere)
        assert (failure.value.code, failure.value.details["status"]) == ("http_error", 401)
        assert "InvalidAuthenticationTokenTenant" in failure.value.details["body"]
        assert received[-1]["headers"]["authorization"].startswith("Bearer ")
        for secret in (SECRET, received[-1]["headers"]["authorization"][7:]):
            assert secret not in failure.value.message
            assert secret not in str(failure.value.details)


def test_an_app_with_the_reader_role_cannot_write(manifest: dict[str, Any]) -> None:
    reader = CONNECTION | {"client_id": READER_ID, "client_secret": READER_SECRET}
    current = run(manifest, "get_incident", {"incident_id": NEW_ID}, connection=reader).output
    for action_id, inputs in (
        ("update_incident", keep(current) | {"status": "Active"}),
        ("add_incident_comment", {"incident_id": NEW_ID, "message": "x"}),
        ("add_watchlist_item", {"watchlist_alias": VIP_ALIAS, "item": {"id": "x"}}),
    ):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, inputs, connection=reader)
        assert failure.value.details["status"] == 403
        assert "AuthorizationFailed" in failure.value.details["body"]


def test_throttling_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(manifest, "get_incident", {"incident_id": THROTTLED_ID}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0], "Retry-After: 0 wins over the 7.5 s default"
    assert outcome.output["name"] == THROTTLED_ID


def watchlist_calls(received: list[dict[str, Any]], before: int) -> list[dict[str, Any]]:
    return [r for r in received[before:] if r.get("path", "").startswith(WATCHLISTS)]


def test_list_watchlist_items_reads_every_page(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    before = len(received)
    outcome = run(manifest, "list_watchlist_items", {"watchlist_alias": VIP_ALIAS})
    sent = watchlist_calls(received, before)
    assert [(r["method"], r["path"]) for r in sent] == [
        ("GET", f"{WATCHLISTS}/{VIP_ALIAS}/watchlistItems")
    ] * 3
    assert [r["query"] for r in sent] == [
        {"api-version": API_VERSION},
        {"api-version": API_VERSION, "$skipToken": "100"},
        {"api-version": API_VERSION, "$skipToken": "200"},
    ], "the next pages are ARM's nextLink as given"
    assert all(r["headers"]["authorization"].startswith("Bearer ") for r in sent)
    items = outcome.output["value"]
    assert len(items) == VIP_COUNT
    assert len({item["name"] for item in items}) == VIP_COUNT, "no page is read twice"
    assert items[-1]["properties"]["itemsKeyValue"]["userPrincipalName"] == "vip229@contoso.com"
    assert "nextLink" not in outcome.output
    conforms(manifest, "list_watchlist_items", outcome.output)
    assert missing_fields(manifest_action(manifest, "list_watchlist_items")["outputs"], items) == []


def test_an_empty_watchlist_has_no_items(manifest: dict[str, Any]) -> None:
    outcome = run(manifest, "list_watchlist_items", {"watchlist_alias": "empty-list"})
    assert (outcome.output, outcome.attempts) == ({"value": []}, 1)


def test_the_reader_role_may_list_a_watchlist(manifest: dict[str, Any]) -> None:
    reader = CONNECTION | {"client_id": READER_ID, "client_secret": READER_SECRET}
    inputs = {"watchlist_alias": VIP_ALIAS}
    output = run(manifest, "list_watchlist_items", inputs, connection=reader).output
    assert len(output["value"]) == VIP_COUNT


def test_add_watchlist_item_is_safe_to_retry(
    manifest: dict[str, Any],
    received: list[dict[str, Any]],
    watchlists: dict[str, dict[str, dict[str, Any]]],
) -> None:
    values = {
        "id": "6e7b768e-07e2-4810-8459-485f84f8f204",
        "userPrincipalName": "alice@contoso.com",
    }
    inputs = {"watchlist_alias": VIP_ALIAS, "item": values}
    first = run(manifest, "add_watchlist_item", inputs)
    sent = received[-1]
    item_id = sent["path"].rsplit("/", 1)[1]
    assert (sent["method"], sent["path"]) == (
        "PUT",
        f"{WATCHLISTS}/{VIP_ALIAS}/watchlistItems/{item_id}",
    )
    assert sent["query"] == {"api-version": API_VERSION}
    assert sent["body"] == {"properties": {"itemsKeyValue": values}}
    assert GUID.fullmatch(item_id)
    assert (first.status, first.output["name"]) == (201, item_id)
    assert first.output["properties"]["itemsKeyValue"] == values
    conforms(manifest, "add_watchlist_item", first.output)
    assert (
        missing_fields(manifest_action(manifest, "add_watchlist_item")["outputs"], first.output)
        == []
    )
    again = run(manifest, "add_watchlist_item", inputs | {"item": dict(reversed(values.items()))})
    assert (again.status, received[-1]["path"]) == (200, sent["path"]), (
        "a retry, or the same values in another order, rewrites the item"
    )
    assert len(watchlists[VIP_ALIAS]) == VIP_COUNT + 1
    other = run(manifest, "add_watchlist_item", inputs | {"item": values | {"id": "other"}})
    assert (other.status, other.output["name"] != item_id) == (201, True), "other values"
    elsewhere = run(manifest, "add_watchlist_item", inputs | {"watchlist_alias": "empty-list"})
    assert elsewhere.output["name"] != item_id, "the id depends on the watchlist too"


def test_a_watchlist_item_id_can_be_given_to_replace_an_item(
    manifest: dict[str, Any], watchlists: dict[str, dict[str, dict[str, Any]]]
) -> None:
    item_id = next(iter(watchlists[VIP_ALIAS]))
    inputs = {
        "watchlist_alias": VIP_ALIAS,
        "item": {"id": "x", "userPrincipalName": "new@contoso.com"},
    }
    outcome = run(manifest, "add_watchlist_item", inputs | {"item_id": item_id})
    assert (outcome.status, outcome.output["name"]) == (200, item_id)
    stored = watchlists[VIP_ALIAS][item_id]["properties"]["itemsKeyValue"]
    assert stored["userPrincipalName"] == "new@contoso.com"


def test_an_unknown_watchlist_is_a_404(manifest: dict[str, Any]) -> None:
    for action_id, inputs in (
        ("list_watchlist_items", {"watchlist_alias": "no-such-list"}),
        ("add_watchlist_item", {"watchlist_alias": "no-such-list", "item": {"id": "x"}}),
    ):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, inputs)
        assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
        assert "Watchlist 'no-such-list' was not found" in failure.value.details["body"]


def test_watchlist_inputs_are_checked_before_the_call(manifest: dict[str, Any]) -> None:
    schema = manifest_action(manifest, "add_watchlist_item")["inputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    good = {"watchlist_alias": VIP_ALIAS, "item": {"UPN": "a@contoso.com", "Risk": 3}}
    assert validator.is_valid(good)
    for bad in (
        good | {"item": {}},
        good | {"item": {"nested": {"a": 1}}},
        good | {"watchlist_alias": "a/b"},
        good | {"item_id": "not-a-guid"},
    ):
        assert not validator.is_valid(bad), bad


def close_from_the_trigger(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "Close a Sentinel incident",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {
                "id": "get",
                "kind": "action",
                "action": "microsoft_sentinel.get_incident",
                "inputs": {"incident_id": "{{ trigger.incident_id }}"},
            },
            {
                "id": "close",
                "kind": "action",
                "action": "microsoft_sentinel.update_incident",
                "inputs": {
                    "incident_id": "{{ steps.get.output.name }}",
                    "etag": "{{ steps.get.output.etag }}",
                    "title": "{{ steps.get.output.properties.title }}",
                    "severity": "{{ steps.get.output.properties.severity }}",
                    "status": "Closed",
                }
                | inputs,
            },
        ],
        "edges": [
            {"source": "start", "target": "get"},
            {"source": "get", "target": "close"},
        ],
    }


def test_the_validator_knows_the_fields_and_the_closing_rule(registry: ConnectorRegistry) -> None:
    closing = {"classification": "BenignPositive", "classification_reason": "SuspiciousButExpected"}
    assert validate(close_from_the_trigger(closing), catalog=registry) == []
    problems = validate(close_from_the_trigger({}), catalog=registry)
    assert [p.code for p in problems] == ["invalid_inputs"]
    typo = close_from_the_trigger(closing | {"title": "{{ steps.get.output.properties.titel }}"})
    assert [p.code for p in validate(typo, catalog=registry)] == ["unknown_field"]


def vips_to_compose(reads: str) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "Read a watchlist",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {
                "id": "vips",
                "kind": "action",
                "action": "microsoft_sentinel.list_watchlist_items",
                "inputs": {"watchlist_alias": VIP_ALIAS},
            },
            {"id": "each", "kind": "foreach", "items": "{{ steps.vips.output.value }}"},
            {
                "id": "add",
                "kind": "action",
                "parent": "each",
                "branch": "body",
                "action": "microsoft_sentinel.add_watchlist_item",
                "inputs": {"watchlist_alias": "copy", "item": {"upn": reads}},
            },
        ],
        "edges": [
            {"source": "start", "target": "vips"},
            {"source": "vips", "target": "each"},
            {"source": "each", "target": "add", "branch": "body"},
        ],
    }


def test_the_validator_knows_a_watchlist_items_fields(registry: ConnectorRegistry) -> None:
    values = "{{ item.properties.itemsKeyValue['userPrincipalName'] }}"
    assert validate(vips_to_compose(values), catalog=registry) == []
    typo = vips_to_compose("{{ item.properties.itemsKeyValues.userPrincipalName }}")
    assert [p.code for p in validate(typo, catalog=registry)] == ["unknown_field"]
