"""The Microsoft Teams connector against a local fake of a Workflows trigger URL and of an
incoming webhook: the webhook URL called as it is, and only on Microsoft's hosts, the Adaptive
Card that is sent, the output, and the errors, which never show the URL's secret parts."""

from __future__ import annotations

import copy
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
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    checked_by_cli,
    fail_on_wait,
    local_session,
    manifest_action,
    missing_fields,
    serving,
)

FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
WORKFLOW = "3c1b6e7f0a2d4d7e9f1b2c3d4e5f6a7b"
# The fake answers this workflow with 429 every other time, as a throttled trigger does.
BUSY_WORKFLOW = "9e8d7c6b5a4f4e3d2c1b0a9f8e7d6c5b"
SIG = "Zk3_x-9AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
QUERY = f"api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
INCOMING = (
    "webhookb2/7a4e1c2b-1111-2222-3333-444455556666@9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff"
    "/IncomingWebhook/0123456789abcdef0123456789abcdef/5b6c7d8e-1234-5678-9abc-def012345678"
    "/V2AbCdEf-Gh_ijKlMnOp"
)
CARD = "application/vnd.microsoft.card.adaptive"


def logic_error(status: int, code: str, message: str) -> Any:
    """Logic Apps' error shape."""
    return jsonify(error={"code": code, "message": message}), status


def is_card_message(payload: Any) -> bool:
    try:
        [attachment] = payload["attachments"]
        content = attachment["content"]
    except (KeyError, TypeError, ValueError):
        return False
    return (
        payload.get("type") == "message"
        and attachment["contentType"] == CARD
        and content["type"] == "AdaptiveCard"
        and bool(content["body"])
    )


def fake_teams(received: list[dict[str, Any]]) -> Flask:
    """The fake; it appends every request it is sent to `received`."""
    app = Flask("fake-teams")
    calls: Counter[str] = Counter()

    @app.before_request
    def record() -> None:
        received.append(
            {
                "path": request.path,
                "query": request.args.to_dict(),
                "raw_query": request.query_string.decode(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True),
            }
        )

    @app.post("/workflows/<workflow>/triggers/manual/paths/invoke")
    def workflow_trigger(workflow: str) -> Any:
        if workflow not in (WORKFLOW, BUSY_WORKFLOW):
            return logic_error(
                404, "WorkflowNotFound", f"The workflow '{workflow}' could not be found."
            )
        if "sig" not in request.args:
            return logic_error(
                401,
                "DirectApiAuthorizationRequired",
                "The request must be authenticated only by Shared Access scheme.",
            )
        expected = {
            "api-version": "2016-06-01",
            "sp": "/triggers/manual/run",
            "sv": "1.0",
            "sig": SIG,
        }
        # Other query parameters are the workflow's own (it reads them as the trigger's
        # queries); only the shared access signature's are checked.
        if {key: request.args.get(key) for key in expected} != expected:
            return logic_error(
                401,
                "DirectApiInvalidAuthorizationSignature",
                "The provided authorization signature is not valid.",
            )
        if workflow == BUSY_WORKFLOW:
            calls[workflow] += 1
            if calls[workflow] % 2:
                response, status = logic_error(
                    429, "WorkflowRequestsThrottled", "The workflow is throttled."
                )
                response.headers["Retry-After"] = "0"
                return response, status
        return "", 202

    @app.post("/webhookb2/<path:rest>")
    def incoming_webhook(rest: str) -> Response:
        if f"webhookb2/{rest}" != INCOMING:
            return Response("Webhook Bad Request - Null or empty event", 400)
        if not is_card_message(request.get_json(silent=True)):
            return Response("Bad payload received by generic incoming webhook.", 400)
        return Response("1", 200, mimetype="text/plain")

    return app


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def fake_url(received: list[dict[str, Any]]) -> Iterator[str]:
    with serving(fake_teams(received)) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(registry: ConnectorRegistry) -> dict[str, Any]:
    """The shipped manifest with the fake's host allowed; base_url stays, since it is the
    webhook URL of the connection."""
    manifest = copy.deepcopy(dict(registry.connectors["microsoft_teams"].manifest))
    manifest["connection"]["allowed_hosts"] = ["127.0.0.1"]
    return manifest


def post(
    manifest: dict[str, Any], webhook_url: str, inputs: dict[str, Any], sleep: Any = fail_on_wait
) -> Outcome:
    return call_action(
        manifest=manifest,
        action=manifest_action(manifest, "post_message"),
        inputs=inputs,
        connection={"webhook_url": webhook_url},
        session=local_session(),
        retry=FAST,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], output: Any) -> None:
    schema = manifest_action(manifest, "post_message")["outputs"]
    Draft202012Validator(schema).validate(output)
    assert missing_fields(schema, output) == []


