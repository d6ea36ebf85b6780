"""The Jira Cloud connector against a local fake of REST API v3: issues, comments and
transitions through the executor with the shipped manifest, what is sent (Atlassian Document
Format from plain text), outputs that match their declared schema field for field, and
Jira's errors."""

from __future__ import annotations

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
    run_action,
    serving,
    shipped_manifest,
)

EMAIL = "soar-bot@acme.example"
TOKEN = "ATATT3xFfGF0-jira-test-token-9f8e7d6c5b4a3210"
CONNECTION = {"site": "acme", "email": EMAIL, "api_token": TOKEN}
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
# The fake answers a comment on this issue with 429 every other time, as Jira's rate limit does.
RATE_LIMITED_ISSUE = "SOC-429"
ISSUES = {"SOC-42": "10042", RATE_LIMITED_ISSUE: "10429"}
PROJECTS = {"SOC"}
ISSUE_TYPES = {"Task", "Bug", "Incident"}
PRIORITIES = {"Highest", "High", "Medium", "Low", "Lowest"}
RESOLUTIONS = {"Done", "Won't Do", "Duplicate"}
BOT = {
    "self": "https://acme.atlassian.net/rest/api/3/user?accountId=712020:5b10ac8d82e05b22cc7d4ef5",
    "accountId": "712020:5b10ac8d82e05b22cc7d4ef5",
    "emailAddress": EMAIL,
    "avatarUrls": {"48x48": "https://avatar-management.example/default/48"},
    "displayName": "SOAR Bot",
    "active": True,
    "timeZone": "Europe/Berlin",
    "accountType": "atlassian",
}


def status(id_: str, name: str, category: str) -> dict[str, Any]:
    names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
    return {
        "self": f"https://acme.atlassian.net/rest/api/3/status/{id_}",
        "description": "",
        "iconUrl": "https://acme.atlassian.net/images/icons/statuses/generic.png",
        "name": name,
        "id": id_,
        "statusCategory": {
            "self": f"https://acme.atlassian.net/rest/api/3/statuscategory/{category}",
            "id": {"new": 2, "indeterminate": 4, "done": 3}[category],
            "key": category,
            "colorName": {"new": "blue-gray", "indeterminate": "yellow", "done": "green"}[category],
            "name": names[category],
        },
    }


TRANSITIONS = [
    {
        "id": "21",
        "name": "Start Progress",
        "to": status("3", "In Progress", "indeterminate"),
        "hasScreen": False,
        "isGlobal": False,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    },
    {
        "id": "31",
        "name": "Done",
        "to": status("10001", "Done", "done"),
        "hasScreen": True,
        "isGlobal": True,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    },
]


def jira_error(code: int, messages: list[str], errors: dict[str, str] | None = None) -> Any:
    """Jira's error shape."""
    return jsonify(errorMessages=messages, errors=errors or {}), code


def no_issue() -> Any:
    return jira_error(404, ["Issue does not exist or you do not have permission to see it."])


def is_adf(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and document.get("type") == "doc"
        and document.get("version") == 1
        and all(
            block["type"] == "paragraph"
            and [node["type"] for node in block["content"]] == ["text"]
            and block["content"][0]["text"]
            for block in document.get("content", [])
        )
    )


