"""The Microsoft Entra ID (Graph) connector against a local fake of the Microsoft identity
platform's token endpoint and Graph v1.0: every action through the executor with the shipped
manifest, the client-credentials token fetched once and reused, outputs that match their
declared schema field for field, and Graph's errors."""

from __future__ import annotations

import copy
import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
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

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "3f1c2a9e-5b7d-4c8e-9a6f-0d2e4b6c8a1f"
SECRET = "Qx8~graph-test-secret.Zp4uW2yVt6rS0nM1kL3jH5gF7dA9"
CONNECTION = {"tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": SECRET}
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
METADATA = "https://graph.microsoft.com/v1.0/$metadata"

ALICE_ID = "6e7b768e-07e2-4810-8459-485f84f8f204"
GUEST_ID = "0a4c1d7e-93b2-4f55-8c61-2e9f7b3d5a08"
# The fake answers requests about this user with 429 every other time, as Graph throttles.
THROTTLED_ID = "c5d2e8f1-6a3b-4d7c-9e0f-1b2a3c4d5e6f"
NOBODY_ID = "ffffffff-0000-4000-8000-000000000000"
USERS: list[dict[str, Any]] = [
    {
        "id": ALICE_ID,
        "displayName": "Alice Johnson",
        "givenName": "Alice",
        "surname": "Johnson",
        "userPrincipalName": "alice.johnson@contoso.com",
        "mail": "alice.johnson@contoso.com",
        "accountEnabled": True,
        "userType": "Member",
        "jobTitle": "Payroll Specialist",
        "department": "Finance",
        "companyName": "Contoso Ltd",
        "officeLocation": "18/2111",
        "usageLocation": "US",
        "mobilePhone": "+1 425 555 0109",
        "businessPhones": ["+1 425 555 0100"],
        "employeeId": "100245",
        "createdDateTime": "2021-04-12T08:30:11Z",
        "lastPasswordChangeDateTime": "2024-02-29T16:05:42Z",
        "onPremisesSyncEnabled": True,
        "onPremisesSamAccountName": "ajohnson",
        "preferredLanguage": "en-US",
    },
    {
        "id": GUEST_ID,
        "displayName": "Bob Vance (Fabrikam)",
        "givenName": None,
        "surname": None,
        "userPrincipalName": "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        "mail": "bob@fabrikam.com",
        "accountEnabled": True,
        "userType": "Guest",
        "jobTitle": None,
        "department": None,
        "companyName": None,
        "officeLocation": None,
        "usageLocation": None,
        "mobilePhone": None,
        "businessPhones": [],
        "employeeId": None,
        "createdDateTime": "2023-11-02T10:14:55Z",
        "lastPasswordChangeDateTime": None,
        "onPremisesSyncEnabled": None,
        "onPremisesSamAccountName": None,
        "preferredLanguage": None,
    },
    {
        "id": THROTTLED_ID,
        "displayName": "Carol Service",
        "givenName": "Carol",
        "surname": "Service",
        "userPrincipalName": "carol.service@contoso.com",
        "mail": None,
        "accountEnabled": True,
        "userType": "Member",
        "jobTitle": None,
        "department": "IT",
        "companyName": None,
        "officeLocation": None,
        "usageLocation": "GB",
        "mobilePhone": None,
        "businessPhones": [],
        "employeeId": None,
        "createdDateTime": None,
        "lastPasswordChangeDateTime": "2022-06-01T00:00:00Z",
        "onPremisesSyncEnabled": False,
        "onPremisesSamAccountName": None,
        "preferredLanguage": None,
    },
]
# What Graph returns for a user when the request names no $select.
DEFAULT_USER_FIELDS = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
]
ALICE_RISK = {
    "id": ALICE_ID,
    "isDeleted": False,
    "isProcessing": False,
    "riskLastUpdatedDateTime": "2024-03-25T14:07:33.6144859Z",
    "riskLevel": "medium",
    "riskState": "atRisk",
    "riskDetail": "none",
    "userDisplayName": "Alice Johnson",
    "userPrincipalName": "alice.johnson@contoso.com",
}


