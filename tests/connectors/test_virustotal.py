"""The VirusTotal connector against a local fake of API v3: every action through the executor
with the shipped manifest, outputs that match their declared schema field for field, the
vendor's errors, and a playbook that uses it."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, call_action
from soarflow.connectors.retry import RetryPolicy
from soarflow.expressions import evaluate
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

KEY = "vt-test-key-6f1d0c2e9a8b7c6d5e4f3a2b1c0d9e8f"
VT = "https://www.virustotal.com/api/v3"
# The fake answers this address with 429 every other time, as when the minute's quota is spent.
RATE_LIMITED_IP = "198.51.100.29"
EICAR = {
    "md5": "44d88612fea8a8f36de82e1278abb02f",
    "sha1": "3395856ce81f2b7382dee72602f798b642f14140",
    "sha256": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
}
PHISHING_URL = "http://login.malicious.example/account/verify.php?session=1"


def url_engines(verdicts: dict[str, str]) -> dict[str, Any]:
    """URL scanners' results as VirusTotal gives them for IPs, domains and URLs."""
    category = {"clean": "harmless", "unrated": "undetected"}
    return {
        engine: {
            "category": category.get(result, "malicious"),
            "engine_name": engine,
            "method": "blacklist",
            "result": result,
        }
        for engine, result in verdicts.items()
    }


def stats_of(results: dict[str, Any]) -> dict[str, int]:
    counted = Counter(result["category"] for result in results.values())
    verdicts = ("harmless", "malicious", "suspicious", "undetected", "timeout")
    return {verdict: counted[verdict] for verdict in verdicts}