def fake_jira(received: list[dict[str, Any]]) -> Flask:
    """The fake; it appends every request it is sent to `received`."""
    app = Flask("fake-jira")
    calls: Counter[str] = Counter()

    @app.before_request
    def authenticate() -> Any:
        received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True),
            }
        )
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (EMAIL, TOKEN):
            return Response("Client must be authenticated to access this resource.", 401)
        return None

    @app.get("/rest/api/3/myself")
    def myself() -> Any:
        return jsonify(BOT)

    @app.post("/rest/api/3/issue")
    def create_issue() -> Any:
        fields = (request.get_json(silent=True) or {}).get("fields", {})
        errors: dict[str, str] = {}
        if fields.get("project", {}).get("key") not in PROJECTS:
            errors["project"] = "Specify a valid project ID or key"
        if fields.get("issuetype", {}).get("name") not in ISSUE_TYPES:
            errors["issuetype"] = "Specify a valid issue type"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if "description" in fields and not is_adf(fields["description"]):
            errors["description"] = "Operation value must be an Atlassian Document."
        if "priority" in fields and fields["priority"].get("name") not in PRIORITIES:
            errors["priority"] = "Specify the Priority (name) in the string format"
        if errors:
            return jira_error(400, [], errors)
        issue_id = str(10100 + calls["created"])
        calls["created"] += 1
        self_url = f"{request.host_url}rest/api/3/issue/{issue_id}"
        return jsonify(
            {"id": issue_id, "key": f"SOC-{int(issue_id) - 10000}", "self": self_url}
        ), 201

    @app.post("/rest/api/3/issue/<key>/comment")
    def add_comment(key: str) -> Any:
        if key not in ISSUES and key not in ISSUES.values():
            return no_issue()
        if key == RATE_LIMITED_ISSUE:
            calls[key] += 1
            if calls[key] % 2:
                response, code = jira_error(429, ["Rate limit exceeded."])
                response.headers["Retry-After"] = "0"
                return response, code
        body = (request.get_json(silent=True) or {}).get("body")
        if not is_adf(body):
            return jira_error(400, [], {"comment": "Comment body is not valid!"})
        if not body["content"]:
            return jira_error(400, [], {"comment": "Comment body can not be empty!"})
        issue_id = ISSUES.get(key, key)
        author = {k: v for k, v in BOT.items() if k != "emailAddress"}
        return jsonify(
            {
                "self": f"{request.host_url}rest/api/3/issue/{issue_id}/comment/10500",
                "id": "10500",
                "author": author,
                "body": body,
                "updateAuthor": author,
                "created": "2024-03-25T14:05:02.114+0000",
                "updated": "2024-03-25T14:05:02.114+0000",
                "jsdPublic": True,
            }
        ), 201

    @app.get("/rest/api/3/issue/<key>/transitions")
    def transitions(key: str) -> Any:
        if key not in ISSUES:
            return no_issue()
        return jsonify(expand="transitions", transitions=TRANSITIONS)

    @app.post("/rest/api/3/issue/<key>/transitions")
    def transition(key: str) -> Any:
        if key not in ISSUES:
            return no_issue()
        sent = request.get_json(silent=True) or {}
        chosen = str(sent.get("transition", {}).get("id"))
        if chosen not in {t["id"] for t in TRANSITIONS}:
            return jira_error(400, [f"Transition id '{chosen}' is not valid for this issue."])
        resolution = sent.get("fields", {}).get("resolution")
        if resolution is not None and resolution.get("name") not in RESOLUTIONS:
            return jira_error(400, [], {"resolution": "Resolution name not found"})
        return "", 204

    return app


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def fields_schema(registry: ConnectorRegistry) -> Draft202012Validator:
    return Draft202012Validator(registry.connectors["jira"].manifest["connection"]["fields"])


@pytest.fixture(scope="module")
def manifest(received: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    with serving(fake_jira(received)) as url:
        yield shipped_manifest("jira", url)


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    token: str = TOKEN,
    sleep: Any = fail_on_wait,
    idempotency_key: str | None = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        CONNECTION | {"api_token": token},
        retry=FAST,
        idempotency_key=idempotency_key,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        output
    )
    assert missing_fields(schema, output) == []


def paragraphs(*lines: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in lines
        ],
    }


def test_the_shipped_manifest_sends_credentials_to_atlassian_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/jira/" in p.file] == []
    manifest = registry.connectors["jira"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://{{ connection.site }}.atlassian.net/rest/api/3"
    assert connection["allowed_hosts"] == ["*.atlassian.net"]
    assert connection["auth"]["type"] == "basic"
    assert connection["fields"]["properties"]["api_token"]["writeOnly"] is True
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "create_issue": ("write", False),
        "add_comment": ("write", False),
        "get_transitions": ("read", True),
        "transition_issue": ("write", False),
    }
    assert "ok  jira 1.0.0: 4 actions" in checked_by_cli("jira", tmp_path)


@pytest.mark.parametrize("site", ["acme", "acme-security", "a1"])
def test_the_site_field_takes_site_names(fields_schema: Draft202012Validator, site: str) -> None:
    assert fields_schema.is_valid(CONNECTION | {"site": site})


@pytest.mark.parametrize(
    "site", ["", "evil.com/", "acme.atlassian.net", "attacker.example#", "-acme", "acme_1"]
)
def test_the_site_field_refuses_anything_that_would_change_the_host(
    fields_schema: Draft202012Validator, site: str
) -> None:
    assert not fields_schema.is_valid(CONNECTION | {"site": site})


