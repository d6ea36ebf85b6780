"""API connections: secrets are encrypted, write-only, never in a response or a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from soarflow.api.extensions import db_engine
from tests.connectors.fakes import serving

SECRET = "tok-9f8e7d6c5b4a"
OTHER_SECRET = "tok-replaced-1234"


@pytest.fixture
def connectors_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "connectors" / "echo"
    folder.mkdir(parents=True)
    (folder / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    manifest = {
        "format": "soarflow.connector/v1",
        "id": "echo",
        "name": "Echo",
        "version": "1.0.0",
        "icon": "icon.svg",
        "connection": {
            "fields": {
                "type": "object",
                "required": ["url", "token"],
                "properties": {
                    "url": {"type": "string", "title": "Instance URL"},
                    "token": {"type": "string", "writeOnly": True, "minLength": 8},
                },
            },
            "auth": {"type": "bearer", "token": "{{ connection.token }}"},
            "base_url": "{{ connection.url }}",
            "allowed_hosts": ["127.0.0.1"],
            "test": {"method": "GET", "path": "/me"},
        },
        "actions": [],
    }
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    return tmp_path / "connectors"


@pytest.fixture(scope="module")
def fake() -> Iterator[str]:
    app = Flask("echo-fake")

    @app.get("/me")
    def me() -> Any:
        if request.headers.get("Authorization") != f"Bearer {SECRET}":
            return jsonify(error="bad token"), 401
        return jsonify(user="soc")

    with serving(app) as url:
        yield url


def create(client: FlaskClient, fake: str, name: str = "Echo prod", token: str = SECRET) -> Any:
    body = {"connector": "echo", "name": name, "fields": {"url": fake, "token": token}}
    return client.post("/api/v1/connections", json=body)


def test_secrets_are_write_only_and_encrypted(
    app: Flask, client: FlaskClient, fake: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = create(client, fake)
    assert created.status_code == 201
    connection = created.json
    assert connection["fields"] == {"url": fake}
    assert connection["secret_fields_set"] == ["token"]
    assert connection["status"] == "untested"
    renamed = client.put(f"/api/v1/connections/{connection['id']}", json={"name": "Echo main"})
    assert renamed.json["secret_fields_set"] == ["token"], "an unsent secret keeps its value"
    tested = client.post(f"/api/v1/connections/{connection['id']}/test").json
    assert (tested["status"], tested["status_reason"]) == ("connected", "")
    assert tested["last_tested_at"] is not None

    every_answer = "".join(
        str(client.get(url).get_data(as_text=True))
        for url in (
            "/api/v1/connections",
            f"/api/v1/connections/{connection['id']}",
            "/api/v1/audit?limit=200",
        )
    )
    assert SECRET not in every_answer + str(created.json) + str(renamed.json)
    assert SECRET not in caplog.text
    with app.app_context(), db_engine().connect() as database:
        stored = database.execute(sa.text("SELECT fields, secrets FROM connection")).one()
    assert SECRET not in str(stored)


def test_a_failing_test_call_records_the_reason(client: FlaskClient, fake: str) -> None:
    connection = create(client, fake, token=OTHER_SECRET).json
    tested = client.post(f"/api/v1/connections/{connection['id']}/test").json
    assert tested["status"] == "error"
    assert "401" in tested["status_reason"]
    assert OTHER_SECRET not in tested["status_reason"]
    fixed = client.put(
        f"/api/v1/connections/{connection['id']}", json={"fields": {"url": fake, "token": SECRET}}
    ).json
    assert fixed["status"] == "untested"
    assert client.post(f"/api/v1/connections/{connection['id']}/test").json["status"] == "connected"


def test_bad_connections_are_refused(client: FlaskClient, fake: str) -> None:
    cases = [
        ({"connector": "nope", "name": "x", "fields": {}}, 422, "unknown_connector"),
        (
            {"connector": "echo", "name": "x", "fields": {"url": fake, "api_key": SECRET}},
            422,
            "invalid_fields",
        ),
        (
            {"connector": "echo", "name": "x", "fields": {"url": fake, "token": "short"}},
            422,
            "invalid_fields",
        ),
        (
            {"connector": "echo", "name": "", "fields": {"url": fake, "token": SECRET}},
            422,
            "invalid_field",
        ),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/connections", json=body)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), body
        assert SECRET not in response.get_data(as_text=True)
        assert "short" not in str(response.json["error"]["details"])
    assert create(client, fake).status_code == 201
    taken = create(client, fake)
    assert (taken.status_code, taken.json["error"]["code"]) == (409, "name_taken")
    assert client.get("/api/v1/connections").json["total"] == 1


def test_bulk_delete(client: FlaskClient, fake: str) -> None:
    ids = [create(client, fake, name=f"c{i}").json["id"] for i in range(3)]
    result = client.post("/api/v1/connections/bulk-delete", json={"ids": [*ids[:2], "nope"]}).json
    assert result == {"deleted": ids[:2], "not_found": ["nope"]}
    assert [c["id"] for c in client.get("/api/v1/connections").json["data"]] == [ids[2]]
    assert client.post("/api/v1/connections/bulk-delete", json={"ids": "all"}).status_code == 400
