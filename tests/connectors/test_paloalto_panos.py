"""The PAN-OS connector against a local fake of the XML API: IP addresses tagged and untagged
through the User-ID API with the shipped manifest, the <uid-message> that is sent (parsed, so an
input cannot add to it), the outputs read from PAN-OS's XML answers, and its errors."""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, allowed_hosts, call_action
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    checked_by_cli,
    local_session,
    manifest_action,
    missing_fields,
    serving,
    shipped_manifest,
)

KEY = "LUFRPT1aZ2ZtY2VhbXBsZUtleT0=Nm9VbFk2dEhZa0lOQ2s0eGZyT1pXdz09"
CONNECTION = {"host": "fw01.corp.example", "api_key": KEY}
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
TAG = "soarflow-blocked"
VSYSES = {"vsys1", "vsys2"}
Registered = dict[tuple[str, str], set[str]]


def xml(text: str, status: int = 200) -> Response:
    return Response(text, status, mimetype="application/xml")


def uid_error(kind: str, entries: list[tuple[str, str]]) -> Response:
    """PAN-OS's answer when an entry of a uid-message is refused, as HTTP 200."""
    lines = "".join(f'<entry ip="{ip}" message="{message}"/>' for ip, message in entries)
    return xml(
        '<response status="error"><msg><line><uid-response><version>2.0</version><payload>'
        f"<{kind}>{lines}</{kind}></payload></uid-response></line></msg></response>"
    )


def fake_panos(received: list[dict[str, Any]], registered: Registered) -> Flask:
    """The fake; it appends every request it is sent to `received` (with the uid-message's
    entries parsed) and keeps the tags of each (vsys, address) in `registered`."""
    app = Flask("fake-panos")

    @app.route("/api/", methods=["GET", "POST"])
    def api() -> Response:
        entries: list[dict[str, Any]] = []
        sent = {
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "entries": entries,
        }
        received.append(sent)
        if request.headers.get("X-PAN-KEY") != KEY:
            return xml(
                "<response status = 'error' code = '403'><result><msg>Invalid Credential"
                "</msg></result></response>",
                403,
            )
        kind = request.args.get("type")
        if kind == "version":
            return xml(
                '<response status="success"><result><sw-version>10.2.9-h1</sw-version>'
                "<multi-vsys>on</multi-vsys><model>PA-VM</model><serial>007954000123456</serial>"
                "</result></response>"
            )
        if kind != "user-id":
            return xml('<response status="error" code="400"><msg>Invalid type</msg></response>')
        vsys = request.args.get("vsys", "vsys1")
        if vsys not in VSYSES:
            return xml(
                f'<response status="error"><msg><line>{vsys} is invalid</line></msg></response>'
            )
        try:
            message = ET.fromstring(request.args.get("cmd", ""))
        except ET.ParseError:
            return xml(
                '<response status="error" code="400"><msg><line>Malformed XML</line></msg>'
                "</response>"
            )
        refused: list[tuple[str, str]] = []
        for action in ("register", "unregister"):
            for entry in message.iterfind(f"./payload/{action}/entry"):
                members = entry.findall("./tag/member")
                entries.append(
                    {
                        "action": action,
                        "ip": entry.get("ip"),
                        "tags": [m.text for m in members],
                        "timeouts": [m.get("timeout") for m in members],
                    }
                )
                address = str(entry.get("ip"))
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    return xml(
                        '<response status="error" code="400"><result><msg>Invalid IP address'
                        "</msg></result></response>"
                    )
                tags = registered.setdefault((vsys, address), set())
                for member in members:
                    tag = str(member.text)
                    if action == "register" and tag in tags:
                        refused.append((address, f"tag {tag} already exists, ignore"))
                    elif action == "unregister" and tag not in tags:
                        refused.append((address, f"tag {tag} does not exist, ignore unreg"))
                    elif action == "register":
                        tags.add(tag)
                    else:
                        tags.discard(tag)
        if not entries:
            return xml('<response status="error"><msg><line>Empty payload</line></msg></response>')
        kind_sent = entries[0]["action"]
        if refused:
            return uid_error(kind_sent, refused)
        return xml(
            '<response status="success"><result><uid-response><version>2.0</version>'
            f"<payload><{kind_sent}/></payload></uid-response></result></response>"
        )

    return app


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def registered() -> Registered:
    return {}