def test_the_credentials_go_only_to_atlassian_whatever_the_site_says(
    registry: ConnectorRegistry,
) -> None:
    manifest = registry.connectors["jira"].manifest
    with pytest.raises(ActionFailed) as failure:
        call_action(
            manifest=manifest,
            action=manifest_action(manifest, "get_transitions"),
            inputs={"issue_key": "SOC-42"},
            connection=CONNECTION | {"site": "attacker.example/x?"},
            session=local_session(),
            retry=FAST,
        )
    assert failure.value.code == "credentials_refused"
    assert TOKEN not in failure.value.message


def test_create_issue_sends_only_what_was_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    outcome = run(
        manifest,
        "create_issue",
        {"project_key": "SOC", "summary": "Malware on WS-0142"},
        idempotency_key="run-1/create",
    )
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/rest/api/3/issue")
    assert sent["body"] == {
        "fields": {
            "project": {"key": "SOC"},
            "issuetype": {"name": "Task"},
            "summary": "Malware on WS-0142",
        }
    }
    assert sent["headers"]["accept"] == "application/json"
    assert sent["headers"]["idempotency-key"] == "run-1/create"
    output = outcome.output
    assert outcome.status == 201
    assert output["key"].startswith("SOC-")
    assert output["self"].endswith(f"/rest/api/3/issue/{output['id']}")
    assert output["url"] == output["self"].split("/rest/api/")[0] + f"/browse/{output['key']}"
    conforms(manifest, "create_issue", output)


