"""The Microsoft Defender for Endpoint connector against a local fake of the Microsoft identity
platform's token endpoint and the Defender API: every action through the executor with the
shipped manifest, OData built so that input cannot change the query, outputs that match their
declared schema field for field, and Defender's errors."""

from __future__ import annotations

import copy
import ipaddress
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import (
    ActionFailed,
    Outcome,
    TokenCache,
    build_request,
    call_action,
    host_allowed,
)
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
CLIENT_ID = "9b0e7c4a-2d1f-4e6b-8a3c-5f7d9e1b3a2c"
SECRET = "Wm3~defender-test-secret.Kq8vR5tYx2nB7cJ4hG6fD1sA0"
CONNECTION = {"tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": SECRET}
DEFENDER_SCOPE = "https://api.securitycenter.microsoft.com/.default"
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
METADATA = "https://api.securitycenter.microsoft.com/api/$metadata"

DESK_42 = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
DESK_43 = "7a2f0c1d9e8b4a3c6d5e2f1a0b9c8d7e6f5a4b3c"
LAPTOP = "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2"
# The fake answers a search for this name with 429 every other time, as Defender throttles.
THROTTLED_NAME = "busy-01.contoso.com"
UNKNOWN_MACHINE = "0" * 40


def adapter(ip: str, mac: str) -> dict[str, Any]:
    return {
        "ipAddress": ip,
        "macAddress": mac,
        "type": "Ethernet",
        "operationalStatus": "Up",
    }


MACHINES: list[dict[str, Any]] = [
    {
        "id": DESK_42,
        "computerDnsName": "desk-042.contoso.com",
        "firstSeen": "2023-08-02T14:55:03.7791856Z",
        "lastSeen": "2024-03-25T13:58:41.2250147Z",
        "osPlatform": "Windows11",
        "version": "23H2",
        "osProcessor": "x64",
        "osBuild": 22631,
        "lastIpAddress": "10.20.30.42",
        "lastExternalIpAddress": "203.0.113.17",
        "healthStatus": "Active",
        "onboardingStatus": "Onboarded",
        "rbacGroupId": 140,
        "rbacGroupName": "Finance workstations",
        "riskScore": "High",
        "exposureLevel": "Medium",
        "deviceValue": "Normal",
        "isAadJoined": True,
        "aadDeviceId": "80fe8ff8-2624-418e-9591-41f0491218f9",
        "machineTags": ["finance", "floor-18"],
        "ipAddresses": [
            adapter("10.20.30.42", "00155D1A2B3C"),
            adapter("fe80::8d4:1c2b:3a4d:5e6f", "00155D1A2B3C"),
        ],
    },
    {
        "id": DESK_43,
        "computerDnsName": "desk-043.contoso.com",
        "firstSeen": "2023-09-14T09:12:40.1010101Z",
        "lastSeen": "2024-03-25T13:40:02.5000000Z",
        "osPlatform": "Linux",
        "version": "22.04",
        "osProcessor": "x64",
        "osBuild": None,
        "lastIpAddress": "10.20.30.43",
        "lastExternalIpAddress": "203.0.113.17",
        "healthStatus": "Inactive",
        "onboardingStatus": "Onboarded",
        "rbacGroupId": None,
        "rbacGroupName": None,
        "riskScore": "None",
        "exposureLevel": "Low",
        "deviceValue": "Normal",
        "isAadJoined": False,
        "aadDeviceId": None,
        "machineTags": [],
        "ipAddresses": [adapter("10.20.30.43", "0050568A1B2C")],
    },
    {
        "id": LAPTOP,
        "computerDnsName": "o'brien-laptop",
        "firstSeen": "2024-01-05T07:30:00Z",
        "lastSeen": "2024-03-25T12:01:19Z",
        "osPlatform": "macOS",
        "version": "14.4",
        "osProcessor": "ARM64",
        "osBuild": None,
        "lastIpAddress": "192.168.1.23",
        "lastExternalIpAddress": "198.51.100.4",
        "healthStatus": "Active",
        "onboardingStatus": "Onboarded",
        "rbacGroupId": 141,
        "rbacGroupName": "Laptops",
        "riskScore": "Low",
        "exposureLevel": "None",
        "deviceValue": "High",
        "isAadJoined": True,
        "aadDeviceId": "2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f",
        "machineTags": ["vip"],
        "ipAddresses": [adapter("192.168.1.23", "F01898A1B2C3")],
    },
    {
        "id": "d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0",
        "computerDnsName": THROTTLED_NAME,
        "firstSeen": "2022-02-02T02:02:02Z",
        "lastSeen": "2024-03-25T13:59:59Z",
        "osPlatform": "WindowsServer2022",
        "version": "21H2",
        "osProcessor": "x64",
        "osBuild": 20348,
        "lastIpAddress": "10.9.0.4",
        "lastExternalIpAddress": None,
        "healthStatus": "Active",
        "onboardingStatus": "Onboarded",
        "rbacGroupId": 7,
        "rbacGroupName": "Servers",
        "riskScore": "Medium",
        "exposureLevel": "High",
        "deviceValue": "High",
        "isAadJoined": False,
        "aadDeviceId": None,
        "machineTags": [],
        "ipAddresses": [adapter("10.9.0.4", "000D3A1B2C3D")],
    },
]
ODATA_TEXT = r"'((?:[^']|'')*)'"
EXACT = re.compile(rf"^computerDnsName eq {ODATA_TEXT}$")
PREFIX = re.compile(rf"^startswith\(computerDnsName,{ODATA_TEXT}\)$")
FIND_BY_IP = re.compile(rf"^findbyip\(ip={ODATA_TEXT},timestamp=([^)]*)\)$")