def analysed(attributes: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    return attributes | {
        "last_analysis_results": results,
        "last_analysis_stats": stats_of(results),
        "last_analysis_date": 1711378800,
        "last_modification_date": 1711382400,
    }


GOOGLE_DNS = {
    "as_owner": "GOOGLE",
    "asn": 15169,
    "country": "US",
    "continent": "NA",
    "regional_internet_registry": "ARIN",
    "reputation": 539,
    "tags": [],
    "total_votes": {"harmless": 212, "malicious": 31},
}
IPS: dict[str, dict[str, Any]] = {
    "8.8.8.8": GOOGLE_DNS
    | {
        "network": "8.8.8.0/24",
        "whois": "NetRange: 8.8.8.0 - 8.8.8.255\nCIDR: 8.8.8.0/24\nNetName: GOGL\n",
    },
    "2001:4860:4860::8888": GOOGLE_DNS
    | {
        "network": "2001:4860::/32",
        "whois": "NetRange: 2001:4860:: - 2001:4860:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF\n",
    },
    "203.0.113.66": {
        "as_owner": "Example Bulletproof Hosting Ltd",
        "asn": 64511,
        "country": "NL",
        "continent": "EU",
        "network": "203.0.113.0/24",
        "regional_internet_registry": "RIPE NCC",
        "whois": "inetnum: 203.0.113.0 - 203.0.113.255\nnetname: EXAMPLE-BPH\n",
        "reputation": -41,
        "tags": ["suspicious-udp"],
        "total_votes": {"harmless": 0, "malicious": 12},
    },
}
IP_RESULTS = {
    "8.8.8.8": {"Kaspersky": "clean", "Sophos": "clean", "Fortinet": "clean"},
    "2001:4860:4860::8888": {"Kaspersky": "clean", "Sophos": "clean", "Fortinet": "unrated"},
    "203.0.113.66": {"Kaspersky": "malware", "Sophos": "malicious", "Fortinet": "unrated"},
}
DOMAINS: dict[str, dict[str, Any]] = {
    "example.com": analysed(
        {
            "registrar": "RESERVED-Internet Assigned Numbers Authority",
            "creation_date": 808372800,
            "tld": "com",
            "categories": {
                "Forcepoint ThreatSeeker": "information technology",
                "Sophos": "information technology",
                "BitDefender": "computersandsoftware",
            },
            "last_dns_records": [
                {"type": "A", "value": "93.184.215.14", "ttl": 3600},
                {"type": "NS", "value": "a.iana-servers.net", "ttl": 86400},
            ],
            "whois": "Domain Name: EXAMPLE.COM\nRegistrar: RESERVED-Internet Assigned Numbers\n",
            "reputation": 0,
            "tags": ["parked"],
            "total_votes": {"harmless": 5, "malicious": 0},
            "popularity_ranks": {"Cisco Umbrella": {"rank": 1837, "timestamp": 1711324800}},
        },
        url_engines({"Kaspersky": "clean", "Sophos": "clean", "Fortinet": "clean"}),
    )
}
URLS: dict[str, dict[str, Any]] = {
    PHISHING_URL: analysed(
        {
            "url": PHISHING_URL,
            "last_final_url": "https://login.malicious.example/account/verify.php?session=1",
            "title": "Sign in to your account",
            "last_http_response_code": 200,
            "categories": {"Forcepoint ThreatSeeker": "phishing and other frauds"},
            "first_submission_date": 1711290000,
            "last_submission_date": 1711378790,
            "times_submitted": 4,
            "reputation": -8,
            "tags": ["external-resources"],
            "total_votes": {"harmless": 0, "malicious": 3},
        },
        url_engines({"Google Safebrowsing": "phishing", "Sophos": "phishing", "Avira": "clean"}),
    )
}
FILE_ENGINES = {
    "Microsoft": "Virus:DOS/EICAR_Test_File",
    "ClamAV": "Win.Test.EICAR_HDB-1",
    "Kaspersky": "EICAR-Test-File",
    "Zoner": None,
}
EICAR_REPORT = analysed(
    EICAR
    | {
        "size": 68,
        "type_description": "Text",
        "type_tag": "text",
        "magic": "ASCII text, with no line terminators",
        "meaningful_name": "eicar.com",
        "names": ["eicar.com", "eicar.com.txt", "eicar_com.zip"],
        "first_submission_date": 1148301722,
        "last_submission_date": 1711375412,
        "times_submitted": 1245318,
        "reputation": 3567,
        "tags": ["text", "attachment"],
        "total_votes": {"harmless": 1047, "malicious": 52},
    },
    {
        engine: {
            "category": "malicious" if result else "undetected",
            "engine_name": engine,
            "engine_version": "1.0.0",
            "engine_update": "20240325",
            "method": "blacklist",
            "result": result,
        }
        for engine, result in FILE_ENGINES.items()
    },
)


def error(status: int, code: str, message: str) -> tuple[Response, int]:
    """VirusTotal's error shape."""
    return jsonify(error={"code": code, "message": message}), status


def found(kind: str, object_id: str, collection: str, attributes: dict[str, Any]) -> Response:
    return jsonify(
        data={
            "id": object_id,
            "type": kind,
            "links": {"self": f"{VT}/{collection}/{object_id}"},
            "attributes": attributes,
        }
    )


def fake_virustotal() -> Flask:
    app = Flask("fake-virustotal")
    calls: Counter[str] = Counter()

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        key = request.headers.get("x-apikey")
        if key is None:
            return error(401, "AuthenticationRequiredError", "X-Apikey header is missing")
        if key != KEY:
            return error(401, "WrongCredentialsError", "Wrong API key")
        return None

    @app.get("/api/v3/ip_addresses/<ip>")
    def ip_report(ip: str) -> Any:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return error(400, "InvalidArgumentError", f'"{ip}" is not a valid IP address')
        if ip == RATE_LIMITED_IP:
            calls[ip] += 1
            if calls[ip] % 2:
                response, status = error(429, "QuotaExceededError", "Quota exceeded")
                response.headers["Retry-After"] = "0"
                return response, status
        # Every valid address has a report; one VirusTotal knows little about is sparse.
        known = IPS.get(str(address), {})
        results = url_engines(IP_RESULTS.get(str(address), {"Kaspersky": "unrated"}))
        return found("ip_address", str(address), "ip_addresses", analysed(known, results))

    @app.get("/api/v3/domains/<domain>")
    def domain_report(domain: str) -> Any:
        if domain.lower() not in DOMAINS:
            return error(404, "NotFoundError", f'Domain "{domain}" not found')
        return found("domain", domain.lower(), "domains", DOMAINS[domain.lower()])

    @app.get("/api/v3/urls/<url_id>")
    def url_report(url_id: str) -> Any:
        # An identifier is the URL's unpadded URL-safe base64, or the SHA-256 VirusTotal gives.
        by_sha256 = {hashlib.sha256(url.encode()).hexdigest(): url for url in URLS}
        url = by_sha256.get(url_id)
        if url is None:
            try:
                url = base64.urlsafe_b64decode(url_id + "=" * (-len(url_id) % 4)).decode()
            except ValueError:
                url = ""
        if url not in URLS:
            return error(404, "NotFoundError", f'URL "{url_id}" not found')
        return found("url", hashlib.sha256(url.encode()).hexdigest(), "urls", URLS[url])

    @app.get("/api/v3/files/<file_hash>")
    def file_report(file_hash: str) -> Any:
        if file_hash.lower() not in EICAR.values():
            return error(404, "NotFoundError", f'File "{file_hash}" not found')
        return found("file", EICAR["sha256"], "files", EICAR_REPORT)

    return app


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    with serving(fake_virustotal()) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    return shipped_manifest("virustotal", fake_url)


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    key: str = KEY,
    sleep: Any = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        {"api_key": key},
        retry=RetryPolicy(),
        sleep=sleep,
    )


