"""The templates API on SQLite and PostgreSQL: the gallery, and deploying a template into a new
playbook that validates exactly as a saved one does. Every built-in template deploys into a
valid playbook; every wrong choice is refused with the field it concerns, and nothing is saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from soarflow.app import create_app
from soarflow.config import REPO_ROOT, Settings
from soarflow.playbook.connections import connection_references
from soarflow.security.roles import Role
from soarflow.templates.catalog import builtin_templates
from tests.api.test_access import Browser, new_workspace
from tests.api.test_openapi import fits, spec
from tests.conftest import loaded_registry
from tests.fixtures import Person

TEMPLATES = list(builtin_templates().values())
APP_ID = "00000000-0000-4000-8000-000000000001"
# Fields a person would type for a connection of each connector the templates use.
CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "virustotal": {"api_key": "vt-key"},
    "abuseipdb": {"api_key": "abuse-key"},
    "paloalto_panos": {"host": "fw01.corp.example", "api_key": "pan-key"},
    "email": {"host": "smtp.contoso.example", "from_address": "soarflow@contoso.example"},
    "microsoft_graph": {
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": APP_ID,
        "client_secret": "graph-secret",
    },
    "microsoft_defender": {
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": APP_ID,
        "client_secret": "mde-secret",
    },
    "servicenow": {"instance": "acme", "username": "soarflow", "password": "snow-password"},
    "jira": {"site": "acme", "email": "soc@acme.example", "api_token": "jira-token"},
    "slack": {"bot_token": "xoxb-1234-abcd"},
    "microsoft_teams": {"webhook_url": "https://contoso.webhook.office.com/webhookb2/abc"},
}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Playbooks checked against the shipped connectors, as a real server checks them (the
    shared fixture's small catalog has none of the templates' actions)."""
    connectors = REPO_ROOT / "connectors"
    settings = Settings(
        database_url,
        frontend_dir=tmp_path / "no-frontend",
        connectors_dir=connectors,
        var_dir=tmp_path / "var",
        executor="inline",
    )
    made = create_app(settings, registry=loaded_registry(connectors))
    made.config["TESTING"] = True
    yield made
    made.extensions["soarflow.engine"].dispose()


def make_connection(client: FlaskClient, connector: str, name: str, query: str = "") -> str:
    body = {"connector": connector, "name": name, "fields": CONNECTION_FIELDS[connector]}
    response = client.post(f"/api/v1/connections{query}", json=body)
    assert response.status_code == 201, response.json
    connection_id: str = response.json["id"]
    return connection_id