def defender_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """Defender's error shape; target is the request's id."""
    return jsonify(error={"code": code, "message": message, "target": str(uuid.uuid4())}), status


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
class Defender:
    """The fake's state; reset before every test."""

    machines: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: set[tuple[str, str]] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)
    searched: list[dict[str, Any]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.machines = {machine["id"]: machine for machine in copy.deepcopy(MACHINES)}
        for collection in (self.pending, self.received, self.searched, self.tokens, self.calls):
            collection.clear()


def fake_defender(defender: Defender) -> Flask:
    app = Flask("fake-defender")

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        defender.received.append(
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
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in defender.tokens:
            return defender_error(
                401, "Unauthorized", "Authorization has been denied for this request."
            )
        return None

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str) -> Any:
        form = request.form
        if tenant != TENANT:
            return aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if (form.get("grant_type"), form.get("client_id")) != ("client_credentials", CLIENT_ID):
            return aad_error(
                400, "unauthorized_client", 700016, "Application was not found in the directory."
            )
        if form.get("client_secret") != SECRET:
            return aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        if form.get("scope") != DEFENDER_SCOPE:
            return aad_error(400, "invalid_scope", 1002012, "The provided scope is not valid.")
        access = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.mde-{len(defender.tokens) + 1}.c2ln"
        defender.tokens.add(access)
        return jsonify(
            token_type="Bearer", expires_in=3599, ext_expires_in=3599, access_token=access
        )

    def listed(machines: list[dict[str, Any]]) -> Response:
        top = int(request.args.get("$top", "10000"))
        return jsonify({"@odata.context": f"{METADATA}#Machines", "value": machines[:top]})

    @app.get("/api/machines")
    def list_machines() -> Any:
        clause = request.args.get("$filter")
        machines = list(defender.machines.values())
        if clause is None:
            return listed(machines)
        if exact := EXACT.match(clause):
            name = exact.group(1).replace("''", "'")
            found = [m for m in machines if m["computerDnsName"] == name]
        elif prefix := PREFIX.match(clause):
            name = prefix.group(1).replace("''", "'")
            found = [m for m in machines if m["computerDnsName"].startswith(name)]
        else:
            return defender_error(400, "BadRequest", f"Invalid filter clause: {clause}")
        defender.searched.append({"name": name})
        if name == THROTTLED_NAME:
            defender.calls[name] += 1
            if defender.calls[name] % 2:
                response, status = defender_error(
                    429, "TooManyRequests", "API calls quota exceeded! Retry in 0 seconds."
                )
                response.headers["Retry-After"] = "0"
                return response, status
        return listed(found)

    @app.get("/api/machines/<reference>")
    def find_by_ip(reference: str) -> Any:
        call = FIND_BY_IP.match(reference)
        if call is None:
            return defender_error(404, "ResourceNotFound", f"Machine {reference} was not found")
        text, stamp = call.group(1).replace("''", "'"), call.group(2)
        defender.searched.append({"ip": text, "timestamp": stamp})
        try:
            address = ipaddress.ip_address(text)
            when = datetime.fromisoformat(stamp)
        except ValueError:
            return defender_error(400, "InvalidRequestBody", "Invalid ip or timestamp")
        age = datetime.now(UTC) - when if when.tzinfo else None
        if age is None or not timedelta(0) <= age <= timedelta(days=30):
            return defender_error(
                400, "InvalidRequestBody", "The timestamp must be within the last 30 days"
            )
        found = [
            machine
            for machine in defender.machines.values()
            if str(address) in {a["ipAddress"] for a in machine["ipAddresses"]}
        ]
        return jsonify({"@odata.context": f"{METADATA}#Machines", "value": found})

    def machine_action(machine_id: str, kind: str, choice: tuple[str, str] | None) -> Any:
        machine = defender.machines.get(machine_id)
        if machine is None:
            return defender_error(404, "ResourceNotFound", f"Machine {machine_id} was not found")
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not str(body.get("Comment") or "").strip():
            return defender_error(400, "InvalidRequestBody", "Comment is required")
        if choice is not None and body.get(choice[0]) not in choice[1].split():
            return defender_error(400, "InvalidRequestBody", f"Invalid {choice[0]}")
        if (machine_id, kind) in defender.pending:
            return defender_error(
                400, "ActiveRequestAlreadyExists", "Action is already in progress"
            )
        defender.pending.add((machine_id, kind))
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        action = {
            "@odata.context": f"{METADATA}#MachineActions/$entity",
            "id": str(uuid.uuid4()),
            "type": kind,
            "requestor": CLIENT_ID,
            "requestorComment": body["Comment"],
            "status": "Pending",
            "machineId": machine_id,
            "computerDnsName": machine["computerDnsName"],
            "creationDateTimeUtc": now,
            "lastUpdateDateTimeUtc": now,
            "relatedFileInfo": None,
        }
        return jsonify(action), 201

    @app.post("/api/machines/<machine_id>/isolate")
    def isolate(machine_id: str) -> Any:
        return machine_action(machine_id, "Isolate", ("IsolationType", "Full Selective"))

    @app.post("/api/machines/<machine_id>/unisolate")
    def unisolate(machine_id: str) -> Any:
        return machine_action(machine_id, "Unisolate", None)

    @app.post("/api/machines/<machine_id>/runAntiVirusScan")
    def scan(machine_id: str) -> Any:
        return machine_action(machine_id, "RunAntiVirusScan", ("ScanType", "Quick Full"))

    return app


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def defender() -> Defender:
    return Defender()


@pytest.fixture(scope="module")
def fake_url(defender: Defender) -> Iterator[str]:
    with serving(fake_defender(defender)) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh(defender: Defender) -> None:
    defender.reset()


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    """The shipped manifest with the API and the token endpoint both on the fake."""
    manifest = shipped_manifest("microsoft_defender", fake_url)
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
    idempotency_key: str | None = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        connection,
        retry=FAST,
        tokens=tokens,
        idempotency_key=idempotency_key,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


def api_calls(defender: Defender) -> list[dict[str, Any]]:
    return [sent for sent in defender.received if sent["path"].startswith("/api/")]


def names(outcome: Outcome) -> list[str]:
    return [machine["computerDnsName"] for machine in outcome.output["machines"]]


def test_the_shipped_manifest_sends_the_secret_to_microsoft_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/microsoft_defender/" in p.file] == []
    manifest = registry.connectors["microsoft_defender"].manifest
    connection = manifest["connection"]
    assert connection["allowed_hosts"] == [
        "api.securitycenter.microsoft.com",
        "api.security.microsoft.com",
        "login.microsoftonline.com",
    ]
    assert connection["auth"] == {
        "type": "oauth2_client_credentials",
        "token_url": (
            "https://login.microsoftonline.com/{{ connection.tenant_id }}/oauth2/v2.0/token"
        ),
        "client_id": "{{ connection.client_id }}",
        "client_secret": "{{ connection.client_secret }}",
        "scope": DEFENDER_SCOPE,
    }
    fields = connection["fields"]["properties"]
    assert [name for name, spec in fields.items() if spec.get("writeOnly")] == ["client_secret"]
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "list_machines": ("read", True),
        "find_machines_by_name": ("read", True),
        "find_machines_by_ip": ("read", True),
        "isolate_machine": ("destructive", False),
        "release_machine": ("write", False),
        "run_antivirus_scan": ("write", False),
    }
    # Checked alone, so that another connector's problem cannot hide or fake this one's.
    assert "ok  microsoft_defender 1.0.0: 6 actions" in checked_by_cli(
        "microsoft_defender", tmp_path
    )


