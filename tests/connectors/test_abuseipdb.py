"""The AbuseIPDB connector against a local fake of API v2: checks and reports through the
executor with the shipped manifest, what is sent, outputs that match their declared schema
field for field, and the vendor's errors."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, call_action
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

KEY = "abuseipdb-test-key-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
API = "https://api.abuseipdb.com/api/v2"
# The fake answers this address with 429 every other time, as when the day's quota is spent.
RATE_LIMITED_IP = "198.51.100.29"
BAD_IP = "203.0.113.66"

BAD_REPORTS = [
    {
        "reportedAt": "2024-03-25T14:02:11+00:00",
        "comment": "sshd[20012]: Failed password for invalid user admin from 203.0.113.66",
        "categories": [18, 22],
        "reporterId": 27014,
        "reporterCountryCode": "DE",
        "reporterCountryName": "Germany",
    },
    {
        "reportedAt": "2024-03-25T09:41:57+00:00",
        "comment": None,
        "categories": [14],
        "reporterId": 1,
        "reporterCountryCode": "US",
        "reporterCountryName": "United States of America",
    },
]
CHECKS: dict[str, dict[str, Any]] = {
    BAD_IP: {
        "isWhitelisted": False,
        "abuseConfidenceScore": 100,
        "countryCode": "NL",
        "countryName": "Netherlands",
        "usageType": "Data Center/Web Hosting/Transit",
        "isp": "Example Bulletproof Hosting Ltd",
        "domain": "bph.example",
        "hostnames": ["vps-66.bph.example"],
        "isTor": False,
        "totalReports": 1523,
        "numDistinctUsers": 312,
        "lastReportedAt": "2024-03-25T14:02:11+00:00",
        "reports": BAD_REPORTS,
    },
    "127.0.0.1": {
        "isWhitelisted": None,
        "abuseConfidenceScore": 0,
        "countryCode": None,
        "countryName": None,
        "usageType": "Reserved",
        "isp": "Loopback",
        "domain": None,
        "hostnames": ["localhost"],
        "isTor": False,
        "totalReports": 0,
        "numDistinctUsers": 0,
        "lastReportedAt": None,
        "reports": [],
    },
}
UNREPORTED = {
    "isWhitelisted": False,
    "abuseConfidenceScore": 0,
    "countryCode": "US",
    "countryName": "United States of America",
    "usageType": "Fixed Line ISP",
    "isp": "Example Broadband",
    "domain": "broadband.example",
    "hostnames": [],
    "isTor": False,
    "totalReports": 0,
    "numDistinctUsers": 0,
    "lastReportedAt": None,
    "reports": [],
}
VERBOSE_ONLY = ("countryName", "reports")
# The fake takes the documentation ranges (192.0.2.0/24, 203.0.113.0/24, 2001:db8::/32) for
# public addresses, so that its abusive address is no real one.
NOT_PUBLIC = [
    ipaddress.ip_network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "::1/128")
]


def errors(status: int, detail: str, parameter: str | None = None) -> tuple[Response, int]:
    """AbuseIPDB's error shape."""
    entry: dict[str, Any] = {"detail": detail, "status": status}
    if parameter:
        entry["source"] = {"parameter": parameter}
    return jsonify(errors=[entry]), status


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not any(address in network for network in NOT_PUBLIC)