def url_id(url: str) -> str:
    """The identifier as the description tells a playbook to build it."""
    expression = "{{ item.url | base64_encode(urlsafe=true) | trim('=') }}"
    return str(evaluate(expression, {"item": {"url": url}}))


# One input per action that reaches a full report, for the tests that cover every action.
SAMPLES: dict[str, dict[str, Any]] = {
    "get_ip_report": {"ip": "203.0.113.66"},
    "get_domain_report": {"domain": "example.com"},
    "get_url_report": {"url_id": url_id(PHISHING_URL)},
    "get_file_report": {"hash": EICAR["sha256"]},
}


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


def test_the_shipped_manifest_talks_to_virustotal_only(tmp_path: Path) -> None:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert [p for p in registry.problems if "/virustotal/" in p.file] == []
    connection = registry.connectors["virustotal"].manifest["connection"]
    assert connection["base_url"] == VT
    assert connection["allowed_hosts"] == ["www.virustotal.com"]
    assert connection["auth"] == {
        "type": "api_key",
        "in": "header",
        "name": "x-apikey",
        "value": "{{ connection.api_key }}",
    }
    assert connection["fields"]["properties"]["api_key"]["writeOnly"] is True
    # Checked alone, so that another connector's problem cannot hide or fake this one's.
    assert "ok  virustotal 1.0.0: 4 actions" in checked_by_cli("virustotal", tmp_path)


def test_every_action_is_a_read_with_a_sample() -> None:
    manifest = ConnectorRegistry.load(SHIPPED_CONNECTORS).connectors["virustotal"].manifest
    effects = {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]}
    assert effects == dict.fromkeys(SAMPLES, ("read", True))


def test_ip_report(manifest: dict[str, Any]) -> None:
    outcome = run(manifest, "get_ip_report", {"ip": "203.0.113.66"})
    assert outcome.status == 200
    data = outcome.output["data"]
    assert (data["id"], data["type"]) == ("203.0.113.66", "ip_address")
    assert data["links"]["self"] == f"{VT}/ip_addresses/203.0.113.66"
    attributes = data["attributes"]
    assert (attributes["asn"], attributes["country"]) == (64511, "NL")
    assert attributes["last_analysis_stats"]["malicious"] == 2
    assert attributes["last_analysis_results"]["Kaspersky"]["result"] == "malware"
    assert attributes["reputation"] == -41


def test_an_ipv6_address_reaches_its_report(manifest: dict[str, Any]) -> None:
    data = run(manifest, "get_ip_report", {"ip": "2001:4860:4860::8888"}).output["data"]
    assert data["id"] == "2001:4860:4860::8888"
    assert data["attributes"]["network"] == "2001:4860::/32"


def test_an_address_virustotal_barely_knows_still_matches_the_schema(
    manifest: dict[str, Any],
) -> None:
    output = run(manifest, "get_ip_report", {"ip": "192.0.2.7"}).output
    assert "as_owner" not in output["data"]["attributes"]
    conforms(manifest, "get_ip_report", output)


def test_domain_report(manifest: dict[str, Any]) -> None:
    data = run(manifest, "get_domain_report", {"domain": "example.com"}).output["data"]
    assert (data["id"], data["type"]) == ("example.com", "domain")
    attributes = data["attributes"]
    assert attributes["registrar"] == "RESERVED-Internet Assigned Numbers Authority"
    assert attributes["categories"]["Sophos"] == "information technology"
    assert attributes["last_dns_records"][0] == {"type": "A", "value": "93.184.215.14", "ttl": 3600}
    assert attributes["last_analysis_stats"]["harmless"] == 3


def test_url_report_by_the_url_itself(manifest: dict[str, Any]) -> None:
    data = run(manifest, "get_url_report", {"url": PHISHING_URL}).output["data"]
    assert data["attributes"]["url"] == PHISHING_URL
    assert data["id"] == hashlib.sha256(PHISHING_URL.encode()).hexdigest()