def test_create_issue_with_every_field(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    description = (
        "Defender flagged <Trojan:Win32/Emotet> on WS-0142.\r\n"
        "\r\n"
        '  User "jdoe" & 3 more; path C:\\Users\\jdoe\\a.exe\n'
    )
    inputs = {
        "project_key": "SOC",
        "issue_type": "Incident",
        "summary": 'Emotet on WS-0142 ("jdoe")',
        "description": description,
        "labels": ["soarflow", "malware"],
        "priority": "High",
        "assignee_account_id": "5b10a2844c20165700ede21g",
    }
    output = run(manifest, "create_issue", inputs).output
    fields = received[-1]["body"]["fields"]
    assert fields["issuetype"] == {"name": "Incident"}
    assert fields["summary"] == 'Emotet on WS-0142 ("jdoe")'
    assert fields["description"] == paragraphs(
        "Defender flagged <Trojan:Win32/Emotet> on WS-0142.",
        '  User "jdoe" & 3 more; path C:\\Users\\jdoe\\a.exe',
    )
    assert fields["labels"] == ["soarflow", "malware"]
    assert fields["priority"] == {"name": "High"}
    assert fields["assignee"] == {"accountId": "5b10a2844c20165700ede21g"}
    conforms(manifest, "create_issue", output)


def test_empty_optional_fields_are_left_out(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    inputs = {"project_key": "SOC", "summary": "s", "issue_type": "", "description": " \n\r\n"}
    run(manifest, "create_issue", inputs | {"priority": "", "assignee_account_id": ""})
    assert set(received[-1]["body"]["fields"]) == {"project", "issuetype", "summary"}
    assert received[-1]["body"]["fields"]["issuetype"] == {"name": "Task"}


def test_a_bad_project_is_a_400_naming_the_field(manifest: dict[str, Any]) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "create_issue", {"project_key": "NOPE", "summary": "s", "priority": "P0"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 400)
    assert '"project":"Specify a valid project ID or key"' in failure.value.details["body"]
    assert '"priority"' in failure.value.details["body"]


def test_add_comment(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    comment = "Contained by soarflow.\nMachine isolated at 14:05 UTC."
    outcome = run(manifest, "add_comment", {"issue_key": "SOC-42", "comment": comment})
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/rest/api/3/issue/SOC-42/comment")
    assert sent["body"] == {
        "body": paragraphs("Contained by soarflow.", "Machine isolated at 14:05 UTC.")
    }
    output = outcome.output
    assert (outcome.status, output["id"]) == (201, "10500")
    assert output["author"]["displayName"] == "SOAR Bot"
    assert output["body"] == sent["body"]["body"]
    conforms(manifest, "add_comment", output)


def test_a_comment_on_an_issue_by_id(manifest: dict[str, Any]) -> None:
    output = run(manifest, "add_comment", {"issue_key": "10042", "comment": "x"}).output
    assert "/issue/10042/comment/" in output["self"]


def test_an_unknown_issue_is_a_404(manifest: dict[str, Any]) -> None:
    for action_id, inputs in (
        ("add_comment", {"issue_key": "SOC-999", "comment": "x"}),
        ("get_transitions", {"issue_key": "SOC-999"}),
        ("transition_issue", {"issue_key": "SOC-999", "transition_id": "31"}),
    ):
        with pytest.raises(ActionFailed) as failure:
            run(manifest, action_id, inputs)
        assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
        assert "Issue does not exist" in failure.value.details["body"]


def test_an_issue_key_cannot_reach_another_endpoint(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "get_transitions", {"issue_key": "../../myself?x="})
    assert failure.value.details["status"] == 404
    assert received[-1]["path"] == "/rest/api/3/issue/../../myself?x=/transitions"


def test_transition_an_issue_by_the_name_of_its_transition(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    listed = run(manifest, "get_transitions", {"issue_key": "SOC-42"}).output
    assert received[-1]["method"] == "GET"
    conforms(manifest, "get_transitions", listed)
    [done] = [t["id"] for t in listed["transitions"] if t["name"] == "Done"]
    outcome = run(
        manifest,
        "transition_issue",
        {"issue_key": "SOC-42", "transition_id": done, "resolution": "Won't Do"},
    )
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/rest/api/3/issue/SOC-42/transitions")
    assert sent["body"] == {
        "transition": {"id": "31"},
        "fields": {"resolution": {"name": "Won't Do"}},
    }
    assert outcome.output == {"status": 204}
    conforms(manifest, "transition_issue", outcome.output)


def test_a_transition_without_a_resolution_sends_no_fields(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    run(manifest, "transition_issue", {"issue_key": "SOC-42", "transition_id": "21"})
    assert received[-1]["body"] == {"transition": {"id": "21"}, "fields": {}}


def test_a_transition_the_issue_does_not_offer_is_a_400(manifest: dict[str, Any]) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "transition_issue", {"issue_key": "SOC-42", "transition_id": "99"})
    assert failure.value.details["status"] == 400
    assert "Transition id '99' is not valid" in failure.value.details["body"]


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}

    def call(token: str) -> Outcome:
        return call_action(
            manifest=manifest,
            action=test,
            inputs={},
            connection=CONNECTION | {"api_token": token},
            session=local_session(),
            retry=FAST,
        )

    assert call(TOKEN).output["accountId"] == BOT["accountId"]
    assert received[-1]["path"] == "/rest/api/3/myself"
    with pytest.raises(ActionFailed) as failure:
        call("not-the-token")
    assert failure.value.details["status"] == 401


def test_a_wrong_token_fails_with_401_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-jira-token-that-must-not-leak"
    with pytest.raises(ActionFailed) as failure:
        run(manifest, "create_issue", {"project_key": "SOC", "summary": "s"}, token=wrong)
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 401)
    assert "must be authenticated" in failure.value.details["body"]
    for secret in (wrong, TOKEN):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


def test_the_rate_limit_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = run(
        manifest,
        "add_comment",
        {"issue_key": RATE_LIMITED_ISSUE, "comment": "x"},
        sleep=waits.append,
    )
    assert (outcome.status, outcome.attempts) == (201, 2)
    assert waits == [0.0]


@pytest.mark.parametrize(
    ("action_id", "inputs"),
    [
        ("create_issue", {"project_key": "soc", "summary": "s"}),
        ("create_issue", {"project_key": "SOC", "summary": "two\nlines"}),
        ("create_issue", {"project_key": "SOC", "summary": "s", "labels": ["has space"]}),
        ("add_comment", {"issue_key": "SOC-42/comment", "comment": "x"}),
        ("transition_issue", {"issue_key": "SOC-42", "transition_id": "Done"}),
    ],
)
def test_the_input_schemas_refuse_what_jira_would(
    manifest: dict[str, Any], action_id: str, inputs: dict[str, Any]
) -> None:
    schema = manifest_action(manifest, action_id)["inputs"]
    assert not Draft202012Validator(schema).is_valid(inputs)