def fake_abuseipdb(received: list[dict[str, Any]]) -> Flask:
    """The fake; it appends every request it is sent to `received`."""
    app = Flask("fake-abuseipdb")
    calls: Counter[str] = Counter()

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        received.append(
            {
                "path": request.path,
                "query": request.args.to_dict(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True) or request.form.to_dict(),
            }
        )
        if request.headers.get("Key") != KEY:
            return errors(
                401,
                "Authentication failed. Your API key is either missing, incorrect, or revoked. "
                "Note: The APIv2 key differs from the APIv1 key.",
            )
        return None

    @app.get("/api/v2/check")
    def check() -> Any:
        text = request.args.get("ipAddress", "")
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return errors(422, "The ip address must be a valid IPv4 or IPv6 address.", "ipAddress")
        days = request.args.get("maxAgeInDays", "30")
        if not days.isdigit() or not 1 <= int(days) <= 365:
            return errors(422, "The max age in days must be between 1 and 365.", "maxAgeInDays")
        if text == RATE_LIMITED_IP:
            calls[text] += 1
            if calls[text] % 2:
                response, status = errors(
                    429,
                    "Daily rate limit of 1000 requests exceeded for this endpoint. "
                    "See headers for additional details.",
                )
                response.headers.update({"Retry-After": "0", "X-RateLimit-Remaining": "0"})
                return response, status
        data = {
            "ipAddress": str(address),
            "isPublic": is_public(address),
            "ipVersion": address.version,
        } | CHECKS.get(str(address), UNREPORTED)
        # The reports and the country name come only with the verbose flag.
        if "verbose" not in request.args:
            data = {key: value for key, value in data.items() if key not in VERBOSE_ONLY}
        return jsonify(data=data)

    @app.post("/api/v2/report")
    def report() -> Any:
        form = request.get_json(silent=True) or request.form.to_dict()
        try:
            address = ipaddress.ip_address(str(form.get("ip", "")))
        except ValueError:
            return errors(422, "The ip must be a valid IPv4 or IPv6 address.", "ip")
        if not is_public(address):
            return errors(422, "You can only report public IP addresses.", "ip")
        categories = str(form.get("categories", "")).split(",")
        if not all(c.isdigit() and 1 <= int(c) <= 23 for c in categories):
            return errors(422, "The categories must be valid category ids.", "categories")
        score = CHECKS.get(str(address), UNREPORTED)["abuseConfidenceScore"]
        return jsonify(data={"ipAddress": str(address), "abuseConfidenceScore": max(score, 52)})

    return app


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def fake_url(received: list[dict[str, Any]]) -> Iterator[str]:
    with serving(fake_abuseipdb(received)) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    return shipped_manifest("abuseipdb", fake_url)


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    key: str = KEY,
    sleep: Any = None,
    idempotency_key: str | None = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        {"api_key": key},
        retry=RetryPolicy(),
        idempotency_key=idempotency_key,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


REPORT = {"ip": BAD_IP, "categories": [18, 22], "comment": "sshd: 40 failed logins as root"}


def test_the_shipped_manifest_talks_to_abuseipdb_only(tmp_path: Path) -> None:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert [p for p in registry.problems if "/abuseipdb/" in p.file] == []
    manifest = registry.connectors["abuseipdb"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == API
    assert connection["allowed_hosts"] == ["api.abuseipdb.com"]
    assert connection["auth"] == {
        "type": "api_key",
        "in": "header",
        "name": "Key",
        "value": "{{ connection.api_key }}",
    }
    assert connection["fields"]["properties"]["api_key"]["writeOnly"] is True
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "check_ip": ("read", True),
        "report_ip": ("write", False),
    }
    # Checked alone, so that another connector's problem cannot hide or fake this one's.
    assert "ok  abuseipdb 1.0.0: 2 actions" in checked_by_cli("abuseipdb", tmp_path)


def test_check_ip_sends_only_what_was_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    outcome = run(manifest, "check_ip", {"ip": BAD_IP})
    sent = received[-1]
    assert (sent["path"], sent["query"]) == ("/api/v2/check", {"ipAddress": BAD_IP})
    assert sent["headers"]["key"] == KEY
    assert sent["headers"]["accept"] == "application/json"
    data = outcome.output["data"]
    assert (data["abuseConfidenceScore"], data["totalReports"]) == (100, 1523)
    assert (data["isPublic"], data["ipVersion"], data["isTor"]) == (True, 4, False)
    assert data["usageType"] == "Data Center/Web Hosting/Transit"
    assert not set(VERBOSE_ONLY) & set(data)
    conforms(manifest, "check_ip", outcome.output)