def deploy(client: FlaskClient, template_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/templates/{template_id}/deploy", json=body)


def playbook_count(client: FlaskClient) -> int:
    total: int = client.get("/api/v1/playbooks").json["total"]
    return total


def refusal(response: Any) -> tuple[int, str, str]:
    error = response.json["error"]
    return response.status_code, error["code"], error["details"]["field"]


def test_the_gallery_lists_every_template_without_its_document(
    client_for: Any,
) -> None:
    response = client_for(Role.READER).get("/api/v1/templates")
    assert response.status_code == 200
    listed = response.json["data"]
    assert response.json["total"] == len(listed) >= 12
    assert {item["id"] for item in listed} == set(builtin_templates())
    assert all("document" not in item for item in listed)
    seed = next(item for item in listed if item["id"] == "approve_then_block")
    assert seed["scenario"] == "orchestration"
    assert seed["connections"] == {
        "mail": "email",
        "firewall": "paloalto_panos",
        "entra-id": "microsoft_graph",
    }
    assert [parameter["name"] for parameter in seed["parameters"]] == ["approvers"]


def test_one_template_comes_with_its_document(client: FlaskClient) -> None:
    response = client.get("/api/v1/templates/isolate_machine")
    assert response.status_code == 200
    assert response.json["document"]["format"] == "soarflow.playbook/v1"
    missing = client.get("/api/v1/templates/no_such_template")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"


def test_every_template_deploys_into_a_valid_playbook(client: FlaskClient) -> None:
    connectors = {c for template in TEMPLATES for c in template.connections.values()}
    for connector in sorted(connectors):
        make_connection(client, connector, f"{connector}-main")
    for template in TEMPLATES:
        chosen = {own: f"{connector}-main" for own, connector in template.connections.items()}
        response = deploy(client, template.id, name=f"From {template.id}", connections=chosen)
        assert response.status_code == 201, (template.id, response.json)
        playbook = response.json
        assert (playbook["valid"], playbook["problems"]) == (True, []), template.id
        assert response.headers["Location"] == f"/api/v1/playbooks/{playbook['id']}"
        document = playbook["document"]
        assert document["name"] == f"From {template.id}"
        used = connection_references(document)
        assert used == set(chosen.values()), template.id
        stored = client.get(f"/api/v1/playbooks/{playbook['id']}").json
        assert stored["valid"] is True
    assert playbook_count(client) == len(TEMPLATES)


def test_parameters_become_the_variables_initial_values(client: FlaskClient) -> None:
    make_connection(client, "jira", "jira-soc")
    parameters = {"project_key": "SECOPS", "severities": ["high"]}
    response = deploy(
        client,
        "jira_ticket_sync",
        name="Jira for high",
        connections={"jira": "jira-soc"},
        parameters=parameters,
    )
    assert response.status_code == 201, response.json
    variables = response.json["document"]["variables"]
    assert variables["project_key"]["initial"] == "SECOPS"
    assert variables["severities"]["initial"] == ["high"]
    assert variables["issue_type"]["initial"] == "Task"


def test_a_connection_chosen_by_id_is_written_by_name(client: FlaskClient) -> None:
    connection_id = make_connection(client, "virustotal", "vt-prod")
    response = deploy(
        client,
        "virustotal_ip_enrichment",
        name="VT",
        connections={"virustotal": connection_id},
    )
    assert response.status_code == 201, response.json
    lookup = next(n for n in response.json["document"]["nodes"] if n["id"] == "lookup")
    assert lookup["connection"] == "vt-prod"


def test_the_playbook_goes_to_the_workspace_named_in_the_body(
    app: Flask, people: dict[Role, Person]
) -> None:
    owner = Browser(app, people[Role.OWNER].name)
    red_team = new_workspace(owner, "red-team")
    body = {"connector": "virustotal", "name": "vt-red", "fields": {"api_key": "k"}}
    assert (
        owner.open("POST", "/api/v1/connections?workspace=red-team", json=body).status_code == 201
    )
    url = "/api/v1/templates/virustotal_ip_enrichment/deploy"
    chosen = {"name": "VT", "connections": {"virustotal": "vt-red"}}
    made = owner.open("POST", url, json={**chosen, "workspace": "red-team"})
    assert made.status_code == 201, made.json
    assert made.json["workspace_id"] == red_team
    # The same connection name means nothing in another workspace.
    elsewhere = owner.open("POST", url, json={**chosen, "workspace": "default"})
    assert refusal(elsewhere) == (422, "unknown_connection", "connections.virustotal")
    unknown = owner.open("POST", url, json={**chosen, "workspace": "nope"})
    assert unknown.status_code == 404


def test_a_name_taken_by_another_playbook_is_fine_as_for_playbooks(client: FlaskClient) -> None:
    make_connection(client, "slack", "slack-soc")
    for _ in range(2):
        response = deploy(
            client, "slack_notify_new_incident", name="Same", connections={"slack": "slack-soc"}
        )
        assert response.status_code == 201, response.json
    assert playbook_count(client) == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"connections": {"virustotal": "vt"}}, (422, "invalid_field", "name")),
        ({"name": "VT"}, (422, "missing_connection", "connections.virustotal")),
        (
            {"name": "VT", "connections": {"virustotal": "nope"}},
            (422, "unknown_connection", "connections.virustotal"),
        ),
        (
            {"name": "VT", "connections": {"virustotal": "slack-soc"}},
            (422, "wrong_connector", "connections.virustotal"),
        ),
        (
            {"name": "VT", "connections": {"virustotal": "vt", "firewall": "vt"}},
            (422, "invalid_field", "connections.firewall"),
        ),
        (
            {"name": "VT", "connections": {"virustotal": "vt"}, "parameters": {"label": 3}},
            (422, "invalid_parameter", "parameters.label"),
        ),
        (
            {
                "name": "VT",
                "connections": {"virustotal": "vt"},
                "parameters": {"malicious_threshold": 0},
            },
            (422, "invalid_parameter", "parameters.malicious_threshold"),
        ),
        (
            {"name": "VT", "connections": {"virustotal": "vt"}, "parameters": {"labels": "x"}},
            (422, "unknown_parameter", "parameters.labels"),
        ),
    ],
    ids=[
        "no name",
        "no connection",
        "unknown connection",
        "wrong connector",
        "connection the template has not",
        "parameter of the wrong type",
        "parameter out of range",
        "unknown parameter",
    ],
)
def test_a_wrong_choice_is_refused_with_its_field_and_nothing_saved(
    client: FlaskClient, body: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    make_connection(client, "virustotal", "vt")
    make_connection(client, "slack", "slack-soc")
    response = deploy(client, "virustotal_ip_enrichment", **body)
    assert refusal(response) == expected
    assert playbook_count(client) == 0


def test_every_problem_is_listed_at_once(client: FlaskClient) -> None:
    response = deploy(
        client,
        "abuseipdb_block_ip",
        name="",
        connections={"abuseipdb": "nope"},
        parameters={"confidence_threshold": 101},
    )
    assert response.status_code == 422
    problems = response.json["error"]["details"]["problems"]
    assert [(p["code"], p["field"]) for p in problems] == [
        ("invalid_field", "name"),
        ("missing_connection", "connections.firewall"),
        ("invalid_parameter", "parameters.confidence_threshold"),
        ("unknown_connection", "connections.abuseipdb"),
    ]


@pytest.mark.parametrize(
    "body",
    [{"name": "x", "connections": []}, {"name": "x", "parameters": 1}, {"name": "x", "other": 1}],
    ids=["connections not an object", "parameters not an object", "unknown field"],
)
def test_a_malformed_body_is_refused(client: FlaskClient, body: dict[str, Any]) -> None:
    response = deploy(client, "isolate_machine", **body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_fields"
    assert playbook_count(client) == 0


def test_readers_may_look_but_not_deploy(client_for: Any) -> None:
    reader = client_for(Role.READER)
    assert reader.get("/api/v1/templates/isolate_machine").status_code == 200
    response = reader.post("/api/v1/templates/isolate_machine/deploy", json={"name": "x"})
    assert response.status_code == 403


def test_the_answers_fit_the_documented_schemas(client: FlaskClient) -> None:
    document = spec(client)
    listed = client.get("/api/v1/templates")
    fits(document, "/api/v1/templates", "get", 200, listed.json)
    one = client.get("/api/v1/templates/approve_then_isolate_machine")
    fits(document, "/api/v1/templates/{template_id}", "get", 200, one.json)
    make_connection(client, "microsoft_defender", "mde")
    path = "/api/v1/templates/{template_id}/deploy"
    made = deploy(client, "isolate_machine", name="Isolate", connections={"defender": "mde"})
    fits(document, path, "post", 201, made.json)
    refused = deploy(client, "isolate_machine", name="Isolate")
    fits(document, path, "post", 422, refused.json)