@pytest.mark.parametrize(
    ("api_host", "url"),
    [
        (None, "https://api.securitycenter.microsoft.com/api/machines"),
        ("api.security.microsoft.com", "https://api.security.microsoft.com/api/machines"),
    ],
)
def test_the_api_host_is_one_the_secret_may_go_to(
    registry: ConnectorRegistry, api_host: str | None, url: str
) -> None:
    manifest = registry.connectors["microsoft_defender"].manifest
    connection = CONNECTION | ({"api_host": api_host} if api_host else {})
    assert Draft202012Validator(manifest["connection"]["fields"]).is_valid(connection)
    action = manifest_action(manifest, "find_machines_by_name")
    sent = build_request(manifest, action, {"name": "desk-042"}, connection)
    assert sent.url == url
    allowed = manifest["connection"]["allowed_hosts"]
    assert host_allowed(sent.url, allowed)
    token_url = manifest["connection"]["auth"]["token_url"].replace(
        "{{ connection.tenant_id }}", TENANT
    )
    assert host_allowed(token_url, allowed)
    other = CONNECTION | {"api_host": "api.evil.example"}
    assert not Draft202012Validator(manifest["connection"]["fields"]).is_valid(other)


def test_find_a_machine_by_its_whole_name(manifest: dict[str, Any], defender: Defender) -> None:
    outcome = run(manifest, "find_machines_by_name", {"name": "DESK-042.contoso.com"})
    sent = api_calls(defender)[-1]
    assert (sent["method"], sent["path"]) == ("GET", "/api/machines")
    assert sent["query"] == {"$filter": "computerDnsName eq 'desk-042.contoso.com'"}
    assert sent["headers"]["authorization"].startswith("Bearer eyJ")
    assert outcome.output["count"] == 1
    [machine] = outcome.output["machines"]
    assert (machine["id"], machine["riskScore"], machine["lastIpAddress"]) == (
        DESK_42,
        "High",
        "10.20.30.42",
    )
    assert machine["machineTags"] == ["finance", "floor-18"]
    conforms(manifest, "find_machines_by_name", outcome.output)