SOC_GROUP_ID = "b320ee12-b1cd-4cca-b648-a437be61c5cd"
BIG_GROUP_ID = "4e9f1c7a-2b3d-4a5e-8f60-718293a4b5c6"
BIG_GROUP_SIZE = 1_200
# Graph answers at most 999 members a page.
MOST_MEMBERS = 999
NESTED_GROUP = {
    "@odata.type": "#microsoft.graph.group",
    "id": "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5",
    "displayName": "SOC Tier 2",
    "mail": "soc-tier2@contoso.com",
    "mailEnabled": True,
    "securityEnabled": True,
    "groupTypes": [],
}
DEVICE = {
    "@odata.type": "#microsoft.graph.device",
    "id": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "displayName": "FIN-WS-042",
    "accountEnabled": True,
    "operatingSystem": "Windows",
}


def member(user: dict[str, Any]) -> dict[str, Any]:
    """A user as a group's member list gives it: its kind and the default fields."""
    return {"@odata.type": "#microsoft.graph.user"} | {
        name: user.get(name) for name in DEFAULT_USER_FIELDS
    }


def big_group() -> list[dict[str, Any]]:
    return [
        member(
            {
                "id": str(uuid.UUID(int=number + 1)),
                "displayName": f"Contractor {number}",
                "userPrincipalName": f"contractor{number}@contoso.com",
                "businessPhones": [],
            }
        )
        for number in range(BIG_GROUP_SIZE)
    ]


def graph_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """Graph's error shape."""
    inner = {"date": "2024-03-25T14:10:02", "request-id": str(uuid.uuid4())}
    return jsonify(error={"code": code, "message": message, "innerError": inner}), status


def aad_error(status: int, error: str, code: int, description: str) -> tuple[Response, int]:
    """The Microsoft identity platform's token endpoint error shape."""
    trace = str(uuid.uuid4())
    return jsonify(
        error=error,
        error_description=f"AADSTS{code}: {description}\r\nTrace ID: {trace}",
        error_codes=[code],
        timestamp="2024-03-25 14:10:02Z",
        trace_id=trace,
    ), status