FULL = {
    "title": "Emotet on WS-0142",
    "text": "Defender isolated **WS-0142**; user _jdoe_ signed out.",
    "facts": [{"title": "Severity", "value": "High"}, {"title": "Host", "value": "WS-0142"}],
    "link_url": "https://soar.example/runs/42",
    "link_title": "Open the run",
}


def test_the_shipped_manifest(registry: ConnectorRegistry, tmp_path: Path) -> None:
    assert [p for p in registry.problems if "/microsoft_teams/" in p.file] == []
    manifest = registry.connectors["microsoft_teams"].manifest
    connection = manifest["connection"]
    assert connection["auth"] == {"type": "none"}
    assert connection["allowed_hosts"] == [
        "*.webhook.office.com",
        "*.logic.azure.com",
        "*.powerplatform.com",
    ]
    assert connection["fields"]["properties"]["webhook_url"]["writeOnly"] is True
    [action] = manifest["actions"]
    assert (action["side_effects"], action["idempotent"]) == ("write", False)
    assert "ok  microsoft_teams 1.0.0: 1 action" in checked_by_cli("microsoft_teams", tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        f"https://prod-12.westeurope.logic.azure.com:443/workflows/{WORKFLOW}"
        f"/triggers/manual/paths/invoke?{QUERY}",
        "https://default0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c.5d.environment.api.powerplatform.com:443"
        f"/powerautomate/automations/direct/workflows/{WORKFLOW}/triggers/manual/paths/invoke"
        f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}",
        f"https://acme.webhook.office.com/{INCOMING}",
    ],
)
def test_the_connection_takes_microsofts_webhook_urls(
    registry: ConnectorRegistry, url: str
) -> None:
    fields = registry.connectors["microsoft_teams"].manifest["connection"]["fields"]
    assert Draft202012Validator(fields).is_valid({"webhook_url": url})


@pytest.mark.parametrize(
    "url",
    [
        f"http://acme.webhook.office.com/{INCOMING}",
        f"https://acme.webhook.office.com.attacker.example/{INCOMING}",
        f"https://acme.webhook.office.com@attacker.example/{INCOMING}",
        f"https://attacker.example/?x=.webhook.office.com/{INCOMING}",
        "https://webhook.office.com/webhookb2/x",
        f"https://hooks.slack.com/services/{INCOMING}",
        "https://127.0.0.1/workflows/x",
    ],
)
def test_the_connection_refuses_other_urls(registry: ConnectorRegistry, url: str) -> None:
    fields = registry.connectors["microsoft_teams"].manifest["connection"]["fields"]
    assert not Draft202012Validator(fields).is_valid({"webhook_url": url})


def test_a_card_to_a_workflow(
    manifest: dict[str, Any], fake_url: str, received: list[dict[str, Any]]
) -> None:
    url = f"{fake_url}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?{QUERY}"
    outcome = post(manifest, url, FULL)
    sent = received[-1]
    assert sent["path"] == f"/workflows/{WORKFLOW}/triggers/manual/paths/invoke"
    assert sent["raw_query"] == QUERY, "the query is sent as it was given, %2F and all"
    assert sent["query"] == {
        "api-version": "2016-06-01",
        "sp": "/triggers/manual/run",
        "sv": "1.0",
        "sig": SIG,
    }
    assert sent["headers"]["content-type"] == "application/json"
    assert "authorization" not in sent["headers"]
    assert sent["body"] == {
        "type": "message",
        "attachments": [
            {
                "contentType": CARD,
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "msteams": {"width": "Full"},
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "Emotet on WS-0142",
                            "size": "Large",
                            "weight": "Bolder",
                            "wrap": True,
                        },
                        {"type": "TextBlock", "text": FULL["text"], "wrap": True},
                        {"type": "FactSet", "facts": FULL["facts"]},
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open the run",
                            "url": "https://soar.example/runs/42",
                        }
                    ],
                },
            }
        ],
    }
    assert outcome.output == {"status": 202}
    conforms(manifest, outcome.output)


def test_a_workflow_url_keeps_all_its_query_parameters(
    manifest: dict[str, Any], fake_url: str, received: list[dict[str, Any]]
) -> None:
    query = (
        f"api-version=2016-06-01&source=soar%20flow&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
    )
    url = f"{fake_url}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?{query}"
    assert post(manifest, url, {"text": "x"}).output == {"status": 202}
    assert received[-1]["raw_query"] == query
    assert received[-1]["query"]["source"] == "soar flow"