def test_list_every_machine_up_to_a_number(manifest: dict[str, Any], defender: Defender) -> None:
    outcome = run(manifest, "list_machines", {"top": 2})
    assert api_calls(defender)[-1]["query"] == {"$top": "2"}
    assert outcome.output["count"] == len(outcome.output["machines"]) >= 2
    conforms(manifest, "list_machines", outcome.output)


def test_find_machines_by_the_start_of_their_name(
    manifest: dict[str, Any], defender: Defender
) -> None:
    outcome = run(manifest, "find_machines_by_name", {"name": "desk-04", "match": "prefix"})
    assert api_calls(defender)[-1]["query"] == {"$filter": "startswith(computerDnsName,'desk-04')"}
    assert names(outcome) == ["desk-042.contoso.com", "desk-043.contoso.com"]
    assert outcome.output["count"] == 2
    conforms(manifest, "find_machines_by_name", outcome.output)
    first = run(manifest, "find_machines_by_name", {"name": "desk", "match": "prefix", "top": 1})
    assert api_calls(defender)[-1]["query"]["$top"] == "1"
    assert first.output["count"] == 1


def test_quotes_in_a_name_stay_inside_the_odata_text(
    manifest: dict[str, Any], defender: Defender
) -> None:
    outcome = run(manifest, "find_machines_by_name", {"name": "O'Brien-Laptop"})
    assert api_calls(defender)[-1]["query"]["$filter"] == "computerDnsName eq 'o''brien-laptop'"
    assert [m["id"] for m in outcome.output["machines"]] == [LAPTOP]

    sneaky = "x' or healthStatus eq 'Active"
    outcome = run(manifest, "find_machines_by_name", {"name": sneaky})
    assert defender.searched[-1] == {"name": sneaky.lower()}, "the whole input is one name"
    assert outcome.output == {"machines": [], "count": 0}
    run(manifest, "find_machines_by_name", {"name": "x') or (true", "match": "prefix"})
    assert defender.searched[-1] == {"name": "x') or (true"}