@pytest.fixture(scope="module")
def manifest(received: list[dict[str, Any]], registered: Registered) -> Iterator[dict[str, Any]]:
    with serving(fake_panos(received, registered)) as url:
        yield shipped_manifest("paloalto_panos", url)


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    connection: dict[str, Any] | None = None,
) -> Outcome:
    return call_action(
        manifest=manifest,
        action=manifest_action(manifest, action_id),
        inputs=inputs,
        connection=connection or CONNECTION,
        session=local_session(),
        retry=FAST,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    Draft202012Validator(schema).validate(output)
    assert missing_fields(schema, output) == []


def test_the_shipped_manifest(registry: ConnectorRegistry, tmp_path: Path) -> None:
    assert [p for p in registry.problems if "/paloalto_panos/" in p.file] == []
    manifest = registry.connectors["paloalto_panos"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://{{ connection.host }}/api"
    assert connection["auth"] == {
        "type": "api_key",
        "in": "header",
        "name": "X-PAN-KEY",
        "value": "{{ connection.api_key }}",
    }
    assert connection["fields"]["properties"]["api_key"]["writeOnly"] is True
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "block_ip": ("write", True),
        "unblock_ip": ("write", True),
    }
    assert "ok  paloalto_panos 1.0.0: 2 actions" in checked_by_cli("paloalto_panos", tmp_path)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("fw01.corp.example", "fw01.corp.example"),
        ("FW01.Corp.Example:4443", "fw01.corp.example"),
        ("192.0.2.10", "192.0.2.10"),
    ],
)
def test_the_key_goes_to_the_connections_host_only(
    registry: ConnectorRegistry, host: str, allowed: str
) -> None:
    manifest = registry.connectors["paloalto_panos"].manifest
    fields = Draft202012Validator(manifest["connection"]["fields"])
    assert fields.is_valid(CONNECTION | {"host": host})
    assert allowed_hosts(manifest, CONNECTION | {"host": host}) == [allowed]


@pytest.mark.parametrize(
    "host",
    ["", "https://fw01", "fw01/api", "fw01.example@attacker.example", "fw01 .example", "-fw01"],
)
def test_the_host_field_takes_a_host_name_only(registry: ConnectorRegistry, host: str) -> None:
    fields = registry.connectors["paloalto_panos"].manifest["connection"]["fields"]
    assert not Draft202012Validator(fields).is_valid(CONNECTION | {"host": host})


def test_block_and_unblock_an_address(
    manifest: dict[str, Any], received: list[dict[str, Any]], registered: Registered
) -> None:
    blocked = run(manifest, "block_ip", {"ip": "203.0.113.66"})
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/api/")
    assert sent["headers"]["x-pan-key"] == KEY
    assert "key" not in sent["query"], "the key goes in the header, not the URL"
    assert set(sent["query"]) == {"type", "cmd"}
    assert sent["query"]["type"] == "user-id"
    assert sent["query"]["cmd"] == (
        "<uid-message><version>1.0</version><type>update</type><payload><register>"
        '<entry ip="203.0.113.66"><tag><member>soarflow-blocked</member></tag></entry>'
        "</register></payload></uid-message>"
    )
    assert blocked.output == {"status": "success", "changed": True, "message": ""}
    conforms(manifest, "block_ip", blocked.output)
    assert registered[("vsys1", "203.0.113.66")] == {TAG}

    unblocked = run(manifest, "unblock_ip", {"ip": "203.0.113.66"})
    assert received[-1]["entries"] == [
        {"action": "unregister", "ip": "203.0.113.66", "tags": [TAG], "timeouts": [None]}
    ]
    assert unblocked.output == {"status": "success", "changed": True, "message": ""}
    conforms(manifest, "unblock_ip", unblocked.output)
    assert registered[("vsys1", "203.0.113.66")] == set()


def test_blocking_twice_and_unblocking_twice_change_nothing(manifest: dict[str, Any]) -> None:
    run(manifest, "block_ip", {"ip": "2001:db8::66"})
    again = run(manifest, "block_ip", {"ip": "2001:db8::66"}).output
    assert again == {
        "status": "error",
        "changed": False,
        "message": "the address already has the tag",
    }
    conforms(manifest, "block_ip", again)
    run(manifest, "unblock_ip", {"ip": "2001:db8::66"})
    again = run(manifest, "unblock_ip", {"ip": "2001:db8::66"}).output
    assert again == {
        "status": "error",
        "changed": False,
        "message": "the address does not have the tag",
    }
    conforms(manifest, "unblock_ip", again)