def test_the_url_goes_to_microsofts_hosts_only(
    registry: ConnectorRegistry, fake_url: str, received: list[dict[str, Any]]
) -> None:
    shipped = registry.connectors["microsoft_teams"].manifest
    url = f"{fake_url}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?{QUERY}"
    before = len(received)
    with pytest.raises(ActionFailed) as failure:
        post(dict(shipped), url, {"text": "x"})
    assert failure.value.code == "credentials_refused"
    assert len(received) == before, "nothing was sent"
    assert SIG not in failure.value.message


def test_a_card_with_only_a_text(
    manifest: dict[str, Any], fake_url: str, received: list[dict[str, Any]]
) -> None:
    url = f"{fake_url}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?{QUERY}"
    post(manifest, url, {"text": 'Quotes " and <tags> & \\ stay text', "link_url": ""})
    content = received[-1]["body"]["attachments"][0]["content"]
    assert content["body"] == [
        {"type": "TextBlock", "text": 'Quotes " and <tags> & \\ stay text', "wrap": True}
    ]
    assert content["actions"] == []


def test_a_card_to_an_incoming_webhook(
    manifest: dict[str, Any], fake_url: str, received: list[dict[str, Any]]
) -> None:
    outcome = post(manifest, f"{fake_url}/{INCOMING}", FULL | {"link_title": ""})
    sent = received[-1]
    assert (sent["path"], sent["query"]) == (f"/{INCOMING}", {})
    assert sent["body"]["attachments"][0]["content"]["actions"][0]["title"] == "Open"
    assert outcome.output == {"status": 200}
    conforms(manifest, outcome.output)


def test_a_wrong_signature_is_a_401_without_the_signature(
    manifest: dict[str, Any], fake_url: str
) -> None:
    wrong = "wrongSignatureThatMustNotLeak0000000000000"
    url = f"{fake_url}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?{QUERY}"
    with pytest.raises(ActionFailed) as failure:
        post(manifest, url.replace(SIG, wrong), {"text": "x"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 401)
    assert "DirectApiInvalidAuthorizationSignature" in failure.value.details["body"]
    for secret in (wrong, SIG):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


def test_an_unknown_workflow_is_a_404(manifest: dict[str, Any], fake_url: str) -> None:
    url = f"{fake_url}/workflows/00000000000000000000000000000000/triggers/manual/paths/invoke"
    with pytest.raises(ActionFailed) as failure:
        post(manifest, f"{url}?{QUERY}", {"text": "x"})
    assert failure.value.details["status"] == 404
    assert "WorkflowNotFound" in failure.value.details["body"]


@pytest.mark.parametrize(
    ("path", "status", "secrets"),
    [
        (
            "/workflows/00000000000000000000000000000000/triggers/manual/paths/invoke"
            f"?{QUERY}&source=x",
            404,
            [SIG],
        ),
        (
            "/webhookb2/7a4e1c2b-unknown/IncomingWebhook/0badc0de/V2UnknownSecretPart",
            400,
            ["/webhookb2/7a4e1c2b-unknown", "V2UnknownSecretPart"],
        ),
    ],
)
def test_a_step_error_never_shows_the_urls_secret_parts(
    manifest: dict[str, Any], fake_url: str, path: str, status: int, secrets: list[str]
) -> None:
    url = fake_url + path
    with pytest.raises(ActionFailed) as failure:
        post(manifest, url, {"text": "x"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", status)
    for secret in [url, *secrets]:
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)
    if "?" not in url:
        # An incoming webhook's secret is its path, which the message would show: the executor
        # masks the connection's writeOnly value (the whole URL) and the pieces of it.
        assert failure.value.message == f"POST *** answered {status}"


def test_a_throttled_workflow_is_retried_after_retry_after(
    manifest: dict[str, Any], fake_url: str
) -> None:
    waits: list[float] = []
    url = f"{fake_url}/workflows/{BUSY_WORKFLOW}/triggers/manual/paths/invoke?{QUERY}"
    outcome = post(manifest, url, {"text": "x"}, sleep=waits.append)
    assert (outcome.status, outcome.attempts, waits) == (202, 2, [0.0])


@pytest.mark.parametrize(
    "inputs",
    [
        {"title": "no text"},
        {"text": ""},
        {"text": "x", "facts": [{"title": "Severity"}]},
        {"text": "x", "link_url": "javascript:alert(1)"},
    ],
)
def test_the_input_schema_refuses_what_teams_would(
    manifest: dict[str, Any], inputs: dict[str, Any]
) -> None:
    schema = manifest_action(manifest, "post_message")["inputs"]
    assert not Draft202012Validator(schema).is_valid(inputs)