def test_find_machines_by_ip_now(manifest: dict[str, Any], defender: Defender) -> None:
    outcome = run(manifest, "find_machines_by_ip", {"ip": "10.20.30.42"})
    sent = api_calls(defender)[-1]
    assert sent["path"].startswith("/api/machines/findbyip(ip='10.20.30.42',timestamp=")
    stamp = defender.searched[-1]["timestamp"]
    assert stamp.endswith("Z")
    assert abs(datetime.now(UTC) - datetime.fromisoformat(stamp)) < timedelta(minutes=1)
    assert [m["id"] for m in outcome.output["machines"]] == [DESK_42]
    conforms(manifest, "find_machines_by_ip", outcome.output)


def test_find_machines_by_ip_at_a_time(manifest: dict[str, Any], defender: Defender) -> None:
    offset = timezone(timedelta(hours=2))
    when = (datetime.now(offset) - timedelta(days=3)).replace(microsecond=0).isoformat()
    outcome = run(manifest, "find_machines_by_ip", {"ip": "192.168.1.23", "timestamp": when})
    # The time is a path value, percent-encoded like any input; Defender decodes it.
    assert "%2B02%3A00" in api_calls(defender)[-1]["raw"]
    assert defender.searched[-1] == {"ip": "192.168.1.23", "timestamp": when}
    assert names(outcome) == ["o'brien-laptop"]
    assert run(manifest, "find_machines_by_ip", {"ip": "10.1.1.1"}).output == {
        "machines": [],
        "count": 0,
    }


def test_quotes_in_an_ip_stay_inside_the_odata_text(
    manifest: dict[str, Any], defender: Defender
) -> None:
    sneaky = "10.20.30.42',timestamp=2020-01-01T00:00:00Z)"
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "find_machines_by_ip", {"ip": sneaky})
    assert failure.value.details["status"] == 400
    assert defender.searched[-1]["ip"] == sneaky


def test_a_time_too_long_ago_is_a_400(manifest: dict[str, Any]) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(
            manifest,
            "find_machines_by_ip",
            {"ip": "10.20.30.42", "timestamp": "2020-01-01T00:00:00Z"},
        )
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)
    assert "30 days" in failure.value.details["body"]