def test_check_ip_with_a_period_and_the_reports(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    outcome = run(manifest, "check_ip", {"ip": BAD_IP, "max_age_in_days": 90, "verbose": True})
    assert received[-1]["query"] == {"ipAddress": BAD_IP, "maxAgeInDays": "90", "verbose": "true"}
    data = outcome.output["data"]
    assert data["countryName"] == "Netherlands"
    assert data["reports"][0]["categories"] == [18, 22]
    assert data["reports"][1]["comment"] is None
    run(manifest, "check_ip", {"ip": BAD_IP, "verbose": False})
    assert received[-1]["query"] == {"ipAddress": BAD_IP}, "verbose is a flag: left out when off"


@pytest.mark.parametrize("ip", ["2001:db8::1", "127.0.0.1", "192.0.2.44"])
def test_other_addresses_match_the_schema(manifest: dict[str, Any], ip: str) -> None:
    output = run(manifest, "check_ip", {"ip": ip, "verbose": True}).output
    assert output["data"]["ipAddress"] == ip
    conforms(manifest, "check_ip", output)


def test_report_ip(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    when = "2024-03-25T14:00:00+00:00"
    outcome = run(manifest, "report_ip", REPORT | {"timestamp": when}, idempotency_key="r-1/s-2")
    sent = received[-1]
    assert sent["path"] == "/api/v2/report"
    assert sent["body"] == {
        "ip": BAD_IP,
        "categories": "18,22",
        "comment": "sshd: 40 failed logins as root",
        "timestamp": when,
    }
    assert sent["headers"]["accept"] == "application/json"
    assert sent["headers"]["idempotency-key"] == "r-1/s-2", "the action is not idempotent"
    assert outcome.output == {"data": {"ipAddress": BAD_IP, "abuseConfidenceScore": 100}}


def test_a_report_without_a_time_is_dated_now(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    run(manifest, "report_ip", {"ip": "192.0.2.200", "categories": [14]})
    body = received[-1]["body"]
    assert (body["categories"], body["comment"]) == ("14", "")
    sent_time = datetime.fromisoformat(body["timestamp"])
    assert abs(datetime.now(UTC) - sent_time) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [("check_ip", {"ip": BAD_IP, "verbose": True}), ("report_ip", REPORT)],
)
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    output = run(manifest, action_id, inputs).output
    schema = manifest_action(manifest, action_id)["outputs"]
    assert missing_fields(schema, output) == []
    conforms(manifest, action_id, output)


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}

    def call(key: str) -> Outcome:
        return call_action(
            manifest=manifest,
            action=test,
            inputs={},
            connection={"api_key": key},
            session=local_session(),
        )

    assert call(KEY).status == 200
    with pytest.raises(ActionFailed) as failure:
        call("not-the-key")
    assert failure.value.details["status"] == 401
    assert received[-1]["query"] == {"ipAddress": "127.0.0.1", "maxAgeInDays": "1"}


def test_a_wrong_key_fails_with_401_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-key-that-must-not-leak-0000"
    for action_id, inputs in (("check_ip", {"ip": BAD_IP}), ("report_ip", REPORT)):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, inputs, key=wrong)
        assert failure.value.code == "http_error"
        assert failure.value.details["status"] == 401
        assert "Authentication failed" in failure.value.details["body"]
        for secret in (wrong, KEY):
            assert secret not in failure.value.message
            assert secret not in str(failure.value.details)


@pytest.mark.parametrize(
    ("action_id", "inputs", "parameter"),
    [
        ("check_ip", {"ip": "not-an-address"}, "ipAddress"),
        ("check_ip", {"ip": BAD_IP, "max_age_in_days": 0}, "maxAgeInDays"),
        ("report_ip", {"ip": "10.0.0.8", "categories": [18]}, "ip"),
        ("report_ip", {"ip": BAD_IP, "categories": [99]}, "categories"),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 422)
    assert f'"parameter":"{parameter}"' in failure.value.details["body"]


def test_the_rate_limit_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(manifest, "check_ip", {"ip": RATE_LIMITED_IP}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0], "Retry-After: 0 wins over the 7.5 s default"
    assert outcome.output["data"]["ipAddress"] == RATE_LIMITED_IP


def report_by_hand(categories: list[int]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "Report an address",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {
                "id": "report",
                "kind": "action",
                "action": "abuseipdb.report_ip",
                "inputs": {"ip": "{{ trigger.ip }}", "categories": categories},
            }
        ],
        "edges": [{"source": "start", "target": "report"}],
    }


def test_the_validator_knows_the_categories() -> None:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert validate(report_by_hand([18, 22]), catalog=registry) == []
    problems = validate(report_by_hand([18, 24]), catalog=registry)
    assert [(p.code, p.path) for p in problems] == [
        ("invalid_inputs", "$.nodes[0].inputs.categories[1]")
    ]