@dataclass
class Graph:
    """The fake's state; reset before every test."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    risky: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    issued: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.users = {user["id"]: user for user in copy.deepcopy(USERS)}
        self.risky = {ALICE_ID: dict(ALICE_RISK)}
        self.groups = {
            SOC_GROUP_ID: [member(USERS[0]), member(USERS[1]), NESTED_GROUP, DEVICE],
            BIG_GROUP_ID: big_group(),
        }
        self.received.clear()
        self.tokens.clear()
        self.issued = 0
        self.calls.clear()

    def user(self, key: str) -> dict[str, Any] | None:
        for user in self.users.values():
            if key in (user["id"], user["userPrincipalName"].lower()):
                return user
        return None


def fake_graph(graph: Graph) -> Flask:
    app = Flask("fake-graph")

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        graph.received.append(
            {
                "method": request.method,
                "path": request.path,
                "raw": request.environ.get("RAW_URI", ""),
                "query": request.args.to_dict(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "json": request.get_json(silent=True),
                "form": request.form.to_dict(),
            }
        )
        if request.path.endswith("/oauth2/v2.0/token"):
            return None
        header = request.headers.get("Authorization", "")
        if not header:
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if header.removeprefix("Bearer ") not in graph.tokens:
            return graph_error(
                401, "InvalidAuthenticationToken", "Access token validation failure."
            )
        return None

    @app.after_request
    def request_id(response: Response) -> Response:
        response.headers["request-id"] = str(uuid.uuid4())
        response.headers["client-request-id"] = response.headers["request-id"]
        return response

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str) -> Any:
        form = request.form
        if tenant not in (TENANT, "contoso.onmicrosoft.com"):
            return aad_error(
                400,
                "invalid_request",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
                "ID and are signing into the correct cloud.",
            )
        if form.get("grant_type") != "client_credentials":
            return aad_error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        if form.get("client_id") != CLIENT_ID:
            return aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the "
                "directory 'Contoso'.",
            )
        if form.get("client_secret") != SECRET:
            return aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                f"app '{CLIENT_ID}'.",
            )
        if form.get("scope") != GRAPH_SCOPE:
            return aad_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} is not valid.",
            )
        graph.issued += 1
        access = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.graph-{graph.issued}.c2lnbmF0dXJl"
        graph.tokens.add(access)
        return jsonify(
            token_type="Bearer", expires_in=3599, ext_expires_in=3599, access_token=access
        )

    def throttled(user: dict[str, Any]) -> tuple[Response, int] | None:
        if user["id"] != THROTTLED_ID:
            return None
        graph.calls[request.path] += 1
        if graph.calls[request.path] % 2 == 0:
            return None
        response, status = graph_error(
            429, "TooManyRequests", "Too many requests, please retry after some time."
        )
        response.headers["Retry-After"] = "0"
        return response, status

    def find(key: str) -> dict[str, Any]:
        user = graph.user(key.lower())
        if user is None:
            raise LookupError(key)
        return user

    @app.errorhandler(LookupError)
    def not_found(error: LookupError) -> tuple[Response, int]:
        return graph_error(
            404,
            "Request_ResourceNotFound",
            f"Resource '{error.args[0]}' does not exist or one of its queried "
            "reference-property objects are not present.",
        )

    @app.get("/v1.0/users")
    def list_users() -> Any:
        top = int(request.args.get("$top", "100"))
        selected = request.args.get("$select", ",".join(DEFAULT_USER_FIELDS)).split(",")
        users = [{k: u[k] for k in selected} for u in list(graph.users.values())[:top]]
        return jsonify(
            {
                "@odata.context": f"{METADATA}#users({request.args.get('$select', '')})",
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$top=1&$skiptoken=X",
                "value": users,
            }
        )

    @app.get("/v1.0/users/<key>")
    def get_user(key: str) -> Any:
        user = find(key)
        if (refused := throttled(user)) is not None:
            return refused
        selected = request.args.get("$select")
        names = selected.split(",") if selected else DEFAULT_USER_FIELDS
        for name in names:
            if name not in user:
                return graph_error(
                    400,
                    "BadRequest",
                    f"Could not find a property named '{name}' on type 'microsoft.graph.user'.",
                )
        context = (
            f"{METADATA}#users({selected})/$entity" if selected else f"{METADATA}#users/$entity"
        )
        return jsonify({"@odata.context": context} | {name: user[name] for name in names})

    @app.get("/v1.0/groups/<group_id>/members")
    def list_members(group_id: str) -> Any:
        if group_id not in graph.groups:
            raise LookupError(group_id)
        top = int(request.args.get("$top", "100"))
        if not 1 <= top <= MOST_MEMBERS:
            return graph_error(
                400,
                "Request_BadRequest",
                f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.",
            )
        members = graph.groups[group_id]
        start = int(request.args.get("$skiptoken", "0"))
        answer = {
            "@odata.context": f"{METADATA}#directoryObjects",
            "value": members[start : start + top],
        }
        if start + top < len(members):
            answer["@odata.nextLink"] = (
                f"{request.host_url}v1.0/groups/{group_id}/members?$top={top}"
                f"&$skiptoken={start + top}"
            )
        return jsonify(answer)

    @app.patch("/v1.0/users/<key>")
    def update_user(key: str) -> Any:
        user = find(key)
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict) or not changes:
            return graph_error(400, "BadRequest", "Empty Payload. JSON content expected.")
        for name in changes:
            if name not in user or name == "id":
                return graph_error(400, "Request_BadRequest", f"Invalid property '{name}'.")
        user.update(changes)
        return "", 204

    @app.post("/v1.0/users/<key>/revokeSignInSessions")
    def revoke(key: str) -> Any:
        find(key)
        return jsonify({"@odata.context": f"{METADATA}#Edm.Boolean", "value": True})

    @app.get("/v1.0/identityProtection/riskyUsers/<user_id>")
    def risky_user(user_id: str) -> Any:
        risk = graph.risky.get(user_id)
        if risk is None:
            return graph_error(404, "ResourceNotFound", f"Risky user '{user_id}' not found.")
        return jsonify(
            {"@odata.context": f"{METADATA}#identityProtection/riskyUsers/$entity"} | risk
        )

    def change_risk(level: str, state: str, detail: str) -> Any:
        body = request.get_json(silent=True) or {}
        ids = body.get("userIds")
        if not isinstance(ids, list) or not ids:
            return graph_error(400, "BadRequest", "userIds is required.")
        for user_id in ids:
            try:
                uuid.UUID(str(user_id))
            except ValueError:
                return graph_error(400, "BadRequest", f"Invalid user id '{user_id}'.")
        for user_id in ids:
            user = graph.users.get(user_id, {})
            first = {
                "id": user_id,
                "isDeleted": False,
                "isProcessing": False,
                "userDisplayName": user.get("displayName"),
                "userPrincipalName": user.get("userPrincipalName"),
            }
            graph.risky[user_id] = graph.risky.get(user_id, first) | {
                "riskLevel": level,
                "riskState": state,
                "riskDetail": detail,
                "riskLastUpdatedDateTime": "2024-03-25T14:12:40.1183922Z",
            }
        return "", 204

    @app.post("/v1.0/identityProtection/riskyUsers/confirmCompromised")
    def confirm() -> Any:
        return change_risk("high", "confirmedCompromised", "adminConfirmedUserCompromised")

    @app.post("/v1.0/identityProtection/riskyUsers/dismiss")
    def dismiss() -> Any:
        return change_risk("none", "dismissed", "adminDismissedAllRiskForUser")

    return app


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph()


@pytest.fixture(scope="module")
def fake_url(graph: Graph) -> Iterator[str]:
    with serving(fake_graph(graph)) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh(graph: Graph) -> None:
    graph.reset()


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    """The shipped manifest with Graph and the token endpoint both on the fake."""
    manifest = shipped_manifest("microsoft_graph", fake_url)
    manifest["connection"]["auth"]["token_url"] = (
        fake_url + "/{{ connection.tenant_id }}/oauth2/v2.0/token"
    )
    return manifest


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    connection: dict[str, str] = CONNECTION,
    tokens: TokenCache | None = None,
    sleep: Any = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        connection,
        retry=FAST,
        tokens=tokens,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


def graph_calls(graph: Graph) -> list[dict[str, Any]]:
    return [sent for sent in graph.received if sent["path"].startswith("/v1.0/")]


def test_the_shipped_manifest_sends_the_secret_to_microsoft_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/microsoft_graph/" in p.file] == []
    manifest = registry.connectors["microsoft_graph"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://graph.microsoft.com/v1.0"
    assert connection["allowed_hosts"] == ["graph.microsoft.com", "login.microsoftonline.com"]
    assert connection["auth"] == {
        "type": "oauth2_client_credentials",
        "token_url": (
            "https://login.microsoftonline.com/{{ connection.tenant_id }}/oauth2/v2.0/token"
        ),
        "client_id": "{{ connection.client_id }}",
        "client_secret": "{{ connection.client_secret }}",
        "scope": GRAPH_SCOPE,
    }
    fields = connection["fields"]["properties"]
    assert [name for name, spec in fields.items() if spec.get("writeOnly")] == ["client_secret"]
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "get_user": ("read", True),
        "disable_user": ("destructive", True),
        "revoke_sign_in_sessions": ("write", True),
        "get_risky_user": ("read", True),
        "confirm_user_compromised": ("destructive", True),
        "dismiss_risky_user": ("write", True),
        "list_group_members": ("read", True),
    }
    # Checked alone, so that another connector's problem cannot hide or fake this one's.
    assert "ok  microsoft_graph 1.0.0: 7 actions" in checked_by_cli("microsoft_graph", tmp_path)


@pytest.mark.parametrize(
    ("tenant", "accepted"),
    [
        (TENANT, True),
        ("contoso.onmicrosoft.com", True),
        ("evil.example/x?", False),
        ("a@evil.example", False),
        ("contoso", False),
    ],
)
def test_only_a_guid_or_a_domain_can_go_into_the_token_url(
    registry: ConnectorRegistry, tenant: str, accepted: bool
) -> None:
    manifest = registry.connectors["microsoft_graph"].manifest
    validator = Draft202012Validator(manifest["connection"]["fields"])
    assert validator.is_valid(CONNECTION | {"tenant_id": tenant}) is accepted


def test_get_user_by_principal_name(manifest: dict[str, Any], graph: Graph) -> None:
    outcome = run(manifest, "get_user", {"user": "alice.johnson@contoso.com"})
    sent = graph_calls(graph)[-1]
    assert (sent["method"], sent["path"]) == ("GET", "/v1.0/users/alice.johnson@contoso.com")
    assert sent["raw"].startswith("/v1.0/users/alice.johnson%40contoso.com?")
    assert sent["headers"]["authorization"].startswith("Bearer eyJ")
    selected = sent["query"]["$select"].split(",")
    assert set(selected) == set(manifest_action(manifest, "get_user")["outputs"]["properties"])
    user = outcome.output
    assert (user["id"], user["displayName"], user["accountEnabled"]) == (
        ALICE_ID,
        "Alice Johnson",
        True,
    )
    assert (user["onPremisesSyncEnabled"], user["onPremisesSamAccountName"]) == (True, "ajohnson")
    assert "preferredLanguage" not in user, "only the selected fields come back"
    conforms(manifest, "get_user", user)


def test_a_guest_principal_name_is_encoded_whole(manifest: dict[str, Any], graph: Graph) -> None:
    guest = "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    outcome = run(manifest, "get_user", {"user": guest})
    raw = graph_calls(graph)[-1]["raw"]
    assert raw.startswith("/v1.0/users/bob_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com?")
    assert (outcome.output["id"], outcome.output["userType"]) == (GUEST_ID, "Guest")
    assert outcome.output["businessPhones"] == []
    conforms(manifest, "get_user", outcome.output)


def test_the_token_is_fetched_once_and_reused(manifest: dict[str, Any], graph: Graph) -> None:
    tokens = TokenCache()
    run(manifest, "get_user", {"user": ALICE_ID}, tokens=tokens)
    run(manifest, "revoke_sign_in_sessions", {"user": ALICE_ID}, tokens=tokens)
    run(manifest, "get_risky_user", {"user_id": ALICE_ID}, tokens=tokens)
    run(manifest, "dismiss_risky_user", {"user_ids": [ALICE_ID]}, tokens=tokens)
    token_calls = [s for s in graph.received if s["path"].endswith("/oauth2/v2.0/token")]
    assert len(token_calls) == 1
    [fetch] = token_calls
    assert fetch["path"] == f"/{TENANT}/oauth2/v2.0/token"
    assert fetch["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": GRAPH_SCOPE,
    }
    assert SECRET not in fetch["raw"], "the secret goes in the form, never in the URL"
    authorizations = {sent["headers"]["authorization"] for sent in graph_calls(graph)}
    assert authorizations == {f"Bearer {next(iter(graph.tokens))}"}
    assert all(SECRET not in str(sent) for sent in graph_calls(graph))


def test_disable_user(manifest: dict[str, Any], graph: Graph) -> None:
    outcome = run(manifest, "disable_user", {"user": "alice.johnson@contoso.com"})
    sent = graph_calls(graph)[-1]
    assert (sent["method"], sent["path"]) == ("PATCH", "/v1.0/users/alice.johnson@contoso.com")
    assert sent["json"] == {"accountEnabled": False}
    assert "idempotency-key" not in sent["headers"]
    assert outcome.status == 204
    assert outcome.output["account_enabled"] is False
    uuid.UUID(outcome.output["request_id"])
    conforms(manifest, "disable_user", outcome.output)
    assert run(manifest, "get_user", {"user": ALICE_ID}).output["accountEnabled"] is False


def test_revoke_sign_in_sessions(manifest: dict[str, Any], graph: Graph) -> None:
    outcome = run(manifest, "revoke_sign_in_sessions", {"user": ALICE_ID})
    sent = graph_calls(graph)[-1]
    assert (sent["method"], sent["path"]) == (
        "POST",
        f"/v1.0/users/{ALICE_ID}/revokeSignInSessions",
    )
    assert outcome.output["revoked"] is True
    conforms(manifest, "revoke_sign_in_sessions", outcome.output)


def test_confirm_then_dismiss_a_risky_user(manifest: dict[str, Any], graph: Graph) -> None:
    before = run(manifest, "get_risky_user", {"user_id": ALICE_ID}).output
    assert (before["riskLevel"], before["riskState"]) == ("medium", "atRisk")

    confirmed = run(manifest, "confirm_user_compromised", {"user_ids": [ALICE_ID, GUEST_ID]})
    sent = graph_calls(graph)[-1]
    assert sent["path"] == "/v1.0/identityProtection/riskyUsers/confirmCompromised"
    assert sent["json"] == {"userIds": [ALICE_ID, GUEST_ID]}
    assert (confirmed.status, confirmed.output["risk_state"]) == (204, "confirmedCompromised")
    risk = run(manifest, "get_risky_user", {"user_id": GUEST_ID}).output
    assert (risk["riskLevel"], risk["riskState"], risk["riskDetail"]) == (
        "high",
        "confirmedCompromised",
        "adminConfirmedUserCompromised",
    )

    dismissed = run(manifest, "dismiss_risky_user", {"user_ids": [ALICE_ID]})
    assert graph_calls(graph)[-1]["json"] == {"userIds": [ALICE_ID]}
    assert dismissed.output["risk_state"] == "dismissed"
    after = run(manifest, "get_risky_user", {"user_id": ALICE_ID}).output
    assert (after["riskLevel"], after["riskState"]) == ("none", "dismissed")
    assert after["riskDetail"] == "adminDismissedAllRiskForUser"


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("get_user", {"user": ALICE_ID}),
        ("get_user", {"user": GUEST_ID}),
        ("disable_user", {"user": ALICE_ID}),
        ("revoke_sign_in_sessions", {"user": GUEST_ID}),
        ("get_risky_user", {"user_id": ALICE_ID}),
        ("confirm_user_compromised", {"user_ids": [ALICE_ID]}),
        ("dismiss_risky_user", {"user_ids": [ALICE_ID]}),
    ],
)
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    output = run(manifest, action_id, inputs).output
    assert missing_fields(manifest_action(manifest, action_id)["outputs"], output) == []
    conforms(manifest, action_id, output)


def test_the_connection_test_call(manifest: dict[str, Any], graph: Graph) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}

    def call(connection: dict[str, str]) -> Outcome:
        return call_action(
            manifest=manifest,
            action=test,
            inputs={},
            connection=connection,
            session=local_session(),
            retry=RetryPolicy(policy="none"),
        )

    assert call(CONNECTION).output["value"] == [{"id": ALICE_ID}]
    assert graph_calls(graph)[-1]["query"] == {"$top": "1", "$select": "id"}
    with pytest.raises(ActionFailed) as failure:
        call(CONNECTION | {"client_secret": "not-the-secret"})
    assert failure.value.code == "auth_failed"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"client_secret": "wrong-secret-that-must-not-leak~0000"}, 401),
        ({"client_id": "00000000-1111-4222-8333-444444444444"}, 400),
        ({"tenant_id": "fabrikam.onmicrosoft.com"}, 400),
    ],
)
def test_wrong_credentials_fail_at_the_token_endpoint_and_stay_secret(
    manifest: dict[str, Any], graph: Graph, change: dict[str, str], status: int
) -> None:
    connection = CONNECTION | change
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_user", {"user": ALICE_ID}, connection=connection)
    # The executor reports a refusal of the token endpoint as auth_failed with its status.
    assert failure.value.code == "auth_failed"
    assert failure.value.message.endswith(f"refused: {status}")
    for secret in (connection["client_secret"], SECRET):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)
    assert graph_calls(graph) == [], "nothing reaches Graph without a token"


def test_a_token_graph_refuses_is_replaced_once(manifest: dict[str, Any], graph: Graph) -> None:
    revoked = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.revoked.c2ln"
    tokens = TokenCache()
    run(manifest, "get_user", {"user": ALICE_ID}, tokens=tokens)
    [key] = tokens.tokens
    tokens.tokens[key] = (revoked, tokens.tokens[key][1])
    outcome = run(manifest, "disable_user", {"user": ALICE_ID}, tokens=tokens)
    assert outcome.attempts == 2
    assert graph.users[ALICE_ID]["accountEnabled"] is False
    assert revoked not in {token for token, _ in tokens.tokens.values()}


@pytest.mark.parametrize(
    ("action_id", "inputs", "code"),
    [
        ("get_user", {"user": "nobody@contoso.com"}, "Request_ResourceNotFound"),
        ("disable_user", {"user": NOBODY_ID}, "Request_ResourceNotFound"),
        ("revoke_sign_in_sessions", {"user": "nobody@contoso.com"}, "Request_ResourceNotFound"),
        ("get_risky_user", {"user_id": GUEST_ID}, "ResourceNotFound"),
    ],
)
def test_an_unknown_user_is_a_404(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    assert f'"code":"{code}"' in failure.value.details["body"]


def test_a_malformed_user_id_is_a_400(manifest: dict[str, Any]) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "dismiss_risky_user", {"user_ids": ["alice.johnson@contoso.com"]})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)


def test_throttling_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(manifest, "get_user", {"user": THROTTLED_ID}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0], "Retry-After: 0 wins over the policy's interval"
    assert outcome.output["displayName"] == "Carol Service"


def test_list_group_members_gives_every_kind(manifest: dict[str, Any], graph: Graph) -> None:
    outcome = run(manifest, "list_group_members", {"group_id": SOC_GROUP_ID})
    [sent] = graph_calls(graph)
    assert (sent["method"], sent["path"]) == ("GET", f"/v1.0/groups/{SOC_GROUP_ID}/members")
    assert sent["query"] == {"$top": "999"}
    members = outcome.output["value"]
    assert [m["@odata.type"] for m in members] == [
        "#microsoft.graph.user",
        "#microsoft.graph.user",
        "#microsoft.graph.group",
        "#microsoft.graph.device",
    ]
    assert members[1]["userPrincipalName"] == "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    assert "userPrincipalName" not in members[2], "only users have one"
    conforms(manifest, "list_group_members", outcome.output)
    schema = manifest_action(manifest, "list_group_members")["outputs"]
    assert missing_fields(schema, {"value": members[:2]}) == []


def test_a_big_group_is_read_page_by_page(manifest: dict[str, Any], graph: Graph) -> None:
    outcome = run(manifest, "list_group_members", {"group_id": BIG_GROUP_ID})
    sent = graph_calls(graph)
    assert [s["query"] for s in sent] == [
        {"$top": "999"},
        {"$top": "999", "$skiptoken": "999"},
    ], "the second page is Graph's @odata.nextLink as given"
    assert len({s["headers"]["authorization"] for s in sent}) == 1
    ids = [m["id"] for m in outcome.output["value"]]
    assert (len(ids), len(set(ids))) == (BIG_GROUP_SIZE, BIG_GROUP_SIZE)
    assert "@odata.nextLink" not in outcome.output
    conforms(manifest, "list_group_members", outcome.output)


def test_an_unknown_group_is_a_404_and_a_group_id_is_a_guid(
    manifest: dict[str, Any], registry: ConnectorRegistry
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "list_group_members", {"group_id": NOBODY_ID})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    assert '"code":"Request_ResourceNotFound"' in failure.value.details["body"]
    problems = validate(respond_to("list_group_members", {"group_id": "SOC"}), catalog=registry)
    assert [(p.code, p.path) for p in problems] == [
        ("invalid_inputs", "$.nodes[0].inputs.group_id")
    ]


def respond_to(action: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "Respond to a risky user",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {"id": "act", "kind": "action", "action": f"microsoft_graph.{action}", "inputs": inputs}
        ],
        "edges": [{"source": "start", "target": "act"}],
    }


def test_the_validator_knows_the_inputs(registry: ConnectorRegistry) -> None:
    good = [
        respond_to("confirm_user_compromised", {"user_ids": [ALICE_ID]}),
        respond_to("disable_user", {"user": "{{ trigger.upn }}"}),
    ]
    assert list(itertools.chain.from_iterable(validate(p, catalog=registry) for p in good)) == []
    problems = validate(
        respond_to("confirm_user_compromised", {"user_ids": ["alice@contoso.com"]}),
        catalog=registry,
    )
    assert [(p.code, p.path) for p in problems] == [
        ("invalid_inputs", "$.nodes[0].inputs.user_ids[0]")
    ]