def test_isolate_then_release(manifest: dict[str, Any], defender: Defender) -> None:
    isolated = run(
        manifest,
        "isolate_machine",
        {"machine_id": DESK_42, "comment": "Ransomware alert 1234", "isolation_type": "Selective"},
        idempotency_key="run-7/isolate",
    )
    sent = api_calls(defender)[-1]
    assert (sent["method"], sent["path"]) == ("POST", f"/api/machines/{DESK_42}/isolate")
    assert sent["json"] == {"Comment": "Ransomware alert 1234", "IsolationType": "Selective"}
    assert sent["headers"]["idempotency-key"] == "run-7/isolate"
    assert isolated.status == 201
    action = isolated.output
    assert (action["type"], action["status"], action["machineId"]) == (
        "Isolate",
        "Pending",
        DESK_42,
    )
    assert action["requestorComment"] == "Ransomware alert 1234"
    conforms(manifest, "isolate_machine", action)

    released = run(manifest, "release_machine", {"machine_id": DESK_42, "comment": "Cleaned"})
    sent = api_calls(defender)[-1]
    assert (sent["path"], sent["json"]) == (
        f"/api/machines/{DESK_42}/unisolate",
        {"Comment": "Cleaned"},
    )
    assert (released.output["type"], released.output["computerDnsName"]) == (
        "Unisolate",
        "desk-042.contoso.com",
    )
    conforms(manifest, "release_machine", released.output)


def test_isolation_is_full_unless_asked(manifest: dict[str, Any], defender: Defender) -> None:
    run(manifest, "isolate_machine", {"machine_id": DESK_43, "comment": "Beaconing"})
    assert api_calls(defender)[-1]["json"] == {"Comment": "Beaconing", "IsolationType": "Full"}


def test_a_second_isolation_while_one_is_pending_is_a_400(manifest: dict[str, Any]) -> None:
    inputs = {"machine_id": LAPTOP, "comment": "Suspicious logon"}
    run(manifest, "isolate_machine", inputs)
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "isolate_machine", inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)
    assert "ActiveRequestAlreadyExists" in failure.value.details["body"]


@pytest.mark.parametrize(("given", "sent"), [(None, "Quick"), ("Full", "Full")])
def test_run_antivirus_scan(
    manifest: dict[str, Any], defender: Defender, given: str | None, sent: str
) -> None:
    inputs = {"machine_id": DESK_42, "comment": "Alert 1234"}
    outcome = run(manifest, "run_antivirus_scan", inputs | ({"scan_type": given} if given else {}))
    call = api_calls(defender)[-1]
    assert call["path"] == f"/api/machines/{DESK_42}/runAntiVirusScan"
    assert call["json"] == {"Comment": "Alert 1234", "ScanType": sent}
    assert (outcome.status, outcome.output["type"]) == (201, "RunAntiVirusScan")
    conforms(manifest, "run_antivirus_scan", outcome.output)


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("find_machines_by_name", {"name": "desk-04", "match": "prefix"}),
        ("find_machines_by_name", {"name": "o'brien-laptop"}),
        ("find_machines_by_ip", {"ip": "10.20.30.43"}),
        ("find_machines_by_ip", {"ip": "fe80::8d4:1c2b:3a4d:5e6f"}),
        ("isolate_machine", {"machine_id": DESK_42, "comment": "c"}),
        ("release_machine", {"machine_id": DESK_42, "comment": "c"}),
        ("run_antivirus_scan", {"machine_id": DESK_42, "comment": "c"}),
    ],
)
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    output = run(manifest, action_id, inputs).output
    assert missing_fields(manifest_action(manifest, action_id)["outputs"], output) == []
    conforms(manifest, action_id, output)


def test_the_token_is_fetched_once_and_reused(manifest: dict[str, Any], defender: Defender) -> None:
    tokens = TokenCache()
    run(manifest, "find_machines_by_name", {"name": "desk-042.contoso.com"}, tokens=tokens)
    run(manifest, "find_machines_by_ip", {"ip": "10.20.30.42"}, tokens=tokens)
    run(manifest, "run_antivirus_scan", {"machine_id": DESK_42, "comment": "c"}, tokens=tokens)
    fetches = [s for s in defender.received if s["path"].endswith("/oauth2/v2.0/token")]
    assert [(f["path"], f["form"]) for f in fetches] == [
        (
            f"/{TENANT}/oauth2/v2.0/token",
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": DEFENDER_SCOPE,
            },
        )
    ]
    assert {s["headers"]["authorization"] for s in api_calls(defender)} == {
        f"Bearer {next(iter(defender.tokens))}"
    }


