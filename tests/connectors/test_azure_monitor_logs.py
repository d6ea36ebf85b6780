"""The Azure Monitor Logs connector against a local fake of Entra ID's token endpoint and of a
data collection endpoint: the records reach the rule's stream with a bearer token for the
Monitor scope, the secret goes only to the token endpoint, and Azure's refusals fail the step."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import SHIPPED_CONNECTORS, run_action, serving

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "3f1c2a9e-5b7d-4c8e-9a6f-0d2e4b6c8a1f"
SECRET = "Qx8~monitor-test-secret.Zp4uW2yVt6rS0nM1kL3jH5gF7dA9"
RULE = "dcr-0123456789abcdef0123456789abcdef"
TOKEN = "eyJ0eXAiOiJKV1QiLCJtb25pdG9yIjp0cnVlfQ.fake.token"
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)


@dataclass
class Monitor:
    received: list[dict[str, Any]] = field(default_factory=list)
    streams: set[str] = field(default_factory=lambda: {"Custom-VirusTotal_CL"})


def fake_monitor(monitor: Monitor) -> Flask:
    app = Flask("fake-azure-monitor")

    @app.post(f"/{TENANT}/oauth2/v2.0/token")
    def token() -> Any:
        form = request.form.to_dict()
        monitor.received.append({"path": request.path, "form": form})
        if form.get("client_secret") != SECRET:
            return jsonify(error="invalid_client"), 401
        return jsonify(access_token=TOKEN, token_type="Bearer", expires_in=3599)

    @app.post("/dataCollectionRules/<rule>/streams/<stream>")
    def ingest(rule: str, stream: str) -> Any:
        monitor.received.append(
            {
                "path": request.path,
                "query": request.args.to_dict(),
                "auth": request.headers.get("Authorization"),
                "body": request.get_json(silent=True),
            }
        )
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error={"code": "InvalidToken", "message": "no valid token"}), 401
        if rule != RULE or stream not in monitor.streams:
            message = f"Stream {stream} is not declared by the rule"
            return jsonify(error={"code": "InvalidStream", "message": message}), 400
        return Response(status=204)

    return app


@pytest.fixture(scope="module")
def monitor_server() -> Iterator[tuple[Monitor, str]]:
    monitor = Monitor()
    with serving(fake_monitor(monitor)) as url:
        yield monitor, url


@pytest.fixture
def monitor(monitor_server: tuple[Monitor, str]) -> Monitor:
    monitor_server[0].received.clear()
    return monitor_server[0]


@pytest.fixture(scope="module")
def manifest(monitor_server: tuple[Monitor, str]) -> dict[str, Any]:
    """The shipped manifest with its token endpoint and hosts on the fake."""
    shipped = ConnectorRegistry.load(SHIPPED_CONNECTORS).connectors["azure_monitor_logs"]
    changed = copy.deepcopy(dict(shipped.manifest))
    changed["connection"]["auth"]["token_url"] = (
        monitor_server[1] + "/{{ connection.tenant_id }}/oauth2/v2.0/token"
    )
    changed["connection"]["allowed_hosts"] = ["127.0.0.1"]
    return changed


def _connection(url: str) -> dict[str, str]:
    return {
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "endpoint": url,
        "rule_id": RULE,
    }


def test_records_reach_the_rules_stream_with_a_monitor_token(
    manifest: dict[str, Any], monitor: Monitor, monitor_server: tuple[Monitor, str]
) -> None:
    records = [{"ip": "203.0.113.9", "reputation": -3}, {"ip": "198.51.100.7", "reputation": 0}]
    outcome = run_action(
        manifest,
        "send_records",
        {"stream": "Custom-VirusTotal_CL", "records": records},
        _connection(monitor_server[1]),
        retry=FAST,
    )
    assert outcome.output == {"sent": 2}
    token_call, ingest = monitor.received
    assert token_call["form"]["scope"] == "https://monitor.azure.com/.default"
    assert ingest["path"] == f"/dataCollectionRules/{RULE}/streams/Custom-VirusTotal_CL"
    assert ingest["query"] == {"api-version": "2023-01-01"}
    assert ingest["body"] == records
    assert SECRET not in str(ingest)


def test_a_stream_the_rule_does_not_declare_fails_the_step(
    manifest: dict[str, Any], monitor: Monitor, monitor_server: tuple[Monitor, str]
) -> None:
    with pytest.raises(ActionFailed) as failed:
        run_action(
            manifest,
            "send_records",
            {"stream": "Custom-Nothing_CL", "records": [{"a": 1}]},
            _connection(monitor_server[1]),
            retry=FAST,
        )
    assert failed.value.details["status"] == 400
    assert "InvalidStream" in str(failed.value.details)


def test_the_connection_takes_only_azure_ingestion_endpoints() -> None:
    shipped = ConnectorRegistry.load(SHIPPED_CONNECTORS).connectors["azure_monitor_logs"]
    fields = Draft202012Validator(shipped.manifest["connection"]["fields"])
    good = _connection("https://soc-dce-a1b2.westeurope-1.ingest.monitor.azure.com")
    assert fields.is_valid(good)
    assert not fields.is_valid(
        {**good, "endpoint": "https://evil.example/ingest.monitor.azure.com"}
    )
    assert not fields.is_valid({**good, "rule_id": "dcr-not-hex"})
    assert shipped.manifest["connection"]["allowed_hosts"] == [
        "*.ingest.monitor.azure.com",
        "login.microsoftonline.com",
    ]