def test_url_report_by_base64_id_or_by_sha256(manifest: dict[str, Any]) -> None:
    identifier = url_id(PHISHING_URL)
    assert "=" not in identifier
    assert identifier == base64.urlsafe_b64encode(PHISHING_URL.encode()).decode().rstrip("=")
    data = run(manifest, "get_url_report", {"url_id": identifier}).output["data"]
    assert data["type"] == "url"
    assert data["attributes"]["url"] == PHISHING_URL
    assert data["attributes"]["title"] == "Sign in to your account"
    assert data["attributes"]["last_analysis_stats"]["malicious"] == 2
    again = run(manifest, "get_url_report", {"url_id": data["id"]}).output["data"]
    assert again["attributes"]["url"] == PHISHING_URL


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_file_report_by_any_hash(manifest: dict[str, Any], algorithm: str) -> None:
    data = run(manifest, "get_file_report", {"hash": EICAR[algorithm].upper()}).output["data"]
    assert (data["id"], data["type"]) == (EICAR["sha256"], "file")
    attributes = data["attributes"]
    assert attributes["meaningful_name"] == "eicar.com"
    assert attributes["size"] == 68
    assert attributes["last_analysis_stats"] == {
        "harmless": 0,
        "malicious": 3,
        "suspicious": 0,
        "undetected": 1,
        "timeout": 0,
    }
    assert attributes["last_analysis_results"]["Zoner"]["result"] is None


@pytest.mark.parametrize("action_id", sorted(SAMPLES))
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str
) -> None:
    output = run(manifest, action_id, SAMPLES[action_id]).output
    schema = manifest_action(manifest, action_id)["outputs"]
    assert missing_fields(schema, output) == []
    conforms(manifest, action_id, output)


def test_the_connection_test_call(manifest: dict[str, Any]) -> None:
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


def test_a_wrong_key_fails_with_401_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-key-that-must-not-leak-0000"
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_ip_report", {"ip": "8.8.8.8"}, key=wrong)
    assert failure.value.code == "http_error"
    assert failure.value.details["status"] == 401
    assert "WrongCredentialsError" in failure.value.details["body"]
    for secret in (wrong, KEY):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("get_file_report", {"hash": "0" * 64}),
        ("get_url_report", {"url_id": url_id("https://never-seen.example/")}),
        ("get_domain_report", {"domain": "never-seen.example"}),
    ],
)
def test_what_virustotal_does_not_know_is_404(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, action_id, inputs)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    assert "NotFoundError" in failure.value.details["body"]


def test_an_input_cannot_leave_its_path_segment(manifest: dict[str, Any]) -> None:
    # Were the slashes sent as they are, the path would lead to the EICAR file report.
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_ip_report", {"ip": "../files/" + EICAR["sha256"]})
    assert failure.value.code == "http_error"


def test_the_quota_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(manifest, "get_ip_report", {"ip": RATE_LIMITED_IP}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0], "Retry-After: 0 wins over the 7.5 s default"
    assert outcome.output["data"]["id"] == RATE_LIMITED_IP


def enrich_and_check() -> dict[str, Any]:
    """For each IP of an incident: VirusTotal's report, then, when engines flag it, AbuseIPDB."""
    return {
        "format": "soarflow.playbook/v1",
        "name": "Enrich incident IPs",
        "trigger": {"id": "incident", "type": "soarflow.incident_created"},
        "nodes": [
            {
                "id": "each_ip",
                "kind": "foreach",
                "items": "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | list }}",
            },
            {
                "id": "vt",
                "kind": "action",
                "parent": "each_ip",
                "branch": "body",
                "action": "virustotal.get_ip_report",
                "inputs": {"ip": "{{ item.address }}"},
            },
            {
                "id": "flagged",
                "kind": "condition",
                "parent": "each_ip",
                "branch": "body",
                "condition": {
                    "any": [
                        {
                            "left": "{{ steps.vt.output.data.attributes.last_analysis_stats"
                            ".malicious }}",
                            "op": "gt",
                            "right": 0,
                        },
                        {
                            "left": "{{ steps.vt.output.data.attributes.reputation }}",
                            "op": "lt",
                            "right": 0,
                        },
                    ]
                },
            },
            {
                "id": "abuse",
                "kind": "action",
                "parent": "flagged",
                "branch": "true",
                "action": "abuseipdb.check_ip",
                "inputs": {"ip": "{{ steps.vt.output.data.id }}", "max_age_in_days": 90},
            },
        ],
        "edges": [
            {"source": "incident", "target": "each_ip"},
            {"source": "each_ip", "target": "vt", "branch": "body"},
            {"source": "vt", "target": "flagged"},
            {"source": "flagged", "target": "abuse", "branch": "true"},
        ],
    }


def test_a_playbook_using_the_connectors_validates_against_the_registry() -> None:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert validate(enrich_and_check(), catalog=registry) == []

    typo = enrich_and_check()
    typo["nodes"][3]["inputs"]["ip"] = "{{ steps.vt.output.data.attributes.ip_adress }}"
    assert [p.code for p in validate(typo, catalog=registry)] == ["unknown_field"]

    out_of_range = enrich_and_check()
    out_of_range["nodes"][3]["inputs"]["max_age_in_days"] = 400
    assert [p.code for p in validate(out_of_range, catalog=registry)] == ["invalid_inputs"]
