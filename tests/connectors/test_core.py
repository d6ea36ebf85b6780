"""The core connector's built-in actions, called the way the runtime will call them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, jsonify, redirect, request

from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.builtin import ActionContext, call_python_action
from soarflow.connectors.http import ActionFailed
from soarflow.expressions.fields import dynamic_fields
from soarflow.playbook import PlaybookGraph, validate
from soarflow.security.outbound import OutboundPolicy, guarded_session
from tests.connectors.fakes import local_session, serving

REGISTRY = ConnectorRegistry.load(REPO_ROOT / "connectors")
CORE = REGISTRY.connectors["core"].manifest


def run(action_id: str, inputs: dict[str, Any], context: ActionContext | None = None) -> Any:
    [action] = [a for a in CORE["actions"] if a["id"] == action_id]
    return call_python_action(
        action["python"], inputs, {}, context or ActionContext(local_session())
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[str]:
    app = Flask("http-fake")

    @app.post("/hook")
    def hook() -> Any:
        return jsonify(received=request.get_json(), agent=request.headers.get("User-Agent", ""))

    @app.post("/token")
    def token() -> Any:
        return jsonify(form=request.form.to_dict(), type=request.content_type)

    @app.post("/text")
    def text() -> Any:
        return jsonify(raw=request.get_data(as_text=True), type=request.content_type)

    @app.get("/missing")
    def missing() -> Any:
        return jsonify(error="nope"), 404

    @app.get("/to-metadata")
    def to_metadata() -> Any:
        return redirect("http://169.254.169.254/latest/meta-data/iam/")

    with serving(app) as url:
        yield url


def test_compose_join() -> None:
    assert run("compose", {"value": {"ips": ["1.2.3.4"]}}) == {"ips": ["1.2.3.4"]}
    assert run("join", {"items": ["a", 2, None, {"k": 1}], "separator": "; "}) == 'a; 2; ; {"k": 1}'


def test_tables_escape_their_cells() -> None:
    rows = [{"user": "<script>alert(1)</script>", "note": '=HYPERLINK("http://evil")'}]
    table = run("create_table", {"items": rows})
    assert "<script>" not in table
    assert "&lt;script&gt;" in table
    assert table.startswith("<table><thead><tr><th>user</th><th>note</th>")
    text = run("create_table", {"items": rows, "format": "csv", "columns": ["note", "user"]})
    assert text.splitlines() == [
        "note,user",
        '"\'=HYPERLINK(""http://evil"")",<script>alert(1)</script>',
    ]


def test_parse_json_checks_the_schema() -> None:
    schema = {"type": "object", "required": ["score"], "properties": {"score": {"type": "integer"}}}
    assert run("parse_json", {"content": '{"score": 7}', "schema": schema}) == {"score": 7}
    for content, code in (("{nope", "invalid_json"), ('{"score": "high"}', "schema_mismatch")):
        with pytest.raises(ActionFailed) as failure:
            run("parse_json", {"content": content, "schema": schema})
        assert failure.value.code == code


def test_response_refuses_what_would_break_the_answer() -> None:
    assert run("response", {}) == {"status_code": 200, "headers": {}, "body": None}
    given = {"status_code": 409, "headers": {"X-Reason": "dup"}, "body": {"id": 1}}
    assert run("response", given) == given
    for inputs, code in (
        ({"headers": {"Set-Cookie": "a=b"}}, "forbidden_header"),
        ({"headers": {"transfer-encoding": "chunked"}}, "forbidden_header"),
        ({"headers": {"Connection": "close"}}, "forbidden_header"),
        ({"headers": {"X-Split": "a\r\nSet-Cookie: a=b"}}, "forbidden_header"),
        ({"headers": {"Bad Name": "x"}}, "forbidden_header"),
        ({"status_code": 101}, "invalid_status"),
        ({"status_code": "200"}, "invalid_status"),
        ({"status_code": True}, "invalid_status"),
    ):
        with pytest.raises(ActionFailed) as failure:
            run("response", inputs)
        assert failure.value.code == code, inputs


def test_parse_json_schema_becomes_dynamic_fields() -> None:
    document = {
        "format": "soarflow.playbook/v1",
        "name": "parse",
        "trigger": {"id": "t", "type": "soarflow.webhook"},
        "nodes": [
            {
                "id": "parse",
                "kind": "action",
                "action": "core.parse_json",
                "inputs": {
                    "content": "{{ trigger.body }}",
                    "schema": {"type": "object", "properties": {"score": {"type": "integer"}}},
                },
            },
            {
                "id": "note",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "{{ steps.parse.output.score }}"},
            },
        ],
        "edges": [{"source": "t", "target": "parse"}, {"source": "parse", "target": "note"}],
    }
    assert validate(document, catalog=REGISTRY) == []
    graph = PlaybookGraph.from_document(document)
    node = graph.node("note")
    assert node is not None
    offered = {f.expression: f.type for f in dynamic_fields(graph, REGISTRY, node)}
    assert offered["{{ steps.parse.output.score }}"] == "integer"
    document["nodes"][1]["inputs"]["value"] = "{{ steps.parse.output.scor }}"
    assert [p.code for p in validate(document, catalog=REGISTRY)] == ["unknown_field"]


def test_select_fields_are_checked_per_item() -> None:
    """In Select's fields `item` is the item (of any shape); the rest of the scope is checked as
    anywhere else, and `item` in its list of items is still outside any loop."""
    fields = {
        "address": "{{ item.address }}",
        "incident": "{{ trigger.id }}",
        "kind": "ip",
        "nested": {"seen": "{{ item.seen | default(false) }}"},
    }
    document = {
        "format": "soarflow.playbook/v1",
        "name": "select",
        "trigger": {"id": "t", "type": "soarflow.incident_created"},
        "nodes": [
            {
                "id": "shaped",
                "kind": "action",
                "action": "core.select",
                "inputs": {"items": "{{ trigger.entities }}", "fields": fields},
            }
        ],
        "edges": [{"source": "t", "target": "shaped"}],
    }
    assert validate(document, catalog=REGISTRY) == []
    fields["incident"] = "{{ trigger.identifier }}"
    fields["nested"]["seen"] = "{{ steps.nowhere.output }}"
    document["nodes"][0]["inputs"]["items"] = "{{ item.entities }}"
    problems = {(p.code, p.path) for p in validate(document, catalog=REGISTRY)}
    assert problems == {
        ("unknown_reference", "$.nodes[0].inputs.items"),
        ("unknown_field", "$.nodes[0].inputs.fields.incident"),
        ("unknown_reference", "$.nodes[0].inputs.fields.nested.seen"),
    }


def test_http_request_through_the_guard(fake: str) -> None:
    answer = run("http_request", {"method": "POST", "url": f"{fake}/hook", "body": {"a": 1}})
    assert answer["status"] == 200
    assert answer["body"]["received"] == {"a": 1}
    with pytest.raises(ActionFailed) as failure:
        run("http_request", {"url": f"{fake}/missing"})
    assert (failure.value.code, failure.value.details["status"]) == ("http_error", 404)
    with pytest.raises(ActionFailed) as failure:
        run("http_request", {"url": f"{fake}/to-metadata"})
    assert failure.value.code == "blocked_destination"
    closed = ActionContext(guarded_session(OutboundPolicy()))
    with pytest.raises(ActionFailed) as failure:
        run("http_request", {"url": f"{fake}/hook"}, closed)
    assert failure.value.code == "blocked_destination", "loopback is refused unless allowed"


def test_http_request_sends_a_text_body_as_it_is(fake: str) -> None:
    """As Logic Apps does: a form built as text (a token request) arrives as that form."""
    form = "grant_type=client_credentials&client_secret=a~b.c&scope=https%3A%2F%2Fx%2F.default"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    inputs = {"method": "POST", "url": f"{fake}/token", "headers": headers, "body": form}
    answer = run("http_request", inputs)
    assert answer["body"] == {
        "form": {
            "grant_type": "client_credentials",
            "client_secret": "a~b.c",
            "scope": "https://x/.default",
        },
        "type": "application/x-www-form-urlencoded",
    }
    plain = run("http_request", {"method": "POST", "url": f"{fake}/text", "body": "héllo"})
    assert plain["body"] == {"raw": "héllo", "type": "text/plain; charset=utf-8"}


def test_a_failing_builtin_fails_the_step_not_the_worker() -> None:
    with pytest.raises(ActionFailed) as failure:
        run("join", {"items": None})
    assert failure.value.code == "action_error"
