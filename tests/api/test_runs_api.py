"""The runs API on SQLite and PostgreSQL: start by hand, read, list, cancel, resubmit, restart.

The app's executor is inline, so a run has reached its end (or its first wait) when the request
that starts it answers. Actions call real local fakes, through connectors/core and a VirusTotal
manifest pointed at the fake."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from soarflow.api.extensions import db_session
from soarflow.security.roles import Role
from soarflow.store import access
from tests.connectors.fakes import SHIPPED_CONNECTORS, serving, shipped_manifest
from tests.fixtures import manual_chain

SECRET = "vt-key-5f4e3d2c1b0a9f8e7d6c"
NO_TRIGGER: dict[str, Any] = {}


@dataclass
class Fake:
    """What the fake vendor saw, and whether /flaky answers 400 (else 200)."""

    url: str = ""
    failing: bool = False
    hits: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[Fake]:
    fake = Fake()
    app = Flask("runs-fake")

    @app.get("/ok")
    def ok() -> Any:
        fake.hits["ok"] += 1
        return jsonify(ok=True)

    @app.get("/flaky")
    def flaky() -> Any:
        fake.hits["flaky"] += 1
        return (jsonify(error="not yet"), 400) if fake.failing else jsonify(ok=True)

    @app.get("/api/v3/ip_addresses/<ip>")
    def ip_report(ip: str) -> Any:
        # A careless vendor that repeats the key it was sent.
        owner = f"looked up with {request.headers.get('x-apikey')}"
        return jsonify(data={"id": ip, "attributes": {"reputation": -3, "as_owner": owner}})

    with serving(app) as url:
        fake.url = url
        yield fake


@pytest.fixture
def fake(fake_server: Fake) -> Fake:
    fake_server.failing = False
    fake_server.hits.clear()
    return fake_server


@pytest.fixture
def connectors_dir(tmp_path: Path, fake_server: Fake) -> Path:
    """The shipped core connector, and VirusTotal's manifest with its connection on the fake."""
    folder = tmp_path / "connectors"
    for connector_id in ("core", "virustotal"):
        shutil.copytree(SHIPPED_CONNECTORS / connector_id, folder / connector_id)
    manifest = shipped_manifest("virustotal", fake_server.url)
    (folder / "virustotal" / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    return folder


def compose(node_id: str, value: Any) -> dict[str, Any]:
    return {"id": node_id, "action": "core.compose", "inputs": {"value": value}}


def get(node_id: str, url: str) -> dict[str, Any]:
    return {"id": node_id, "action": "core.http_request", "inputs": {"url": url}}


def create(client: FlaskClient, document: dict[str, Any]) -> str:
    response = client.post("/api/v1/playbooks", json=document)
    assert response.status_code == 201, response.json
    playbook_id: str = response.json["id"]
    return playbook_id


def start(client: FlaskClient, playbook_id: str, trigger: Any = NO_TRIGGER) -> dict[str, Any]:
    """Start a run; the run as GET shows it."""
    response = client.post(f"/api/v1/playbooks/{playbook_id}/runs", json={"trigger": trigger})
    assert response.status_code == 202, response.json
    return fetch(client, response.json["id"])


def fetch(client: FlaskClient, run_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/runs/{run_id}")
    assert response.status_code == 200, response.json
    run: dict[str, Any] = body(response)
    return run


def steps(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["key"]: step for step in run["steps"]}


def listed(client: FlaskClient, **query: str) -> list[str]:
    response = client.get("/api/v1/runs", query_string=query)
    assert response.status_code == 200, response.json
    return [run["id"] for run in response.json["data"]]


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.json
    assert set(body(response)) == {"error"}
    error: dict[str, Any] = response.json["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], dict)
    return error


def body(response: TestResponse) -> Any:
    """The JSON body: indexed directly by the tests, which fail loudly if it is missing."""
    assert response.is_json, response.get_data(as_text=True)
    return response.json


def moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


def test_a_manual_run_goes_to_its_end(client: FlaskClient, people: dict[Role, Any]) -> None:
    document = manual_chain(
        compose("greet", "hello {{ trigger.name }}"), compose("shout", "{{ steps.greet.output }}!")
    )
    playbook_id = create(client, document)
    response = client.post(
        f"/api/v1/playbooks/{playbook_id}/runs", json={"trigger": {"name": "soc"}}
    )
    assert response.status_code == 202
    run_id = response.json["id"]
    assert response.json == {"id": run_id, "status": "succeeded"}
    assert response.headers["Location"] == f"/api/v1/runs/{run_id}"

    run = body(client.get(response.headers["Location"]))
    assert (run["status"], run["error"], run["trigger_type"]) == ("succeeded", None, "manual")
    assert (run["playbook_id"], run["playbook_version"]) == (playbook_id, 1)
    assert run["trigger"] == {"name": "soc"}
    assert run["started_by"] == people[Role.OWNER].user_id
    assert run["resubmitted_from"] is None
    assert moment(run["created_at"]) <= moment(run["started_at"]) <= moment(run["ended_at"])
    by_key = steps(run)
    assert list(by_key) == ["t", "greet", "shout"]
    assert by_key["t"]["output"] == {"name": "soc"}
    greet, shout = by_key["greet"], by_key["shout"]
    assert (greet["status"], greet["attempts"], greet["error"]) == ("succeeded", 1, None)
    assert (greet["inputs"], greet["output"]) == ({"value": "hello soc"}, "hello soc")
    assert (shout["inputs"], shout["output"]) == ({"value": "hello soc!"}, "hello soc!")
    for step in (greet, shout):
        assert moment(step["started_at"]) <= moment(step["ended_at"])
        assert step["wake_at"] is None
    assert client.get(f"/api/v1/playbooks/{playbook_id}").json["runs_count"] == 1


def test_only_a_valid_playbook_that_exists_runs(client: FlaskClient) -> None:
    draft = manual_chain(compose("a", 1))
    del draft["trigger"]
    draft_id = create(client, draft)
    refused = assert_error(
        client.post(f"/api/v1/playbooks/{draft_id}/runs"), 409, "invalid_playbook"
    )
    assert "no_trigger" in {problem["code"] for problem in refused["details"]["problems"]}
    assert_error(client.post("/api/v1/playbooks/nope/runs", json={}), 404, "not_found")
    assert listed(client) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[]", "invalid_body"),
        (b'"trigger"', "invalid_body"),
        (b"null", "invalid_body"),
        (b'{"trigger": {}, "extra": 1}', "invalid_body"),
        (b'{"trigger": ', "invalid_json"),
    ],
    ids=["list", "text", "null", "extra key", "not json"],
)
def test_a_bad_start_body_is_refused(client: FlaskClient, body: bytes, code: str) -> None:
    playbook_id = create(client, manual_chain(compose("a", 1)))
    url = f"/api/v1/playbooks/{playbook_id}/runs"
    assert_error(client.post(url, data=body, content_type="application/json"), 400, code)
    assert listed(client) == []


def test_listing_filters_and_pages(client: FlaskClient) -> None:
    fine = create(client, manual_chain(compose("a", 1), name="fine"))
    doomed = manual_chain({"id": "end", "action": "core.terminate", "inputs": {"status": "failed"}})
    failing = create(client, doomed)
    first, second = start(client, fine)["id"], start(client, fine)["id"]
    third = start(client, failing)
    assert third["status"] == "failed"
    assert third["error"]["code"] == "terminated"

    assert listed(client) == [third["id"], second, first]
    assert listed(client, playbook=fine) == [second, first]
    assert listed(client, status="failed") == [third["id"]]
    assert listed(client, status="succeeded", playbook=failing) == []
    assert listed(client, trigger="manual") == [third["id"], second, first]
    assert listed(client, trigger="webhook") == []
    newest = moment(third["created_at"])
    elsewhere = newest.astimezone(timezone(timedelta(hours=2)))
    for since in (newest.isoformat(), elsewhere.isoformat()):
        assert listed(client, since=since) == [third["id"]], since
        assert listed(client, until=since) == [second, first], since
    assert listed(client, workspace="default", playbook=fine) == [second, first]

    page = client.get("/api/v1/runs", query_string={"limit": 2, "trigger": "manual"}).json
    assert (page["total"], [run["id"] for run in page["data"]]) == (3, [third["id"], second])
    rest = client.get(page["next"]).json
    assert ([run["id"] for run in rest["data"]], rest["next"]) == ([first], None)

    bad_status = client.get("/api/v1/runs?status=done")
    assert assert_error(bad_status, 400, "invalid_parameter")["details"]["parameter"] == "status"
    bad_since = client.get("/api/v1/runs?since=yesterday")
    assert assert_error(bad_since, 400, "invalid_parameter")["details"]["parameter"] == "since"


def test_a_run_in_another_workspace_is_invisible(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        session = db_session()
        elsewhere = access.create_workspace(session, name="elsewhere")
        user = access.create_user(session, name="elsewhere_owner", password_hash="x")
        access.set_role(session, user_id=user.id, workspace_id=elsewhere.id, role=Role.OWNER)
        _, token = access.create_token(
            session, user_id=user.id, workspace_id=elsewhere.id, name="elsewhere"
        )
        session.commit()
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    run_id = start(other, create(other, manual_chain(compose("a", 1))))["id"]

    assert listed(other) == [run_id]
    assert listed(client) == []
    assert_error(client.get(f"/api/v1/runs/{run_id}"), 404, "not_found")
    for action in ("cancel", "resubmit", "restart"):
        assert_error(client.post(f"/api/v1/runs/{run_id}/{action}"), 404, "not_found")
    assert_error(client.get(f"/api/v1/runs?workspace={elsewhere.id}"), 404, "not_found")
    assert listed(other) == [run_id]


def test_cancel_a_waiting_run(client: FlaskClient) -> None:
    wait = {"id": "wait", "action": "core.delay", "inputs": {"duration": "PT1H"}}
    playbook_id = create(client, manual_chain(wait, compose("after", 1)))
    waiting = start(client, playbook_id)
    assert waiting["status"] == "waiting"
    delay = steps(waiting)["wait"]
    assert delay["status"] == "waiting"
    hour = moment(delay["wake_at"]) - moment(delay["started_at"])
    assert timedelta(minutes=59) < hour <= timedelta(hours=1)

    cancelled = client.post(f"/api/v1/runs/{waiting['id']}/cancel")
    assert cancelled.status_code == 200
    run = body(cancelled)
    assert (run["status"], run["error"]["code"]) == ("cancelled", "cancelled")
    assert "owner_user" in run["error"]["message"]
    assert run["ended_at"] is not None
    by_key = steps(run)
    assert (by_key["wait"]["status"], by_key["wait"]["wake_at"]) == ("cancelled", None)
    assert "after" not in by_key
    assert fetch(client, run["id"]) == run

    again = assert_error(client.post(f"/api/v1/runs/{run['id']}/cancel"), 409, "run_ended")
    assert again["details"] == {"status": "cancelled"}
    restarted = client.post(f"/api/v1/runs/{run['id']}/restart")
    assert restarted.status_code == 200
    assert (restarted.json["status"], restarted.json["error"]) == ("waiting", None)
    assert steps(body(restarted))["wait"]["status"] == "waiting"


def test_resubmit_starts_a_new_run_with_the_same_trigger(client: FlaskClient) -> None:
    playbook_id = create(client, manual_chain(compose("echo", "{{ trigger.n }}")))
    original = start(client, playbook_id, {"n": 7})
    response = client.post(f"/api/v1/runs/{original['id']}/resubmit")
    assert response.status_code == 202
    again = fetch(client, response.json["id"])
    assert response.headers["Location"] == f"/api/v1/runs/{again['id']}"
    assert again["id"] != original["id"]
    assert again["resubmitted_from"] == original["id"]
    assert (again["trigger"], again["status"]) == ({"n": 7}, "succeeded")
    assert steps(again)["echo"]["output"] == 7
    assert listed(client) == [again["id"], original["id"]]


def test_restart_runs_again_what_failed_and_what_follows(client: FlaskClient, fake: Fake) -> None:
    document = manual_chain(
        get("first", f"{fake.url}/ok"),
        get("call", f"{fake.url}/flaky"),
        compose("after", "{{ steps.call.output.body.ok }}"),
    )
    playbook_id = create(client, document)
    fake.failing = True
    failed = start(client, playbook_id)
    assert failed["status"] == "failed"
    before = steps(failed)
    assert before["first"]["status"] == "succeeded"
    call = before["call"]
    assert (call["status"], call["attempts"], call["error"]["code"]) == ("failed", 1, "http_error")
    assert call["error"]["details"]["status"] == 400
    assert before["after"]["status"] == "skipped"

    fake.failing = False
    response = client.post(f"/api/v1/runs/{failed['id']}/restart")
    assert response.status_code == 200
    run = body(response)
    assert (run["id"], run["status"], run["error"]) == (failed["id"], "succeeded", None)
    after = steps(run)
    assert after["first"] == before["first"], "a step that succeeded is not run again"
    assert (after["call"]["status"], after["call"]["attempts"]) == ("succeeded", 1)
    assert (after["after"]["status"], after["after"]["output"]) == ("succeeded", True)
    assert fake.hits == Counter({"ok": 1, "flaky": 2})
    assert fetch(client, run["id"]) == run

    refused = assert_error(client.post(f"/api/v1/runs/{run['id']}/restart"), 409, "not_restartable")
    assert refused["details"] == {"status": "succeeded"}
    assert fake.hits == Counter({"ok": 1, "flaky": 2})


def test_secrets_never_appear_in_runs(client: FlaskClient, fake: Fake) -> None:
    connection = {"connector": "virustotal", "name": "vt-main", "fields": {"api_key": SECRET}}
    assert client.post("/api/v1/connections", json=connection).status_code == 201
    lookup = {
        "id": "vt",
        "action": "virustotal.get_ip_report",
        "connection": "vt-main",
        "inputs": {"ip": "{{ trigger.ip }}"},
    }
    run = start(client, create(client, manual_chain(lookup)), {"ip": "203.0.113.7"})
    assert run["status"] == "succeeded", run
    report = steps(run)["vt"]["output"]["data"]
    assert report["attributes"]["as_owner"] == "looked up with ***"
    for url in (f"/api/v1/runs/{run['id']}", "/api/v1/runs"):
        assert SECRET not in client.get(url).get_data(as_text=True)


ASK_FOR_AN_IP = {
    "type": "object",
    "required": ["ip"],
    "additionalProperties": False,
    "properties": {
        "ip": {"type": "string", "title": "IP address"},
        "reason": {"type": "string", "title": "Why"},
    },
}


def test_a_manual_trigger_describes_its_inputs_and_refuses_what_does_not_fit(
    client: FlaskClient,
) -> None:
    document = manual_chain(compose("echo", "{{ trigger.ip }} ({{ trigger.reason }})"))
    document["trigger"]["params"] = {"inputs": ASK_FOR_AN_IP}
    playbook_id = create(client, document)
    # The inputs are the trigger's dynamic fields, and a reference to another is a problem.
    fields = client.post(
        "/api/v1/playbooks/fields", json={"document": document, "node_id": "echo"}
    ).json["fields"]
    assert {"{{ trigger.ip }}", "{{ trigger.reason }}"} <= {f["expression"] for f in fields}
    document["nodes"][0]["inputs"]["value"] = "{{ trigger.host }}"
    problems = client.post("/api/v1/playbooks/validate", json=document).json["problems"]
    assert [problem["code"] for problem in problems] == ["unknown_field"]

    refused = client.post(
        f"/api/v1/playbooks/{playbook_id}/runs", json={"trigger": {"ip": 7, "port": 22}}
    )
    error = assert_error(refused, 422, "invalid_trigger_input")
    assert sorted(problem["path"] for problem in error["details"]["problems"]) == ["$", "$.ip"]
    assert listed(client, playbook=playbook_id) == []

    run = start(client, playbook_id, {"ip": "10.0.0.8", "reason": "phishing"})
    assert steps(run)["echo"]["output"] == "10.0.0.8 (phishing)"


def test_a_manual_trigger_whose_inputs_are_not_a_schema_is_a_problem(client: FlaskClient) -> None:
    document = manual_chain(compose("echo", 1))
    document["trigger"]["params"] = {"inputs": {"type": "text"}}
    problems = client.post("/api/v1/playbooks/validate", json=document).json["problems"]
    assert [(problem["code"], problem["path"]) for problem in problems] == [
        ("invalid_trigger", "$.trigger.params.inputs")
    ]