def test_the_connection_test_call(manifest: dict[str, Any], defender: Defender) -> None:
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

    assert [m["id"] for m in call(CONNECTION).output["value"]] == [DESK_42]
    assert api_calls(defender)[-1]["query"] == {"$top": "1"}
    with pytest.raises(ActionFailed) as failure:
        call(CONNECTION | {"client_secret": "not-the-secret"})
    assert failure.value.code == "auth_failed"


def test_a_wrong_secret_fails_at_the_token_endpoint_and_stays_secret(
    manifest: dict[str, Any], defender: Defender
) -> None:
    wrong = "wrong-secret-that-must-not-leak~0000"
    with pytest.raises(ActionFailed) as failure:
        run(
            manifest,
            "isolate_machine",
            {"machine_id": DESK_42, "comment": "c"},
            connection=CONNECTION | {"client_secret": wrong},
        )
    # The executor reports a refusal of the token endpoint as auth_failed with its status.
    assert (failure.value.code, failure.value.message) == (
        "auth_failed",
        "the OAuth2 token endpoint refused: 401",
    )
    for secret in (wrong, SECRET):
        assert secret not in str(failure.value.details)
    assert api_calls(defender) == [], "nothing reaches Defender without a token"


def test_a_token_defender_refuses_is_replaced_once(
    manifest: dict[str, Any], defender: Defender
) -> None:
    expired = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.expired.c2ln"
    tokens = TokenCache()
    run(manifest, "find_machines_by_ip", {"ip": "10.20.30.42"}, tokens=tokens)
    [key] = tokens.tokens
    tokens.tokens[key] = (expired, tokens.tokens[key][1])
    outcome = run(
        manifest, "isolate_machine", {"machine_id": DESK_42, "comment": "c"}, tokens=tokens
    )
    assert outcome.attempts == 2
    assert expired not in {token for token, _ in tokens.tokens.values()}


@pytest.mark.parametrize("action_id", ["isolate_machine", "release_machine", "run_antivirus_scan"])
def test_an_unknown_machine_is_a_404(manifest: dict[str, Any], action_id: str) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, {"machine_id": UNKNOWN_MACHINE, "comment": "c"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    assert '"code":"ResourceNotFound"' in failure.value.details["body"]


def test_throttling_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(manifest, "find_machines_by_name", {"name": THROTTLED_NAME}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0], "Retry-After: 0 wins over the policy's interval"
    assert names(outcome) == [THROTTLED_NAME]


def isolate_by_hand(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "Isolate a device",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {
                "id": "isolate",
                "kind": "action",
                "action": "microsoft_defender.isolate_machine",
                "inputs": inputs,
            }
        ],
        "edges": [{"source": "start", "target": "isolate"}],
    }


@pytest.mark.parametrize(
    ("inputs", "problem_path"),
    [
        ({"machine_id": DESK_42, "comment": "{{ trigger.reason }}"}, None),
        ({"machine_id": "desk-042", "comment": "c"}, "$.nodes[0].inputs.machine_id"),
        (
            {"machine_id": DESK_42, "comment": "c", "isolation_type": "Partial"},
            "$.nodes[0].inputs.isolation_type",
        ),
        ({"machine_id": DESK_42}, "$.nodes[0].inputs"),
    ],
)
def test_the_validator_knows_the_inputs(
    registry: ConnectorRegistry, inputs: dict[str, Any], problem_path: str | None
) -> None:
    problems = validate(isolate_by_hand(inputs), catalog=registry)
    expected = [] if problem_path is None else [("invalid_inputs", problem_path)]
    assert [(p.code, p.path) for p in problems] == expected