def test_a_tag_a_timeout_and_a_virtual_system(
    manifest: dict[str, Any], received: list[dict[str, Any]], registered: Registered
) -> None:
    connection = CONNECTION | {"vsys": "vsys2", "target": "007954000123456"}
    inputs = {"ip": "198.51.100.7", "tag": "soar.quarantine_24h", "timeout": 86400}
    run(manifest, "block_ip", inputs, connection=connection)
    sent = received[-1]
    assert sent["query"]["vsys"] == "vsys2"
    assert sent["query"]["target"] == "007954000123456"
    assert sent["entries"] == [
        {
            "action": "register",
            "ip": "198.51.100.7",
            "tags": ["soar.quarantine_24h"],
            "timeouts": ["86400"],
        }
    ]
    assert registered[("vsys2", "198.51.100.7")] == {"soar.quarantine_24h"}
    run(manifest, "block_ip", {"ip": "198.51.100.8", "tag": "", "timeout": 0})
    assert received[-1]["entries"][0]["tags"] == [TAG], "an empty tag is the default"
    assert received[-1]["entries"][0]["timeouts"] == [None], "0 means no timeout"


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("block_ip", {"ip": '10.0.0.1"/><entry ip="10.0.0.2', "tag": TAG}),
        ("unblock_ip", {"ip": "10.0.0.4'><x>&amp;", "tag": "a&b<c>"}),
    ],
)
def test_an_address_cannot_change_the_command(
    manifest: dict[str, Any],
    received: list[dict[str, Any]],
    registered: Registered,
    action_id: str,
    inputs: dict[str, Any],
) -> None:
    schema = manifest_action(manifest, action_id)["inputs"]
    assert not Draft202012Validator(schema).is_valid(inputs), "the input schema refuses it"
    # A value from an earlier step reaches the executor unchecked; escaping keeps it one value,
    # which PAN-OS then refuses as an address.
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, inputs)
    assert failure.value.code == "vendor_error"
    assert failure.value.message.endswith(": Invalid IP address")
    action = "register" if action_id == "block_ip" else "unregister"
    assert received[-1]["entries"] == [
        {"action": action, "ip": inputs["ip"], "tags": [inputs["tag"]], "timeouts": [None]}
    ]
    assert ("vsys1", "10.0.0.2") not in registered


def test_a_tag_cannot_change_the_command(
    manifest: dict[str, Any], received: list[dict[str, Any]], registered: Registered
) -> None:
    tag = "x</member><member>any"
    schema = manifest_action(manifest, "block_ip")["inputs"]
    assert not Draft202012Validator(schema).is_valid({"ip": "10.0.0.3", "tag": tag})
    run(manifest, "block_ip", {"ip": "10.0.0.3", "tag": tag})
    assert received[-1]["entries"][0]["tags"] == [tag]
    assert registered[("vsys1", "10.0.0.3")] == {tag}


@pytest.mark.parametrize(
    ("action_id", "refused"), [("block_ip", "registration"), ("unblock_ip", "unregistration")]
)
def test_an_error_status_fails_the_step_with_panos_message(
    manifest: dict[str, Any], action_id: str, refused: str
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, {"ip": "10.1.1.1"}, connection=CONNECTION | {"vsys": "vsys9"})
    assert failure.value.code == "vendor_error"
    assert failure.value.message == f"PAN-OS refused the {refused}: vsys9 is invalid"
    assert failure.value.details == {"status": 200}


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}

    def call(key: str) -> Outcome:
        return call_action(
            manifest=manifest,
            action=test,
            inputs={},
            connection=CONNECTION | {"api_key": key},
            session=local_session(),
            retry=FAST,
        )

    assert "<sw-version>10.2.9-h1</sw-version>" in call(KEY).output
    assert (received[-1]["method"], received[-1]["query"]) == ("GET", {"type": "version"})
    with pytest.raises(ActionFailed) as failure:
        call("not-the-key")
    assert failure.value.details["status"] == 403


def test_a_wrong_key_fails_with_403_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "LUFRPT1-wrong-key-that-must-not-leak"
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "block_ip", {"ip": "10.1.1.1"}, connection=CONNECTION | {"api_key": wrong})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 403)
    assert "Invalid Credential" in failure.value.details["body"]
    for secret in (wrong, KEY):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


@pytest.mark.parametrize(
    "inputs",
    [
        {"ip": "10.0.0.0/8"},
        {"ip": "fw01.corp.example"},
        {"ip": "10.0.0.1", "tag": "has space"},
        {"ip": "10.0.0.1", "tag": "x" * 128},
        {"ip": "10.0.0.1", "timeout": 2592001},
    ],
)
def test_the_input_schema_refuses_what_panos_would(
    manifest: dict[str, Any], inputs: dict[str, Any]
) -> None:
    validator = Draft202012Validator(
        manifest_action(manifest, "block_ip")["inputs"],
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    assert not validator.is_valid(inputs)
