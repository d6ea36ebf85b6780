"""The connections page's API: which playbooks use a connection, renaming it with the steps that
name it, replacing its authorization without seeing the secrets, and deleting several at once
(refused, with nothing deleted, while an enabled playbook calls with any of them)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from soarflow.api.extensions import db_session, secret_box
from soarflow.store import access, connections
from soarflow.store import playbooks as playbook_repo
from tests.api.test_openapi import fits, spec
from tests.fixtures import enrich_ips

API_KEY = "vt-key-0123456789abcdef"
NEW_API_KEY = "vt-key-fedcba9876543210"


def create_connection(client: FlaskClient, name: str, api_key: str = API_KEY) -> dict[str, Any]:
    body = {"connector": "virustotal", "name": name, "fields": {"api_key": api_key}}
    response = client.post("/api/v1/connections", json=body)
    assert response.status_code == 201, response.json
    created = response.json
    assert isinstance(created, dict)
    return created


def create_playbook(
    client: FlaskClient, name: str, connection: str, *, enabled: bool
) -> dict[str, Any]:
    """The DESIGN.md example, its VirusTotal step calling with `connection` (a name or an id)."""
    document = enrich_ips(name=name)
    document["nodes"][1]["connection"] = connection
    playbook = client.post("/api/v1/playbooks", json=document).json
    assert isinstance(playbook, dict)
    if enabled:
        assert client.post(f"/api/v1/playbooks/{playbook['id']}/enable").status_code == 200
    return playbook


def listed(client: FlaskClient) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in client.get("/api/v1/connections").json["data"]}


def stored_api_key(app: Flask, connection_id: str) -> str:
    with app.app_context():
        connection = connections.get_connection(db_session(), connection_id=connection_id)
        assert connection is not None
        return secret_box().decrypt(connection.secrets)["api_key"]


def test_the_list_says_which_playbooks_call_with_each_connection(
    app: Flask, client: FlaskClient
) -> None:
    main = create_connection(client, "vt-main")
    spare = create_connection(client, "vt-spare")
    create_connection(client, "vt-unused")
    create_playbook(client, "Enrich by name", "vt-main", enabled=True)
    create_playbook(client, "Enrich by id", main["id"], enabled=False)
    create_playbook(client, "Enrich spare", "vt-spare", enabled=False)
    with app.app_context():
        session = db_session()
        elsewhere = access.create_workspace(session, name="elsewhere")
        checked = playbook_repo.Checked(enrich_ips(name="Other workspace"), [], "incident")
        playbook_repo.create_playbook(session, checked=checked, workspace_id=elsewhere.id)
        session.commit()

    found = listed(client)
    assert [(use["name"], use["enabled"]) for use in found["vt-main"]["used_by"]] == [
        ("Enrich by id", False),
        ("Enrich by name", True),
    ]
    assert [use["name"] for use in found["vt-spare"]["used_by"]] == ["Enrich spare"]
    assert found["vt-unused"]["used_by"] == []
    assert (found["vt-unused"]["status"], found["vt-unused"]["last_tested_at"]) == (
        "untested",
        None,
    )
    single = client.get(f"/api/v1/connections/{spare['id']}").json
    assert [use["name"] for use in single["used_by"]] == ["Enrich spare"]


def test_a_rename_carries_the_name_into_the_steps_that_use_it(client: FlaskClient) -> None:
    connection = create_connection(client, "vt-main")
    create_connection(client, "vt-other")
    by_name = create_playbook(client, "By name", "vt-main", enabled=True)
    by_id = create_playbook(client, "By id", connection["id"], enabled=False)
    url = f"/api/v1/connections/{connection['id']}"

    renamed = client.patch(url, json={"name": "  VirusTotal production  "})
    assert renamed.status_code == 200, renamed.json
    assert renamed.json["name"] == "VirusTotal production"
    assert [use["name"] for use in renamed.json["used_by"]] == ["By id", "By name"]

    saved = client.get(f"/api/v1/playbooks/{by_name['id']}").json
    assert saved["document"]["nodes"][1]["connection"] == "VirusTotal production"
    assert (saved["version"], saved["enabled"]) == (2, True)
    untouched = client.get(f"/api/v1/playbooks/{by_id['id']}").json
    assert (untouched["version"], untouched["document"]["nodes"][1]["connection"]) == (
        1,
        connection["id"],
    )


def test_a_rename_keeps_the_test_outcome(app: Flask, client: FlaskClient) -> None:
    connection = create_connection(client, "vt-main")
    with app.app_context():
        session = db_session()
        stored = connections.get_connection(session, connection_id=connection["id"])
        assert stored is not None
        connections.record_test(session, connection=stored, ok=False, reason="http_401: refused")
        session.commit()
    renamed = client.patch(f"/api/v1/connections/{connection['id']}", json={"name": "vt"}).json
    assert (renamed["status"], renamed["status_reason"]) == ("error", "http_401: refused")
    assert renamed["last_tested_at"] is not None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "vt-other"}, 409, "name_taken"),
        ({"name": "   "}, 422, "invalid_field"),
        ({"name": 7}, 422, "invalid_field"),
        ({}, 422, "invalid_field"),
        ({"name": "x" * 201}, 422, "invalid_field"),
        ({"name": "vt-new", "fields": {"api_key": NEW_API_KEY}}, 422, "invalid_field"),
        (["vt-new"], 400, "bad_request"),
    ],
)
def test_a_bad_rename_is_refused_and_changes_nothing(
    client: FlaskClient, body: Any, status: int, code: str
) -> None:
    connection = create_connection(client, "vt-main")
    create_connection(client, "vt-other")
    playbook = create_playbook(client, "By name", "vt-main", enabled=False)
    response = client.patch(f"/api/v1/connections/{connection['id']}", json=body)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert set(listed(client)) == {"vt-main", "vt-other"}
    assert client.get(f"/api/v1/playbooks/{playbook['id']}").json["version"] == 1


def test_renaming_a_missing_connection_is_not_found(client: FlaskClient) -> None:
    response = client.patch("/api/v1/connections/nope", json={"name": "x"})
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")


def test_new_authorization_replaces_the_secret_and_an_empty_one_keeps_it(
    app: Flask, client: FlaskClient
) -> None:
    connection = create_connection(client, "vt-main")
    url = f"/api/v1/connections/{connection['id']}"

    kept = client.put(url, json={"fields": {"api_key": ""}})
    assert kept.status_code == 200, kept.json
    assert kept.json["secret_fields_set"] == ["api_key"]
    assert stored_api_key(app, connection["id"]) == API_KEY

    replaced = client.put(url, json={"fields": {"api_key": NEW_API_KEY}})
    assert (replaced.status_code, replaced.json["status"]) == (200, "untested")
    assert stored_api_key(app, connection["id"]) == NEW_API_KEY

    answers = [kept, replaced, client.get(url), client.get("/api/v1/connections")]
    for answer in answers:
        text = answer.get_data(as_text=True)
        assert API_KEY not in text
        assert NEW_API_KEY not in text


def test_an_empty_secret_does_not_stand_in_for_a_missing_one(client: FlaskClient) -> None:
    body = {"connector": "virustotal", "name": "vt", "fields": {"api_key": ""}}
    response = client.post("/api/v1/connections", json=body)
    assert (response.status_code, response.json["error"]["code"]) == (422, "invalid_fields")


def test_deleting_connections_an_enabled_playbook_uses_deletes_none(
    client: FlaskClient,
) -> None:
    used = create_connection(client, "vt-main")
    free = create_connection(client, "vt-free")
    drafts_only = create_connection(client, "vt-drafts")
    playbook = create_playbook(client, "Enrich IPs", "vt-main", enabled=True)
    create_playbook(client, "Draft enrichment", "vt-drafts", enabled=False)
    ids = [used["id"], free["id"], drafts_only["id"]]

    refused = client.post("/api/v1/connections/bulk-delete", json={"ids": ids})
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "connection_in_use"
    assert error["details"] == {
        "connections": [
            {
                "id": used["id"],
                "name": "vt-main",
                "playbooks": [{"id": playbook["id"], "name": "Enrich IPs"}],
            }
        ]
    }
    assert "'vt-main' is used by the enabled playbook 'Enrich IPs'" in error["message"]
    assert set(listed(client)) == {"vt-main", "vt-free", "vt-drafts"}
    single = client.delete(f"/api/v1/connections/{used['id']}")
    assert (single.status_code, single.json["error"]["code"]) == (409, "connection_in_use")

    assert client.post(f"/api/v1/playbooks/{playbook['id']}/disable").status_code == 200
    deleted = client.post("/api/v1/connections/bulk-delete", json={"ids": [*ids, "nope"]})
    assert deleted.json == {"deleted": ids, "not_found": ["nope"]}
    assert listed(client) == {}


def test_a_new_name_sent_with_new_fields_is_carried_into_the_steps_too(
    client: FlaskClient,
) -> None:
    connection = create_connection(client, "vt-main")
    playbook = create_playbook(client, "By name", "vt-main", enabled=False)
    body = {"name": "vt-prod", "fields": {"api_key": NEW_API_KEY}}
    assert client.put(f"/api/v1/connections/{connection['id']}", json=body).status_code == 200
    saved = client.get(f"/api/v1/playbooks/{playbook['id']}").json
    assert saved["document"]["nodes"][1]["connection"] == "vt-prod"


def test_the_answers_fit_the_documented_schemas(client: FlaskClient) -> None:
    document = spec(client)
    used = create_connection(client, "vt-main")
    free = create_connection(client, "vt-free")
    create_playbook(client, "Enrich IPs", "vt-main", enabled=True)
    item = "/api/v1/connections/{connection_id}"
    fits(document, "/api/v1/connections", "get", 200, client.get("/api/v1/connections").json)
    renamed = client.patch(f"/api/v1/connections/{free['id']}", json={"name": "vt-spare"})
    fits(document, item, "patch", 200, renamed.json)
    taken = client.patch(f"/api/v1/connections/{free['id']}", json={"name": "vt-main"})
    fits(document, item, "patch", 409, taken.json)
    bulk = "/api/v1/connections/bulk-delete"
    refused = client.post(bulk, json={"ids": [used["id"], free["id"]]})
    fits(document, bulk, "post", 409, refused.json)
    fits(document, bulk, "post", 200, client.post(bulk, json={"ids": [free["id"]]}).json)
